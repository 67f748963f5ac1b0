"""``moncompte staff add``: staff accounts for the console."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from flows import reasons
from flows.accounts import staff as rules
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
