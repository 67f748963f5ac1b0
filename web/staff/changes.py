"""The analysts' change review of a procedure: its versions, and for any two of them the
changes in words, the drawing of the change and whom it affects (flows/analysis)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from flows.analysis import change, change_diagram, change_report, change_words, impact, trail
from flows.analysis.change import Diff
from web.services import current
from web.staff.analyst import definition_or_404
from web.staff.console import analyst_required, console

bp = console(Blueprint("changes", __name__, url_prefix="/staff/flows"))
DAYS = (7, 30, 90)
DRAWINGS = {"svg": ("svg", "image/svg+xml"), "mmd": ("mermaid", "text/plain")}


def _chosen(name: str) -> Diff:
    """The two versions asked for (?from=&to=), by default the one before and the current."""
    definition_or_404(name)
    services = current()
    given = [request.args.get(side) or None for side in ("from", "to")]
    try:
        return change.between(services.db, services.registry, name, *given)
    except change.VersionError:
        abort(404)


def _days() -> int:
    days = request.args.get("days", "")
    return int(days) if days.isdigit() and int(days) in DAYS else impact.DEFAULT_DAYS


@bp.get("/<name>/changes")
@analyst_required
def changes(name: str) -> str:
    found = _chosen(name)
    services = current()
    days = _days()
    with services.db.read() as session:
        versions = trail.versions(session, name)
        starts = trail.starts_by_version(session, name)
    known = [v.version for v in versions]
    if found.new.version not in known:  # deployed, no instance has run it yet
        known.append(found.new.version)
    report = impact.impact(services.db, found, services.clock(), days)
    svg = change_diagram.render(found, "svg", translate=gettext)
    return render_template(
        "staff/changes.html",
        definition=services.registry.get(name),
        diff=found,
        versions=versions,
        known=known,
        starts=starts,
        days=days,
        day_choices=DAYS,
        sentences=change_words.sentences(found, gettext),
        svg=Markup(svg),  # noqa: S704 - Graphviz output of our own labels, escaped by it
        report=report,
        words=change_report.Words(found, gettext),
        colours=change_diagram.COLOURS,
    )


@bp.get("/<name>/changes.<any(svg,mmd):ext>")
@analyst_required
def drawing(name: str, ext: str) -> Response:
    """The drawing of the change, to download (Mermaid for a pull request)."""
    found = _chosen(name)
    fmt, mimetype = DRAWINGS[ext]
    text = change_diagram.render(found, fmt, translate=gettext)
    filename = f"{name}-{found.old.version}-{found.new.version}.{ext}"
    return Response(
        text,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
