"""``moncompte staff add`` and ``moncompte flows diagram``: the console's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from flows import diagrams, reasons
from flows import staff as rules
from flows.registry import UnknownFlow
from web.i18n import LOCALES
from web.services import current

REFUSALS = {
    "staff_exists": "This address already has a staff account.",
    "invalid_choice": "The role is agent or analyst.",
}


@click.group("staff")
def staff_group() -> None:
    """Staff accounts (agents, analysts)."""


@staff_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(rules.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--first-name", default=None)
@click.option("--last-name", default=None)
@with_appcontext
def staff_add(
    email: str,
    role: str,
    password_stdin: bool,
    first_name: str | None,
    last_name: str | None,
) -> None:
    """Create a staff account; the password follows the customers' rules."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = current()
    try:
        member = rules.add(
            services.db,
            email,
            role=role,
            password=password,
            now=services.clock(),
            first_name=first_name,
            last_name=last_name,
        )
    except rules.Refused as refused:
        message = REFUSALS.get(refused.code) or reasons.message(refused.code)
        click.echo(f"Not added: {message}", err=True)
        sys.exit(1)
    click.echo(f"Added {member.email} ({member.role}). Sign in at /staff/login.")


@click.group("flows")
def flows_group() -> None:
    """The procedures."""


@flows_group.command("diagram")
@click.argument("name")
@click.option(
    "--format", "fmt", type=click.Choice(diagrams.FORMATS), default="svg", show_default=True
)
@click.option("--lang", type=click.Choice(sorted(LOCALES)), default="fr", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def flows_diagram(name: str, fmt: str, lang: str, output: Path | None) -> None:
    """A procedure's diagram, with its labels in French or English."""
    try:
        definition = current().registry.get(name)
    except UnknownFlow:
        names = ", ".join(d.name for d in current().registry)
        click.echo(f"No procedure {name!r}; there are: {names}.", err=True)
        sys.exit(1)
    with force_locale(LOCALES[lang]):
        text = diagrams.render(definition, fmt, translate=gettext)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
