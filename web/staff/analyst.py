"""The analysts' view of each procedure: diagram and heatmap, transitions, FAQ, checks.

Every definition in flows/definitions/ gets these pages with no change here.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from flows import lint
from flows.analysis import diagrams, heatmap, traceability, trail
from flows.definition import Definition
from flows.registry import UnknownFlow
from web.services import current
from web.staff.console import analyst_required, console
from web.staff.exports import csv_download

bp = console(Blueprint("analyst", __name__, url_prefix="/staff/flows"))
DOWNLOADS = {
    "svg": ("svg", "image/svg+xml"),
    "dot": ("dot", "text/vnd.graphviz"),
    "mmd": ("mermaid", "text/plain"),
    "md": ("md", "text/markdown"),
}


def definition_or_404(name: str) -> Definition:
    try:
        return current().registry.get(name)
    except UnknownFlow:
        abort(404)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def chosen_period() -> heatmap.Period:
    """The period the analyst asked for (?period=24h|7d|30d|custom&from=…&to=…)."""
    args = request.args
    return heatmap.period(
        args.get("period", heatmap.DEFAULT_PERIOD),
        current().clock(),
        zone(),
        _day(args.get("from")),
        _day(args.get("to")),
    )


@bp.get("")
@analyst_required
def flows() -> str:
    definitions = list(current().registry)
    week = heatmap.period("7d", current().clock(), zone())
    with current().db.read() as session:
        started = trail.started(session, week.since, week.until)
        versions = {d.name: trail.versions(session, d.name) for d in definitions}
    return render_template(
        "staff/flows.html",
        definitions=definitions,
        started=started,
        versions=versions,
        lint=lint.findings,
        trace=traceability.problems,
        sections=traceability.sections(definitions),
    )


def _activity(definition: Definition, period: heatmap.Period) -> dict[str, Any]:
    now = current().clock()
    with current().db.read() as session:
        rows = trail.totals(session, definition.name, period.since, period.until)
        now_rows = trail.where_now(session, definition.name, period.since, period.until, now)
        versions = trail.versions(session, definition.name)
        starts = trail.starts_by_version(session, definition.name)
    found = heatmap.heat(rows, now_rows)
    return {
        "heat": found,
        "funnel": heatmap.funnel(definition, now_rows, found),
        "rejections": heatmap.rejections(definition, found),
        "versions": versions,
        "starts": starts,
    }


@bp.get("/<name>")
@analyst_required
def flow(name: str) -> str:
    definition = definition_or_404(name)
    period = chosen_period()
    activity = _activity(definition, period)
    svg = diagrams.render(definition, "svg", translate=gettext, heat=activity["heat"])
    # The FAQ section it carries out steps of, as its own or as another's (a conversation).
    section = next(
        (
            s
            for s in traceability.sections(list(current().registry))
            if definition.faq_section is not None and s.question.section == definition.faq_section
        ),
        None,
    )
    return render_template(
        "staff/flow.html",
        definition=definition,
        period=period,
        periods=heatmap.PERIODS,
        svg=Markup(svg),  # noqa: S704 - Graphviz output of our own labels, escaped by it
        levels=diagrams.state_levels(activity["heat"]),
        period_args=_period_args(period),
        edge_id=diagrams.edge_id,
        findings=lint.findings(definition),
        checks=lint.CHECKS,
        trace_problems=traceability.problems(definition),
        section=section,
        steps_of=traceability.transition_steps,
        registry_names={d.name: d.label for d in current().registry},
        **activity,
    )


def _period_args(period: heatmap.Period) -> dict[str, str]:
    """The query that asks for PERIOD again (downloads, the form)."""
    args = {"period": period.kind}
    if period.kind == "custom":
        args.update({"from": request.args.get("from", ""), "to": request.args.get("to", "")})
    return args


@bp.get("/<name>/diagram.<any(svg,dot,mmd,md):ext>")
@analyst_required
def diagram(name: str, ext: str) -> Response:
    """A download; with ?period=… the SVG and DOT carry that period's heat."""
    definition = definition_or_404(name)
    fmt, mimetype = DOWNLOADS[ext]
    heat = None
    if "period" in request.args and fmt in {"svg", "dot"}:
        heat = _activity(definition, chosen_period())["heat"]
    text = diagrams.render(definition, fmt, translate=gettext, heat=heat)
    return Response(
        text,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{definition.name}.{ext}"'},
    )


@bp.get("/<name>/counts.csv")
@analyst_required
def counts_csv(name: str) -> Response:
    """The period's counts, one row per state, transition, outcome and reason."""
    definition = definition_or_404(name)
    period = chosen_period()
    with current().db.read() as session:
        rows = trail.totals(session, definition.name, period.since, period.until)
    header = ["flow", "since", "until", "source", "event", "target", "outcome", "reason"]
    body = (
        [
            definition.name,
            period.since.isoformat(),
            period.until.isoformat(),
            r.source,
            r.event,
            r.target,
            r.outcome,
            r.reason,
            r.count,
        ]
        for r in rows
    )
    return csv_download(f"{definition.name}-counts.csv", [*header, "count"], body)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
