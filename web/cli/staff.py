"""``moncompte staff add|unlock|disable|reset-2fa``: staff accounts for the console."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

import click
from flask.cli import with_appcontext

from flows import reasons
from flows.accounts import staff as rules
from flows.records import Database, Staff
from web.services import current

REFUSALS = {
    "staff_exists": "This address already has a staff account.",
    "staff_unknown": "No staff account has this address.",
    "invalid_choice": "The role is agent or analyst.",
}


@click.group("staff")
def staff_group() -> None:
    """Staff accounts (agents, analysts)."""


@staff_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(rules.ROLES), required=True)
@click.option(
    "--name", "display_name", default=None, help='How the consoles greet it: "Julie Roy".'
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--first-name", default=None)
@click.option("--last-name", default=None)
@with_appcontext
def staff_add(
    email: str,
    role: str,
    display_name: str | None,
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
            display_name=display_name,
        )
    except rules.Refused as refused:
        message = REFUSALS.get(refused.code) or reasons.message(refused.code)
        click.echo(f"Not added: {message}", err=True)
        sys.exit(1)
    named = f"{member.display_name}, " if member.display_name else ""
    click.echo(f"Added {named}{member.email} ({member.role}). Sign in at /staff/login.")


@staff_group.command("unlock")
@click.argument("email")
@with_appcontext
def staff_unlock(email: str) -> None:
    """Forget the account's failed sign-ins (its delays and lockout end)."""
    member = _apply(rules.unlock, email)
    state = "" if member.status == "active" else f" (the account stays {member.status})"
    click.echo(f"Unlocked {member.email}: its failed sign-ins are forgotten{state}.")


@staff_group.command("disable")
@click.argument("email")
@with_appcontext
def staff_disable(email: str) -> None:
    """Refuse the account's sign-ins from now on and end its sessions."""
    member = _apply(rules.disable, email)
    click.echo(f"Disabled {member.email}: it can no longer sign in; its sessions have ended.")


@staff_group.command("reset-2fa")
@click.argument("email")
@with_appcontext
def staff_reset_2fa(email: str) -> None:
    """Forget the account's authenticator and recovery codes; it enrols again at its next
    sign-in, and its sessions end."""
    member = _apply(rules.reset_second_factor, email)
    click.echo(
        f"Reset {member.email}: its authenticator and recovery codes are forgotten; it sets up"
        " a new authenticator at its next sign-in. Its sessions have ended."
    )


def _apply(change: Callable[[Database, str, datetime], Staff], email: str) -> Staff:
    services = current()
    try:
        return change(services.db, email, services.clock())
    except rules.Refused as refused:
        click.echo(f"Not changed: {REFUSALS.get(refused.code) or refused.code}", err=True)
        sys.exit(1)
