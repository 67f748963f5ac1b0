"""``moncompte flows``: the procedures, their diagrams, and driving instances from a shell.

Exit codes: 0 done; 1 the engine said no (rejected, not allowed, expired); 2 the command
was wrong (unknown procedure, instance or customer, bad arguments). ``--json`` prints one
JSON document on stdout. Events are sent as the tester "cli" (in the audit trail), or,
with ``--as EMAIL``, as that staff member or customer would send them: the same engine,
and the same refusals, as the pages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext
from flask_babel import gettext
from statemachine.contrib.diagram import GraphvizError

from flows import reasons
from flows.access import Principal
from flows.accounts import people
from flows.analysis import describe, diagrams
from flows.definition import Definition
from flows.engine import Forbidden, NotStartable, Outcome, Result, Snapshot, UnknownInstance
from flows.fields import Upload
from flows.i18n import LOCALES
from flows.registry import UnknownFlow
from web.i18n import in_language
from web.labels import file_problem, file_problems
from web.services import current

TESTER = Principal.tester("cli")
REFUSED = 1
WRONG = 2
json_option = click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
as_option = click.option(
    "--as", "as_email", metavar="EMAIL", help="Act as this staff member or customer."
)


@click.group("flows")
def flows_group() -> None:
    """The procedures and their instances."""


@flows_group.command("list")
@json_option
@with_appcontext
def flows_list(as_json: bool) -> None:
    """The procedures, their versions, states and events."""
    found = [describe.summary(d) for d in current().registry]
    if as_json:
        print_json(found)
        return
    for d in found:
        click.echo(f"{d['name']}  version {d['version']}  “{d['label']}”")
        click.echo(f"  states: {', '.join(d['states'])}")
        click.echo(f"  events: {', '.join(d['events'])}")


@flows_group.command("diagram")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(diagrams.FORMATS)),
    default="mermaid",
    show_default=True,
)
@click.option("--lang", type=click.Choice(sorted(LOCALES)), default="fr", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@with_appcontext
def flows_diagram(name: str, fmt: str, lang: str, output: Path | None) -> None:
    """A procedure's diagram, its labels in French or English (SVG needs Graphviz)."""
    try:
        with in_language(lang):
            drawn = diagrams.render(procedure(name), fmt, translate=gettext)
    except GraphvizError as exc:
        fail(f"Cannot draw SVG: {exc}")
    if output is None:
        click.echo(drawn)
        return
    output.write_text(drawn, encoding="utf-8")
    click.echo(f"Wrote {output}")


@flows_group.command("start")
@click.argument("name")
@click.option("--customer", help="E-mail address of the MINI ID the instance is for.")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@json_option
@with_appcontext
def flows_start(name: str, customer: str | None, language: str, as_json: bool) -> None:
    """Start an instance of procedure NAME."""
    definition = procedure(name)
    customer_id = _customer(customer) if customer else None
    try:
        snapshot = current().engine.start(
            definition.name, by=TESTER, language=language, customer_id=customer_id
        )
    except NotStartable:
        fail(f"{name!r} is started by another procedure: {', '.join(definition.started_by)}.")
    except Forbidden as refused:
        fail(_message(refused.reason))
    _print_snapshot(snapshot, as_json)


@flows_group.command("show")
@click.argument("instance_id")
@as_option
@json_option
@with_appcontext
def flows_show(instance_id: str, as_email: str | None, as_json: bool) -> None:
    """An instance's snapshot."""
    try:
        snapshot = current().engine.snapshot(instance_id, by=_principal(as_email))
    except UnknownInstance:
        fail(f"No instance {instance_id!r}.")
    _print_snapshot(snapshot, as_json)


@flows_group.command("send")
@click.argument("instance_id")
@click.argument("event")
@click.argument("data", nargs=-1)
@as_option
@json_option
@with_appcontext
def flows_send(
    instance_id: str, event: str, data: tuple[str, ...], as_email: str | None, as_json: bool
) -> None:
    """Send EVENT to an instance, with its data as key=value pairs (a file: key=@PATH)."""
    values: dict[str, Any] = _pairs(data)
    engine = current().engine
    by = _principal(as_email)
    try:
        definition = engine.definition_of(engine.snapshot(instance_id, by=by))
        values.update(_files(definition, event, values))
        result = engine.send(instance_id, event, values, by=by)
    except UnknownInstance:
        fail(f"No instance {instance_id!r}.")
    if as_json:
        print_json(_result_json(result))
    else:
        _print_result(event, result)
    if not result.ok:
        sys.exit(REFUSED)


@flows_group.command("history")
@click.argument("instance_id")
@as_option
@json_option
@with_appcontext
def flows_history(instance_id: str, as_email: str | None, as_json: bool) -> None:
    """An instance's audit trail: every event sent, taken or not."""
    try:
        records = current().engine.history(instance_id, by=_principal(as_email))
    except UnknownInstance:
        fail(f"No instance {instance_id!r}.")
    if as_json:
        print_json(records)
        return
    for r in records:
        moved = f"{r['source']} → {r['target']}" if r["target"] else r["source"]
        reasons_ = ", ".join(f"{k}: {v}" for k, v in r["reasons"].items())
        click.echo(
            f"{r['at'][:19]}  {r['actor']:<8} {r['event']:<12} {r['outcome']:<11} {moved}"
            + (f"  ({reasons_})" if reasons_ else "")
        )


# -- helpers ---------------------------------------------------------------------------


def _message(reason: str, details: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """In English, the command line's language, naming what DETAILS name (a day…)."""
    return reasons.say(current().registry.reason_message(reason), details, "en")


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(WRONG)


def procedure(name: str) -> Definition:
    try:
        return current().registry.get(name)
    except UnknownFlow:
        known = ", ".join(d.name for d in current().registry)
        fail(f"No procedure {name!r}. Known: {known}.")


def _principal(email: str | None) -> Principal:
    """The tester, or the staff member or customer EMAIL names (--as)."""
    if email is None:
        return TESTER
    with current().db.read() as session:
        found = people.principal(session, email)
    if found is None:
        fail(f"No active staff member nor MINI ID has the address {email!r}.")
    return found


def _customer(email: str) -> int:
    with current().db.read() as session:
        found = people.customer_id(session, email)
    if found is None:
        fail(f"No MINI ID has the address {email!r}.")
    return found


def _pairs(data: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in data:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: give data as key=value", param_hint="DATA")
        values[key] = value
    return values


def _files(definition: Definition, event: str, values: dict[str, Any]) -> dict[str, Any]:
    """The files named @PATH for the event's file fields, read as the engine takes them."""
    info = definition.events.get(event)
    found: dict[str, Any] = {}
    for name, spec in (info.fields if info else {}).items():
        value = values.get(name)
        if spec.type == "file" and isinstance(value, str) and value.startswith("@"):
            path = Path(value[1:])
            if not path.is_file():
                fail(f"{name}: no file {path}")
            found[name] = [Upload(path.name, path.read_bytes())]
    return found


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _print_snapshot(snapshot: Snapshot, as_json: bool) -> None:
    if as_json:
        print_json(snapshot.as_json())
        return
    expires = snapshot.expires_at.isoformat(timespec="seconds") if snapshot.expires_at else "-"
    click.echo(f"Instance   {snapshot.id}")
    click.echo(f"Procedure  {snapshot.flow} (version {snapshot.version})")
    click.echo(f"State      {snapshot.state}" + (" (final)" if snapshot.final else ""))
    click.echo(f"Events     {', '.join(snapshot.allowed_events) or '-'}")
    click.echo(f"Expires    {expires}")


def _result_json(result: Result) -> dict[str, Any]:
    return {
        "outcome": str(result.outcome),
        "client": result.client,
        "told": result.told,
        "errors": {
            name: {"reason": reason, "message": _message(reason, result.details.get(name))}
            | ({"files": file_problems(result.files[name], str)} if result.files.get(name) else {})
            for name, reason in result.errors.items()
        },
        "snapshot": result.snapshot.as_json(),
    }


def _print_result(event: str, result: Result) -> None:
    state = result.snapshot.state
    if result.outcome is Outcome.TAKEN:
        click.echo(f"Taken: {event}; the instance is now in state {state}.")
    elif result.outcome is Outcome.REJECTED:
        click.echo(f"Rejected: {event}; the instance stays in state {state}.")
        for name, reason in result.errors.items():
            click.echo(f"  {name}: {_message(reason, result.details.get(name))} [{reason}]")
            for problem in result.files.get(name, []):
                click.echo(f"    {file_problem(problem, str)} [{problem['reason']}]")
    elif result.outcome is Outcome.EXPIRED:
        click.echo(f"Expired: the instance ran out of time and is now in state {state}.")
    elif result.outcome is Outcome.FORBIDDEN:
        click.echo(f"Not allowed for you: {event}. {_message('not_for_you')}")
    else:
        allowed = ", ".join(result.snapshot.allowed_events) or "none"
        click.echo(f"Not allowed: {event} in state {state}. Allowed: {allowed}.")
    if result.ok:
        _print_snapshot(result.snapshot, as_json=False)
    for key, value in result.client.items():
        click.echo(f"Handed to you once: {key}={value}")
    for key, value in result.told.items():
        click.echo(f"Told: {key}={value}")
