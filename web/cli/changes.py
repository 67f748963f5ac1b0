"""``moncompte flows diff | impact | migrate``: the change review from a shell.

``diff`` compares two versions that ran here, or one against a YAML file not yet deployed;
``impact`` replays the current version's recorded journeys against a file and counts the
instances in flight; ``migrate`` moves in-flight instances as the current version declares.
Exit codes as the other ``flows`` commands: 0 done, 2 the command was wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext
from statemachine.contrib.diagram import GraphvizError
from statemachine.exceptions import StateMachineError

from flows import migration
from flows.analysis import change, change_diagram, change_report, change_words, impact, trail
from flows.analysis.change import Diff
from flows.definition import Definition
from flows.i18n import LOCALES
from web.cli.flows import fail, flows_group, json_option, print_json, procedure
from web.i18n import in_language
from web.services import current

lang_option = click.option(
    "--lang", type=click.Choice(sorted(LOCALES)), default="fr", show_default=True
)
file_option = click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A definition not yet deployed (YAML), compiled with the current model.",
)


@flows_group.command("diff")
@click.argument("name")
@click.option("--from", "old", help="A version (content hash); by default the one before.")
@click.option("--to", "new", help="A version that ran here; by default the current one.")
@file_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "svg", "mermaid"]),
    default="text",
    show_default=True,
)
@lang_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@with_appcontext
def flows_diff(
    name: str,
    old: str | None,
    new: str | None,
    path: Path | None,
    fmt: str,
    lang: str,
    output: Path | None,
) -> None:
    """What changed between two versions of procedure NAME (or a version and --file)."""
    if new and path:
        fail("Give --to or --file, not both.")
    found = _diff(name, old, new, path)
    try:
        with in_language(lang):
            text = _diff_text(found, fmt)
    except GraphvizError as exc:
        fail(f"Cannot draw SVG: {exc}")
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}")


@flows_group.command("impact")
@click.argument("name")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The new version (YAML), compiled with the current model.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=impact.DEFAULT_DAYS,
    show_default=True,
    help="Replay the journeys started in these last days.",
)
@lang_option
@json_option
@with_appcontext
def flows_impact(name: str, path: Path, days: int, lang: str, as_json: bool) -> None:
    """Recorded journeys and in-flight instances of NAME that the new version would affect."""
    services = current()
    found = impact.impact(services.db, _diff(name, None, None, path), services.clock(), days)
    with in_language(lang):
        if as_json:
            print_json(change_report.impact_json(found, gettext))
        else:
            click.echo("\n".join(change_report.impact_text(found, gettext)))


@flows_group.command("migrate")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="List what would move; move nothing.")
@json_option
@with_appcontext
def flows_migrate(name: str, dry_run: bool, as_json: bool) -> None:
    """Move in-flight instances of NAME to its current version, as it declares."""
    services = current()
    definition = procedure(name)
    try:
        if dry_run:
            moves = migration.plan(services.db, services.registry, name, services.clock())
        else:
            moves = migration.migrate(services.db, services.registry, name, services.clock)
    except migration.MigrationError as exc:
        fail(str(exc))
    if as_json:
        print_json(
            {
                "flow": name,
                "to": definition.version,
                "dry_run": dry_run,
                "moves": [vars(m) for m in moves],
            }
        )
        return
    if not definition.migrations:
        click.echo(
            f"{name} {definition.version} declares no migration: instances finish on their version."
        )
        return
    said = "Would move" if dry_run else "Moved"
    click.echo(f"{said} {len(moves)} instance(s) to {name} {definition.version}.")
    for m in moves:
        click.echo(f"  {m.instance_id}  {m.source} ({m.from_version}) → {m.target}")


# -- helpers ---------------------------------------------------------------------------


def _diff(name: str, old: str | None, new: str | None, path: Path | None) -> Diff:
    services = current()
    current_one = procedure(name)
    try:
        if path is None:
            return change.between(services.db, services.registry, name, old, new)
        after = _draft(path, current_one)
        before = change.stored(services.db, services.registry, name, old or current_one.version)
        return change.diff(before, after)
    except change.VersionError as exc:
        known = ", ".join(_versions(name))
        fail(f"{name}: no version {exc.version} to read here ({exc.code}). Known: {known}.")


def _draft(path: Path, current_one: Definition) -> Definition:
    try:
        text = path.read_text(encoding="utf-8")
        return change.draft(text, current_one, current().registry.steps)
    except (UnicodeDecodeError, ValueError, StateMachineError) as exc:
        fail(f"{path}: {exc}")


def _versions(name: str) -> list[str]:
    with current().db.read() as session:
        return [v.version for v in trail.versions(session, name)]


def _diff_text(found: Diff, fmt: str) -> str:
    if fmt == "json":
        value = change_report.diff_json(found, gettext)
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if fmt in change_diagram.FORMATS:
        return change_diagram.render(found, fmt, translate=gettext)
    head = f"{found.new.name}: {found.old.version} → {found.new.version}\n"
    said = [s.plain() for s in change_words.sentences(found, gettext)]
    return head + "\n".join(f"- {s}" for s in said or [gettext("No difference.")]) + "\n"
