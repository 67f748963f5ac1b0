"""A customer's data archive («Télécharger mes données», the procedure data_export).

One ZIP: ``data.json`` (the structured document, its schema in docs/data-export.schema.json,
versioned by ``schema_version``), ``index.html`` (the same data, readable, in the customer's
language) and ``files/`` (their documents and the files of their messages). Never in it: a
password hash, a code, a token or link, another person's data, a staff member's name (an
agent is "an agent").
"""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.support import Translations
from jinja2 import Environment
from sqlalchemy.orm import Session

from flows import audit, formatting
from flows.access import SYSTEM, Principal
from flows.contracts import files
from flows.messaging import SUBJECTS, threads
from flows.outbox.mailer import environment, translations
from flows.registry import Registry, UnknownFlow
from storage import contracts, exports
from storage.models import FlowInstance, Identity

if TYPE_CHECKING:
    from flows.services import Services

SCHEMA_VERSION = 1
FOLDER = "exports"  # under the uploads folder, outside the web root
FLOW = "data_export"
VALID_FOR = timedelta(days=7)  # the ready state's expires_after: then the archive goes


@cache
def _registry() -> Registry:
    return Registry()


@cache
def _words(language: str) -> tuple[Environment, Translations]:
    env = environment(language)
    env.filters["when"] = lambda iso: formatting.moment(datetime.fromisoformat(iso), language)
    env.filters["on"] = lambda iso: formatting.day(date.fromisoformat(iso), language)
    return env, translations(language)


def document(
    session: Session, identity: Identity, now: datetime
) -> tuple[dict[str, Any], list[tuple[str, Path]]]:
    """The archive's JSON document for IDENTITY, and the files to put beside it
    (name in the archive, path under the uploads folder)."""
    _, words = _words(identity.language)
    attached: list[tuple[str, Path]] = []
    linked = contracts.of_customer(session, identity.id)
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "language": identity.language,
        "mini_id": {
            "email": identity.email,
            "first_name": identity.first_name,
            "last_name": identity.last_name,
            "language": identity.language,
            "status": identity.status,
            "created_at": identity.created_at.isoformat(),
            "activated_at": identity.activated_at.isoformat() if identity.activated_at else None,
        },
        "contracts": [_contract(session, c, attached) for c in linked],
        "payoff_quotes": [_quote(q, c) for q, c in exports.quotes(session, identity.id)],
        "conversations": [
            _conversation(c, thread, attached, words)
            for c, thread in exports.conversations(session, identity.id)
        ],
        "remembered_devices": [
            {
                "browser": d.browser,
                "system": d.system,
                "first_used": d.created_at.isoformat(),
                "last_used": d.last_used_at.isoformat(),
                "expires": d.expires_at.isoformat(),
            }
            for d in exports.remembered(session, identity.id)
        ],
        "passkeys": [
            {
                "name": p.name,
                "created": p.created_at.isoformat(),
                "last_used": p.last_used_at.isoformat(),
            }
            for p in exports.passkeys(session, identity.id)
        ],
        "browsers_signed_in_with": [
            {
                "browser": d.browser,
                "system": d.system,
                "first_seen": d.first_seen_at.isoformat(),
                "last_seen": d.last_seen_at.isoformat(),
            }
            for d in exports.seen(session, identity.id)
        ],
        "trail": [_step(r, words) for r in exports.trail(session, identity.id)],
    }
    return data, attached


def _contract(session: Session, contract: Any, attached: list[tuple[str, Path]]) -> dict[str, Any]:
    documents = []
    for d in exports.documents(session, contract.id):
        name = f"files/{contract.number}/{d.id}-{d.filename}"
        attached.append((name, Path(d.storage_name)))
        documents.append(
            {"kind": d.kind, "issued_on": d.issued_on.isoformat(), "name": d.filename, "file": name}
        )
    return {
        "number": contract.number,
        "kind": contract.kind,
        "vehicle": f"{contract.vehicle_year} {contract.vehicle_model}",
        "vin": contract.vin,
        "customer_number": contract.customer_number,
        "name_on_record": f"{contract.first_name} {contract.last_name}",
        "email_on_record": contract.email,
        "phone_on_record": contract.phone,
        "payments": [
            {"paid_on": p.paid_on.isoformat(), "amount_cents": p.amount_cents, "status": p.status}
            for p in exports.payments(session, contract.id)
        ],
        "documents": documents,
    }


def _quote(quote: Any, contract: Any) -> dict[str, Any]:
    return {
        "reference": quote.reference,
        "contract": contract.number,
        "issued_at": quote.issued_at.isoformat(),
        "payoff_date": quote.payoff_date.isoformat(),
        "total_cents": quote.total_cents,
        "lines": [{"item": line.item, "cents": line.cents} for line in quote.lines],
        "taxes": [{"tax": t.tax, "cents": t.cents} for t in quote.taxes],
    }


def _conversation(
    conversation: Any, thread: list[Any], attached: list[tuple[str, Path]], words: Translations
) -> dict[str, Any]:
    messages = []
    for m in thread:
        names = []
        for a in m.attachments:
            name = f"files/messages/{a.id}-{a.filename}"
            attached.append((name, Path(threads.FOLDER) / a.storage_name))
            names.append({"name": a.filename, "file": name})
        by = words.gettext("you") if m.author == "customer" else words.gettext("an agent")
        messages.append(
            {"from": by, "sent_at": m.created_at.isoformat(), "body": m.body, "attachments": names}
        )
    subject = SUBJECTS.get(conversation.subject, conversation.subject)
    return {
        "subject": words.gettext(subject),
        "contract": conversation.contract_number,
        "started_at": conversation.created_at.isoformat(),
        "messages": messages,
    }


def _step(record: Any, words: Translations) -> dict[str, Any]:
    """An audit record in words: when, which procedure, what, and whether it was taken."""
    registry = _registry()
    try:
        definition = registry.get(record.flow)
        procedure = words.gettext(definition.label)
        info = definition.events.get(record.event)
        event = words.gettext(info.label) if info else record.event
    except UnknownFlow:  # a procedure retired since
        procedure, event = record.flow, record.event
    reasons = [words.gettext(registry.reason_message(r)) for r in record.reasons.values()]
    by = record.actor if record.actor in ("customer", "system") else "an agent"
    return {
        "at": record.created_at.isoformat(),
        "procedure": procedure,
        "action": event,
        "outcome": record.outcome,
        "by": words.gettext(by) if by == "an agent" else by,
        "reasons": reasons,
    }


def html(data: dict[str, Any], language: str) -> str:
    env, _ = _words(language)
    return env.get_template("data_export/archive.html").render(data=data, lang=language)


def write(
    uploads: Path,
    session: Session,
    name: str,
    data: dict[str, Any],
    page: str,
    attached: list[tuple[str, Path]],
) -> int:
    """Write the archive NAME under the uploads folder (gone again should the step roll
    back); its size in bytes. A file whose record outlived it is left out."""
    folder = uploads / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", page)
        for inside, stored in attached:
            source = uploads / stored
            if source.is_file():
                archive.write(source, inside)
    files.remove_on_rollback(session, folder, name)
    return path.stat().st_size


def prepare_due(services: Services, limit: int = 10) -> int:
    """Prepare the archives customers asked for (the background worker, as the system);
    how many were prepared. Several workers may run: the engine takes each step once."""
    with services.db.read() as session:
        waiting = exports.preparing(session, FLOW, limit)
    done = 0
    for instance_id in waiting:
        done += services.engine.send(instance_id, "build", {}, by=SYSTEM).ok
    return done


def open_archive(
    session: Session,
    uploads: Path,
    by: Principal,
    instance_id: str,
    now: datetime,
    *,
    downloading: bool = True,
) -> Path | None:
    """The archive of INSTANCE_ID, when it is BY's own, ready and not expired; a download
    (DOWNLOADING, not a mere look at whether it is there) goes into the instance's trail."""
    row = session.get(FlowInstance, instance_id, with_for_update=True)
    if row is None or row.flow != FLOW or row.state != "ready" or by.customer_id is None:
        return None
    if row.customer_id != by.customer_id or (row.expires_at and row.expires_at <= now):
        return None
    path = uploads / FOLDER / str(row.data.get("archive", ""))
    if not path.is_file():
        return None
    if downloading:
        audit.write(
            session, row, event="download", source="ready", outcome="taken", actor=by.actor, now=now
        )
    return path
