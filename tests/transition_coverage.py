"""Transition coverage: which transitions the whole run took, read from the audit trail.

Tables are emptied before each test, so audit records are collected as they are
committed. The table is printed at the end of the run; with ``--transition-gate`` the
run fails when a transition of a definition was never taken.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session, object_session

from flows import fields
from flows.definition import Definition
from flows.registry import Registry
from storage.models import AuditRecord

PENDING = "transition_coverage"
# (flow, source, event, target) of taken transitions; (flow, event, reason) of refusals.
taken: Counter[tuple[str, str, str, str]] = Counter()
reasons: Counter[tuple[str, str, str]] = Counter()


@event.listens_for(AuditRecord, "after_insert")
def _inserted(_mapper: Mapper[Any], _connection: Any, record: AuditRecord) -> None:
    session = object_session(record)
    if session is not None:
        seen = (record.flow, record.source, record.event, record.target, record.outcome)
        session.info.setdefault(PENDING, []).append((*seen, dict(record.reasons)))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Count what this transaction wrote; a rolled-back step never happened."""
    for flow, source, event_, target, outcome, given in session.info.pop(PENDING, []):
        if outcome == "taken" and event_ != "start":
            taken[(flow, source, event_, target or "")] += 1
        for reason in given.values():
            reasons[(flow, event_, str(reason))] += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--transition-gate",
        action="store_true",
        help="fail the run when a transition of a definition was never taken",
    )


def never_taken(definitions: list[Definition]) -> list[str]:
    return [
        f"{d.name}: {t.source} --{t.event}--> {t.target}"
        for d in definitions
        for t in d.transitions
        if not taken[(d.name, t.source, t.event, t.target)]
    ]


# Reasons the engine gives itself, and those of the declared field checks.
UNDECLARED_OK = fields.FIELD_REASONS | {
    "not_allowed",
    "moved_on",
    "expired",
    "refused",
    "not_for_you",
}


def undeclared(definitions: list[Definition]) -> list[str]:
    """Reasons given that no guard of their event declares: the customer would be told
    only "refused", and the analysts' tables would not list them."""
    known = {d.name: d for d in definitions}
    found = []
    for (flow, event_, reason), count in sorted(reasons.items()):
        definition = known.get(flow)
        if definition is None or reason in UNDECLARED_OK:
            continue
        declared = {
            r
            for t in definition.transitions
            if t.event == event_
            for g in t.guards
            for r in definition.guards[g].reasons
        }
        if reason not in declared:
            found.append(f"{flow}: {event_} gave {reason!r} ×{count}, which no guard declares")
    return found


def _report(definition: Definition) -> list[str]:
    name = definition.name
    done = sum(bool(taken[(name, t.source, t.event, t.target)]) for t in definition.transitions)
    lines = [f"{name}: {done}/{len(definition.transitions)} transitions taken"]
    for t in definition.transitions:
        count = taken[(name, t.source, t.event, t.target)]
        mark = "ok" if count else "--"
        lines.append(f"  {mark} {t.source} --{t.event}--> {t.target}  ×{count}")
    declared = {
        (t.event, r)
        for t in definition.transitions
        for g in t.guards
        for r in definition.guards[g].reasons
    }
    given = {(e, r): n for (flow, e, r), n in reasons.items() if flow == name}
    for (e, r), n in sorted(given.items()):
        lines.append(f"  refused {e}: {r}  ×{n}")
    for e, r in sorted(declared - set(given)):
        lines.append(f"  never refused {e}: {r} (a guard's reason)")
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    definitions = list(Registry())
    terminalreporter.section("transition coverage (audit records of this run)")
    for definition in definitions:
        for line in _report(definition):
            terminalreporter.write_line(line)
    missing = never_taken(definitions)
    if config.getoption("transition_gate") and missing:
        terminalreporter.write_line(
            f"--transition-gate: {len(missing)} transition(s) never taken:", red=True
        )
        for line in missing:
            terminalreporter.write_line(f"  {line}", red=True)
    for line in undeclared(definitions):
        terminalreporter.write_line(f"reason not declared: {line}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    definitions = list(Registry())
    gate = session.config.getoption("transition_gate")
    if undeclared(definitions) or (gate and never_taken(definitions)):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
