"""The engine every procedure runs on: start, restore, send, audit, expire.

One ``send`` is one transaction: the instance row is locked, a machine of its definition
given its state and memory (flows.machines), the event sent; guards decide, actions write;
the audit record, the new state, the domain changes and the outbox rows are committed
together. Every call says who is asking (a principal): whether they may start, see or
send is decided here (flows.access), so pages, the API and the command line agree.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import audit, fields
from flows.access import (
    STAFF,
    SYSTEM,
    Forbidden,
    Kind,
    Principal,
    may_see,
    may_send,
    may_start,
)
from flows.accounts import credentials, links
from flows.definition import Definition
from flows.machines import Ran
from flows.model import FlowModel, Mailer, StepContext, View
from flows.registry import Registry, UnknownFlow
from storage.db import Database
from storage.models import AuditRecord, FlowInstance, FlowVersion, Identity, Staff

log = logging.getLogger(__name__)
# Instance ids (hex) and link tokens (URL-safe base64) are all that is ever looked up.
_URLSAFE = re.compile(r"[A-Za-z0-9_-]+")
_EVENT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
UNKNOWN_EVENT = "(unknown)"


class Outcome(StrEnum):
    TAKEN = "taken"
    REJECTED = "rejected"
    NOT_ALLOWED = "not_allowed"  # not in this state
    FORBIDDEN = "forbidden"  # not by this principal
    EXPIRED = "expired"


class UnknownInstance(LookupError):
    pass


class NotStartable(UnknownFlow):
    """A procedure only another procedure's step starts (``started_by``): to anyone else,
    it is not a procedure that can be started."""


__all__ = ["Forbidden", "NotStartable", "Outcome", "Result", "Snapshot", "UnknownInstance"]


@dataclass(frozen=True)
class Snapshot:
    id: str
    flow: str
    version: str
    state: str
    allowed_events: list[str]
    expires_at: datetime | None
    final: bool
    language: str
    customer_id: int | None
    display: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "flow": self.flow,
            "version": self.version,
            "state": self.state,
            "allowed_events": self.allowed_events,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "final": self.final,
        }


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    snapshot: Snapshot
    errors: dict[str, str] = field(default_factory=dict)
    # What the customer typed, minus secrets, to fill the form again after a rejection.
    values: dict[str, Any] = field(default_factory=dict)
    # Handed to the sender once, from a taken step (FlowModel.client): a remembered
    # device's token (a web view makes it a cookie, the API answers it, the CLI prints
    # it). Never stored nor audited.
    client: dict[str, str] = field(default_factory=dict)
    # What the step tells its sender, once (FlowModel.told): no secret; pages show it.
    told: dict[str, str] = field(default_factory=dict)
    # Of refused files, by field, every problem (fields.FileProblem.of): a page names each
    # file and each reason at once.
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # What a refusal's message names (a day, a holiday), by field, then by language:
    # ``reasons.say`` fills the message in with it.
    details: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.TAKEN


@dataclass
class _Step:
    """One event being handled inside the locked transaction."""

    session: Session
    row: FlowInstance
    definition: Definition
    now: datetime
    principal: Principal
    source: str = ""


class Engine:
    def __init__(
        self,
        registry: Registry,
        db: Database,
        mailer: Mailer,
        clock: Callable[[], datetime],
        base_url: Callable[[], str],
        uploads: Path = Path("uploads"),
        secret: bytes = b"",
        channels: frozenset[str] = frozenset({"sms", "email"}),
    ) -> None:
        self.registry = registry
        self.secret = secret
        self.channels = channels
        self.uploads = uploads
        # Told of each event's result after its commit (metrics).
        self.observers: list[Callable[[str, Result], None]] = []
        self.db = db
        self.mailer = mailer
        self.clock = clock
        self.base_url = base_url
        self._versions_recorded = False

    # -- reading ---------------------------------------------------------------------

    def start(
        self, flow: str, *, by: Principal, language: str, customer_id: int | None = None
    ) -> Snapshot:
        """Start FLOW for BY: a customer's instance is theirs; a tester names the customer
        (CUSTOMER_ID) when the procedure needs one. Raises Forbidden when BY may not.

        What staff do for a customer (audience ``staff``) is one open case per customer:
        started when there is none, else the open one is the answer.
        """
        definition = self.registry.get(flow)
        if definition.started_by:
            raise NotStartable(flow)
        may_start(by, definition.audience, definition.staff_roles)
        if by.kind is Kind.CUSTOMER:
            customer_id = by.id
        if definition.audience == STAFF and customer_id is None:
            raise Forbidden("customer_required")
        if not self._versions_recorded:
            self.registry.record_versions(self.db)
            self._versions_recorded = True
        with self.db.write() as session:
            row = None
            if definition.audience == STAFF:
                row = self._open_case(session, definition, customer_id or 0)
            row = row or self._new(session, definition, by, language, customer_id, {})
        return self._snapshot(row, definition, by)

    def _open_case(
        self, session: Session, definition: Definition, customer_id: int
    ) -> FlowInstance | None:
        """The customer's open instance of a staff procedure, found under their row's lock
        (two agents opening it at once get the same one); Forbidden with no such customer."""
        if session.get(Identity, customer_id, with_for_update=True) is None:
            raise Forbidden("customer_required")
        found = session.scalar(
            select(FlowInstance)
            .where(
                FlowInstance.flow == definition.name,
                FlowInstance.customer_id == customer_id,
                FlowInstance.ended_at.is_(None),
            )
            .order_by(FlowInstance.created_at.desc())
            .limit(1)
        )
        if found is None or (found.expires_at is not None and found.expires_at <= self.clock()):
            return None  # a case left alone past its time: the sweep closes it
        return found

    def _new(
        self,
        session: Session,
        definition: Definition,
        by: Principal,
        language: str,
        customer_id: int | None,
        memory: dict[str, Any],
    ) -> FlowInstance:
        now = self.clock()
        initial = definition.states[definition.initial]
        row = FlowInstance(
            # Hex: never begins with "-" (read as an option by a shell command, as a
            # formula by a spreadsheet); 128 bits all the same.
            id=secrets.token_hex(16),
            flow=definition.name,
            version=definition.version,
            state=initial.id,
            data=memory,
            language=language,
            customer_id=customer_id,
            created_at=now,
            updated_at=now,
            expires_at=now + initial.expires_after if initial.expires_after else None,
        )
        session.add(row)
        session.flush()
        self._audit(_Step(session, row, definition, now, by, initial.id), "start", Outcome.TAKEN)
        return row

    def _spawn(
        self, step: _Step, flow: str, memory: dict[str, Any], customer_id: int | None
    ) -> str:
        """An instance of FLOW started by STEP's procedure, in STEP's transaction."""
        definition = self.registry.get(flow)
        if step.definition.name not in definition.started_by:
            raise ValueError(f"{flow} is not started by {step.definition.name}")
        key = (definition.name, definition.version)
        if step.session.get(FlowVersion, key) is None:  # kept, so the instance can finish
            step.session.add(FlowVersion(flow=key[0], version=key[1], document=definition.document))
        language = step.row.language
        by = step.principal
        return self._new(step.session, definition, by, language, customer_id, memory).id

    def snapshot(self, instance_id: str, *, by: Principal) -> Snapshot:
        """Where the instance stands, as BY sees it; UnknownInstance when it is not theirs."""
        with self.db.read() as session:
            row = self._load(session, instance_id, lock=False)
            definition = self._definition(row)
            self._visible(row, definition, by)
        return self._snapshot(row, definition, by)

    def screen(
        self,
        instance_id: str | None,
        *,
        by: Principal,
        flow: str | None = None,
        client: Mapping[str, Any] | None = None,
        customer_id: int | None = None,
    ) -> tuple[Snapshot | None, dict[str, Any]]:
        """What a screen shows BY: the instance's snapshot and what its model reads for it
        (FlowModel.screen), in one read; with no instance, FLOW's first page (before it
        starts), for BY or, when staff look at a staff procedure, for CUSTOMER_ID. CLIENT
        is what the channel says of its client. UnknownInstance when the instance is not
        BY's to see, or not of FLOW."""
        client = client or {}
        with self.db.read() as session:
            now = self.clock()
            if instance_id is None:
                definition = self.registry.get(flow or "")
                state = definition.initial
                if definition.audience != STAFF:
                    customer_id = by.customer_id
                elif not may_see(by, "", customer_id, STAFF):
                    raise UnknownInstance(flow or "")
                view = View(session, now, by, None, state, customer_id, {}, client)
                return None, definition.model.screen(view)
            row = self._load(session, instance_id, lock=False)
            if flow is not None and row.flow != flow:
                raise UnknownInstance(instance_id)
            definition = self._definition(row)
            self._visible(row, definition, by)
            memory = dict(row.data)
            view = View(session, now, by, row.id, row.state, row.customer_id, memory, client)
            return self._snapshot(row, definition, by), definition.model.screen(view)

    def inspect_link(self, token: str) -> tuple[Snapshot, str | None] | None:
        """The instance an e-mailed link belongs to, and why it cannot be used (or None)."""
        if len(token) > 200 or not _URLSAFE.fullmatch(token):
            return None
        with self.db.read() as session:
            row = links.find(session, token)
            instance = session.get(FlowInstance, row.instance_id) if row else None
            if row is None or instance is None:
                return None
            problem = links.problem(
                row, purpose=row.purpose, instance_id=row.instance_id, now=self.clock()
            )
        # Whoever holds the link is the person it was sent to.
        holder = Principal.visitor([instance.id])
        return self._snapshot(instance, self._definition(instance), holder), problem

    def send_link(
        self,
        flow: str,
        token: str,
        fields: Mapping[str, Any],
        *,
        by: Principal,
        language: str,
        expected_state: str | None = None,
    ) -> tuple[Snapshot, Result | None] | None:
        """Send the event an e-mailed link of FLOW stands for, found in the same transaction.

        None when TOKEN is no link of FLOW; no result when the instance's step takes no
        link any more (the link was used): nothing is sent then. The link makes BY the
        person it was sent to: the instance is theirs for this event.
        """
        if len(token) > 200 or not _URLSAFE.fullmatch(token):
            return None
        with self.db.write() as session:
            row = links.locked_instance(session, token)
            if row is None or row.flow != flow:
                return None
            definition = self._definition(row)
            event = definition.link_event(row.state)
            holder = replace(by, started=by.started | {row.id})
            if event is None or definition.states[row.state].link_screen is None:
                return self._snapshot(row, definition, holder), None
            step = _Step(session, row, definition, self.clock(), holder)
            row.language = language
            result = self._handle(step, event, {**fields, "token": token}, expected_state)
        for observe in self.observers:
            observe(event, result)
        return result.snapshot, result

    def definition_of(self, snapshot: Snapshot) -> Definition:
        """The definition an instance runs: the version it started on."""
        return self.registry.version(self.db, snapshot.flow, snapshot.version)

    def history(self, instance_id: str, *, by: Principal) -> list[dict[str, Any]]:
        """The instance's audit trail; UnknownInstance when it is not BY's to see."""
        with self.db.read() as session:
            row = self._load(session, instance_id, lock=False)
            self._visible(row, self._definition(row), by)
            rows = session.scalars(
                select(AuditRecord)
                .where(AuditRecord.instance_id == instance_id)
                .order_by(AuditRecord.id)
            )
            return [audit.as_json(r) for r in rows]

    # -- sending ---------------------------------------------------------------------

    def send(
        self,
        instance_id: str,
        event: str | None,
        fields: Mapping[str, Any] | None = None,
        *,
        by: Principal,
        language: str | None = None,
        expected_state: str | None = None,
        flow: str | None = None,
    ) -> Result:
        """Send EVENT with its FIELDS as BY; never raises for anything the sender got wrong, but
        UnknownInstance (nothing written) when the instance is not BY's to see.

        EXPECTED_STATE is the state the sender saw (a form's hidden field): when the
        instance has moved on since, the event is refused rather than applied to a
        step the sender never saw. No EVENT is the main event of that state. FLOW, when
        given, is the procedure the sender addressed: an instance of another is not found.
        """
        with self.db.write() as session:
            row = self._load(session, instance_id, lock=True)
            definition = self._definition(row)
            if flow is not None and row.flow != flow:
                raise UnknownInstance(instance_id)
            self._visible(row, definition, by)
            if event is None:
                seen = row.state
                if expected_state is not None and expected_state in definition.states:
                    seen = expected_state
                event = definition.main_event(seen) or ""
            step = _Step(session, row, definition, self.clock(), by)
            if language:
                row.language = language
            result = self._handle(step, event, dict(fields or {}), expected_state)
        for observe in self.observers:  # once committed: metrics, never decisions
            observe(event, result)
        return result

    def _handle(
        self, step: _Step, event: str, sent: dict[str, Any], expected_state: str | None
    ) -> Result:
        definition, row = step.definition, step.row
        step.source = row.state
        info = definition.events.get(event)
        if info is None and not _EVENT_NAME.fullmatch(event):
            # The audit column holds 64 printable characters; PostgreSQL refuses NUL.
            event = UNKNOWN_EVENT
        if self._overdue(step):
            self._expire(step)
            # Expiry is a transition like another: where it leads on to a state that takes
            # this event (a closed conversation a reply reopens), the event is judged there.
            if definition.states[row.state].final or event not in definition.events_from(row.state):
                return self._finish(step, event, Outcome.EXPIRED, {"event": "expired"})
            step.source = row.state
        if expected_state is not None and expected_state != row.state:
            return self._finish(step, event, Outcome.NOT_ALLOWED, {"event": "moved_on"})
        allowed = event in definition.events_from(row.state)
        if info is None or not allowed:
            return self._finish(step, event, Outcome.NOT_ALLOWED, {"event": "not_allowed"})
        if not (may_send(step.principal, info.by, info.system) and self._on_duty(step)):
            return self._finish(step, event, Outcome.FORBIDDEN, {"event": "not_for_you"})
        checked = fields.check(info.fields, sent)
        if checked.errors:
            judged = self._field_rules(step, event, checked.values)
            errors = {**judged.errors, **checked.errors}
            details = {f: d for f, d in judged.details.items() if f not in checked.errors}
            return self._finish(step, event, Outcome.REJECTED, errors, checked, sent, details)
        ran = self._run(step, event, checked.values)
        row.data = ran.memory
        if ran.customer_id is not None:
            row.customer_id = ran.customer_id
        if not ran.taken:
            errors = ran.errors or {"event": "refused"}
            return self._finish(step, event, Outcome.REJECTED, errors, checked, sent, ran.details)
        self._enter(step, ran.state, restart=not self._internal(step, event, ran.state))
        return self._finish(
            step, event, Outcome.TAKEN, {}, checked, client=ran.client, told=ran.told
        )

    @staticmethod
    def _on_duty(step: _Step) -> bool:
        """A staff member sends only while their account is active, in the role given."""
        by = step.principal
        if by.kind is not Kind.STAFF:
            return True
        member = step.session.get(Staff, by.id or 0)
        return member is not None and credentials.active(member) and member.role == by.role

    @staticmethod
    def _internal(step: _Step, event: str, target: str) -> bool:
        """Whether the step stayed in its state by an internal transition (its clock runs on:
        a claim or a read mark does not give a conversation 30 more days)."""
        taken = [
            t
            for t in step.definition.transitions
            if t.source == step.source and t.event == event and t.target == target
        ]
        return target == step.source and bool(taken) and all(t.internal for t in taken)

    def _context(self, step: _Step) -> StepContext:
        row = step.row
        return StepContext(
            session=step.session,
            now=step.now,
            instance_id=row.id,
            language=row.language,
            customer_id=row.customer_id,
            mailer=self.mailer,
            base_url=self.base_url(),
            principal=step.principal,
            uploads=self.uploads,
            route=step.definition.route,
            routes=self.registry.routes,
            starter=lambda flow, memory, customer_id: self._spawn(step, flow, memory, customer_id),
            secret=self.secret,
            channels=self.channels,
        )

    def _run(self, step: _Step, event: str, values: dict[str, Any]) -> Ran:
        row = step.row
        return step.definition.machines.send(
            self._context(step), dict(row.data), row.state, event, values
        )

    def _field_rules(self, step: _Step, event: str, values: dict[str, Any]) -> FlowModel:
        """What the field rules say of the fields that passed their checks.

        When some fields were refused the transition cannot run, but the guards declared
        as field rules (``reads:``) can still judge the others, so the form shows every
        problem at once. They run in order, each only when all it reads was accepted.
        """
        row = step.row
        model = step.definition.model(self._context(step), dict(row.data), row.state)
        definition = step.definition
        for t in definition.transitions:
            if t.source != step.row.state or t.event != event:
                continue
            for name in t.guards:
                reads = definition.guards[name].reads
                if not reads or not set(reads) <= values.keys():
                    break
                if not getattr(model, name)(values):
                    break
        return model

    def _enter(self, step: _Step, state: str, *, restart: bool = True) -> None:
        info = step.definition.states[state]
        row = step.row
        row.state = state
        row.updated_at = step.now
        if restart:
            row.expires_at = step.now + info.expires_after if info.expires_after else None
        if info.final:
            row.ended_at = step.now

    def _overdue(self, step: _Step) -> bool:
        row = step.row
        return row.ended_at is None and row.expires_at is not None and step.now >= row.expires_at

    def _expire(self, step: _Step) -> None:
        """Take the state's ``expire`` transition, as the system, before anything else."""
        source = step.row.state
        if "expire" not in step.definition.events_from(source):
            return
        system_step = _Step(step.session, step.row, step.definition, step.now, SYSTEM, source)
        ran = self._run(system_step, "expire", {})
        step.row.data = ran.memory
        if ran.taken:
            self._enter(system_step, ran.state)
        self._audit(system_step, "expire", Outcome.TAKEN if ran.taken else Outcome.REJECTED)

    def _finish(
        self,
        step: _Step,
        event: str,
        outcome: Outcome,
        errors: dict[str, str],
        checked: fields.CheckedData | None = None,
        sent: Mapping[str, Any] | None = None,
        details: dict[str, dict[str, dict[str, str]]] | None = None,
        *,
        client: dict[str, str] | None = None,
        told: dict[str, str] | None = None,
    ) -> Result:
        row, definition = step.row, step.definition
        values: dict[str, Any] = {}
        audit_data: dict[str, Any] = {}
        if checked is not None:
            specs = definition.events[event].fields
            audit_data = fields.for_audit(specs, checked.values)
            values = fields.refill(specs, checked.values, sent or {}, errors)
        self._audit(step, event, outcome, errors, audit_data)
        snapshot = self._snapshot(row, definition, step.principal)
        refused_files = checked.files if checked is not None else {}
        return Result(
            outcome,
            snapshot,
            errors,
            values,
            client or {},
            told or {},
            refused_files,
            details or {},
        )

    def sweep(self, limit: int = 500) -> int:
        """Expire every instance whose time is up; returns how many were expired."""
        now = self.clock()
        with self.db.read() as session:
            due = list(
                session.scalars(
                    select(FlowInstance.id)
                    .where(FlowInstance.ended_at.is_(None), FlowInstance.expires_at <= now)
                    .limit(limit)
                )
            )
        for instance_id in due:
            with self.db.write() as session:
                row = self._load(session, instance_id, lock=True)
                step = _Step(session, row, self._definition(row), self.clock(), SYSTEM)
                if self._overdue(step):
                    self._expire(step)
        return len(due)

    # -- helpers ---------------------------------------------------------------------

    def _load(self, session: Session, instance_id: str, *, lock: bool) -> FlowInstance:
        if len(instance_id) > 32 or not _URLSAFE.fullmatch(instance_id):
            raise UnknownInstance(instance_id)
        row = session.get(FlowInstance, instance_id, with_for_update=lock)
        if row is None:
            raise UnknownInstance(instance_id)
        return row

    def _definition(self, row: FlowInstance) -> Definition:
        return self.registry.version(self.db, row.flow, row.version)

    @staticmethod
    def _visible(row: FlowInstance, definition: Definition, by: Principal) -> None:
        """Raise UnknownInstance unless the instance is BY's to see: not theirs is not found."""
        audience, roles = definition.audience, definition.staff_roles
        if not may_see(by, row.id, row.customer_id, audience, roles):
            raise UnknownInstance(row.id)

    @staticmethod
    def allowed(definition: Definition, state: str, by: Principal) -> list[str]:
        """The events BY may send from STATE (an instance's, or a procedure's first)."""
        events = definition.events
        return [
            e
            for e in definition.events_from(state)
            if not events[e].system and may_send(by, events[e].by, events[e].system)
        ]

    @staticmethod
    def _snapshot(row: FlowInstance, definition: Definition, by: Principal) -> Snapshot:
        """Where the instance stands, with the events BY may send from there."""
        allowed = Engine.allowed(definition, row.state, by)
        return Snapshot(
            id=row.id,
            flow=row.flow,
            version=row.version,
            state=row.state,
            allowed_events=allowed,
            expires_at=row.expires_at,
            final=definition.states[row.state].final,
            language=row.language,
            customer_id=row.customer_id,
            display={key: row.data.get(key, "") for key in definition.display},
        )

    @staticmethod
    def _audit(
        step: _Step,
        event: str,
        outcome: Outcome,
        reasons: dict[str, str] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        audit.write(
            step.session,
            step.row,
            event=event,
            source=step.source,
            outcome=str(outcome),
            actor=step.principal.actor,
            now=step.now,
            reasons=reasons,
            data=data,
        )
