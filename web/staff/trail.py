"""The audit trail for analysts: find instances, read one's timeline, export as CSV.

Only what the engine recorded is shown: the audit trail never holds a secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, request

from flows.analysis import heatmap, trail
from flows.engine import Outcome
from flows.reasons import N_
from flows.records import AuditRecord
from flows.registry import UnknownFlow
from web.services import current
from web.staff import second_factor
from web.staff.analyst import zone
from web.staff.console import analyst_required, console
from web.staff.exports import csv_download
from web.staff.procedures import read

bp = console(Blueprint("trail", __name__, url_prefix="/staff/trail"))
PAGE = 50
LAST_PAGE = 1_000_000  # an offset past it could not be read by the database
EXPORT_LIMIT = 100_000
OUTCOMES = [str(o) for o in Outcome]


OUTCOME_NAMES = {
    "taken": N_("Taken"),
    "rejected": N_("Rejected"),
    "not_allowed": N_("Not allowed"),
    "forbidden": N_("Not for this sender"),
    "expired": N_("Too late"),
}
ACCESS_EVENTS = {
    "sign_in": N_("Sign-in"),
    "sign_out": N_("Sign-out"),
    "unlock": N_("Unlocked"),
    "disable": N_("Disabled"),
    "read": N_("Read"),
    **second_factor.ACCESS_EVENTS,
}
ACCESS_ACTORS = {"staff": N_("Console"), "cli": N_("Command line")}


def _choice(name: str, allowed: list[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _search() -> tuple[trail.Search, dict[str, str]]:
    """The search the form asks for, and the form's values to show it again."""
    registry = current().registry
    states = sorted({s for d in registry for s in d.states})
    customer = request.args.get("customer", "").strip()[:254]
    start, end = _day("from"), _day("to")
    since, until = heatmap.days(start, end, zone())
    search = trail.Search(
        flow=_choice("flow", [d.name for d in registry]),
        state=_choice("state", states),
        since=since,
        until=until,
        outcome=_choice("outcome", OUTCOMES),
        customer_email_key=trail.customer_key(customer) if customer else None,
    )
    shown = {
        "flow": search.flow or "",
        "state": search.state or "",
        "outcome": search.outcome or "",
        "customer": customer,
        "from": start.isoformat() if start else "",
        "to": end.isoformat() if end else "",
    }
    return search, shown


def _page() -> int:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    if page > LAST_PAGE:
        abort(404)
    return page


@bp.get("")
@analyst_required
def search() -> str:
    page = _page()
    query, shown = _search()
    with current().db.read() as session:
        found = trail.search(session, query, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template(
        "staff/trail.html",
        found=found[:PAGE],
        more=len(found) > PAGE,
        page=page,
        shown=shown,
        definitions=list(current().registry),
        by_name=current().registry.current,
        outcomes=OUTCOMES,
        outcome_names=OUTCOME_NAMES,
    )


@bp.get("/access")
@analyst_required
def access() -> str:
    """Staff sign-ins (password, code), taken or refused, sign-outs, unlocks, disablings
    and reads of customers' data, newest first."""
    page = _page()
    with current().db.read() as session:
        found = trail.access_records(session, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template(
        "staff/access.html",
        records=found[:PAGE],
        more=len(found) > PAGE,
        page=page,
        events=ACCESS_EVENTS,
        actors=ACCESS_ACTORS,
        outcome_names=OUTCOME_NAMES,
    )


@bp.get("/<key:instance_id>")
@analyst_required
def instance(instance_id: str) -> str:
    services = current()
    with services.db.read() as session:
        found = trail.instance(session, instance_id[:32])
        if found is None:
            abort(404)
        records = trail.timeline(session, found.instance.id)
    try:
        row = found.instance
        definition = services.registry.version(services.db, row.flow, row.version)
    except UnknownFlow:  # a procedure since removed: its ids are shown as they are
        definition = None
    return render_template(
        "staff/instance.html",
        found=found,
        records=records,
        definition=definition,
        outcome_names=OUTCOME_NAMES,
    )


@bp.get("/export.csv")
@analyst_required
def export() -> Response:
    """The audit records of the instances the search finds (at most EXPORT_LIMIT)."""
    header = [
        "instance_id",
        "flow",
        "version",
        "at",
        "event",
        "source",
        "target",
        "outcome",
        "reasons",
        "actor",
        "customer_id",
        "data",
    ]
    read("export:trail")
    return csv_download("audit-trail.csv", header, _export_rows())


def _export_rows() -> Iterator[list[Any]]:
    query, _shown = _search()
    with current().db.scan() as session:
        for r in trail.records(session, query, limit=EXPORT_LIMIT):
            yield _row(r)


def _row(r: AuditRecord) -> list[Any]:
    return [
        r.instance_id,
        r.flow,
        r.version,
        r.created_at.isoformat(),
        r.event,
        r.source,
        r.target or "",
        r.outcome,
        json.dumps(r.reasons, ensure_ascii=False, sort_keys=True),
        r.actor,
        r.customer_id if r.customer_id is not None else "",
        json.dumps(r.data, ensure_ascii=False, sort_keys=True),
    ]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
