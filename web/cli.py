"""The ``moncompte`` command: serve, migrate, and operate the outbox and identities."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from storage import migrate
from storage.identities import email_key
from storage.models import OutboxMessage
from web import create_app
from web.cli_staff import flows_group, staff_group
from web.delivery import Worker, deliver_due
from web.services import Services, current


def _app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False)
def main() -> None:
    """Mon Compte MINI."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run(host: str, port: int) -> None:
    """Serve the site (schema created or upgraded first)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    migrate.upgrade(app.config["DATABASE_URL"])
    worker = Worker(app).start()
    if not app.config["SMTP_URL"]:
        click.echo(f"E-mails stay in the development mailbox: http://{host}:{port}/dev/mailbox")
    click.echo(f"Mon Compte MINI: http://{host}:{port}/")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        worker.stop()


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the schema or migrate it to the newest revision."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Schema up to date.")


@main.group("outbox")
def outbox_group() -> None:
    """E-mails and SMS, waiting or sent."""


@outbox_group.command("list")
@click.option("--to", "to", help="Only messages to this address or number.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def outbox_list(to: str | None, as_json: bool) -> None:
    """List the newest messages."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    if to:
        query = query.where(OutboxMessage.recipient_key == email_key(to))
    with current().db.read() as session:
        rows = [message_json(m) for m in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No messages.")
    for m in rows:
        click.echo(
            f"#{m['id']:<5} {m['created_at'][:19]}  {m['status']:<8} {m['channel']:<5} "
            f"{m['to']}  {m['subject']}"
        )
        for key, value in m["extras"].items():
            click.echo(f"        {key}: {value}")


def message_json(m: OutboxMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "channel": m.channel,
        "to": m.recipient,
        "kind": m.kind,
        "language": m.language,
        "subject": m.subject,
        "body": m.body_text,
        "extras": m.extras,
        "status": m.status,
        "attempts": m.attempts,
        "created_at": m.created_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
    }


@outbox_group.command("deliver")
@with_appcontext
def outbox_deliver() -> None:
    """Deliver what waits (SMTP, SMS webhook); failures are retried later."""
    app = current_app
    if not (app.config["SMTP_URL"] or app.config["SMS_WEBHOOK_URL"]):
        click.echo("MONCOMPTE_SMTP_URL is not set: messages stay in the development mailbox.")
        return
    services: Services = current()
    sent, failed = deliver_due(services, dict(app.config))
    click.echo(f"Delivered {sent}, failed {failed} (retried later).")
    if failed:
        sys.exit(1)


@main.group("identities")
def identities_group() -> None:
    """MINI IDs."""


@identities_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def identities_import(file: Path) -> None:
    """Import ConnectedDrive identities from a CSV file (see README)."""
    from flows.imports import import_identities

    report = import_identities(current().db, file, current().clock())
    for line in report.errors:
        click.echo(line, err=True)
    if report.errors:
        click.echo(f"Nothing imported: {len(report.errors)} bad row(s).", err=True)
        sys.exit(1)
    click.echo(f"Imported {report.created} new, updated {report.updated}.")


# The console's commands live beside it (staff accounts, diagrams).
main.add_command(staff_group)
main.add_command(flows_group)
