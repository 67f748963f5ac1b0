"""The ``moncompte`` command: serve, migrate, operate the outbox, identities and flows."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from flows.accounts import people
from flows.outbox import listing
from flows.outbox.delivery import deliver_due
from flows.services import upgrade_schema
from web import create_app
from web.cli import changes  # noqa: F401 - adds flows diff, impact and migrate
from web.cli.flows import flows_group
from web.cli.retention import retention_group
from web.cli.serve import serve
from web.cli.staff import staff_group
from web.config import ConfigurationError, is_loopback, require_base_url
from web.ops import worker
from web.services import Services, current

if TYPE_CHECKING:
    from flows.csv_import import Report


def _app() -> Flask:
    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False)
def main() -> None:
    """Mon Compte MINI."""


main.add_command(flows_group)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run(host: str, port: int) -> None:
    """Serve the site (schema created or upgraded first)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not is_loopback(host):
        try:
            require_base_url(app.config, f"to serve on {host}, an address other machines reach")
        except ConfigurationError as error:
            raise click.ClickException(str(error)) from None
    # E-mails written outside a request (the demo's, the workers') link to this address.
    address = f"[{host}]" if ":" in host else host
    app.config["SERVED_AT"] = f"http://{address}:{port}/"
    upgrade_schema(app.config["DATABASE_URL"])
    with current().db.read() as session:
        empty = not people.anyone(session)
    if empty:
        _load_demo()
    background = worker(app).start()
    if not app.config["SMTP_URL"]:
        click.echo(f"E-mails stay in the development mailbox: {app.config['SERVED_AT']}dev/mailbox")
    click.echo(f"Mon Compte MINI: {app.config['SERVED_AT']}")
    # One access line a request, ours: it has the request's id and how long it took.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        background.stop()


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the schema or migrate it to the newest revision."""
    upgrade_schema(current_app.config["DATABASE_URL"])
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
    with current().db.read() as session:
        rows = [listing.as_json(m) for m in listing.newest(session, to)]
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


@outbox_group.command("work")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.05, 60))
@with_appcontext
def outbox_work(interval: float) -> None:
    """Deliver as messages arrive, until stopped (SIGTERM, Ctrl-C).

    Several may run at once, on several machines: each message is claimed by one of them
    (FOR UPDATE SKIP LOCKED) and each recipient's messages go out in their order. Set
    MONCOMPTE_DELIVERY=worker so that the web processes leave delivery to these.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not (app.config["SMTP_URL"] or app.config["SMS_WEBHOOK_URL"]):
        raise click.ClickException(
            "Neither MONCOMPTE_SMTP_URL nor MONCOMPTE_SMS_WEBHOOK_URL is set."
        )
    background = worker(app, interval, delivers=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Delivering the outbox every {interval:g} s (stop with Ctrl-C).")
    background.start()
    stop.wait()
    background.stop()


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


def _report(report: Report, what: str = "") -> None:
    """An import's outcome: every bad row and exit 1, or the counts."""
    for line in report.errors:
        click.echo(line, err=True)
    if report.errors:
        click.echo(f"Nothing imported: {len(report.errors)} bad row(s).", err=True)
        sys.exit(1)
    new = f"new {what}" if what else "new"
    click.echo(f"Imported {report.created} {new}, updated {report.updated}.")


@main.group("identities")
def identities_group() -> None:
    """MINI IDs."""


@identities_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def identities_import(file: Path) -> None:
    """Import ConnectedDrive identities from a CSV file (docs/command-line.md)."""
    from flows.accounts.identity_import import import_identities

    _report(import_identities(current().db, file, current().clock()))


@main.group("contracts")
def contracts_group() -> None:
    """Loan and lease contracts of the system of record."""


@contracts_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def contracts_import(file: Path) -> None:
    """Create or update contracts from a CSV file (docs/command-line.md)."""
    from flows.contracts.contract_import import import_contracts

    _report(import_contracts(current().db, file, current().clock()), "contract(s)")


@contracts_group.command("import-payments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def payments_import(file: Path) -> None:
    """Create or update the payment history of known contracts from a CSV file."""
    from flows.contracts.contract_import import import_payments

    _report(import_payments(current().db, file), "payment(s)")


@main.group("demo")
def demo_group() -> None:
    """The demo data set."""


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Load the demo customers, contracts, payments and documents (again: updates them)."""
    upgrade_schema(current_app.config["DATABASE_URL"])
    _load_demo()


def _load_demo() -> None:
    from flows import demo
    from web.cli import papers

    report = demo.load(current(), Path(current_app.config["UPLOAD_FOLDER"]), papers)
    click.echo(f"Demo data loaded ({report.created} new contract(s), {report.updated} updated).")
    click.echo("Sign in with one of these demo MINI IDs:")
    for customer in demo.CUSTOMERS:
        click.echo(f"  {customer.email}  password: {demo.PASSWORD}  ({demo.describe(customer)})")
    click.echo(f"Agents answer secure messages at /staff/login: {demo.AGENT}, same password.")
    click.echo(
        "  At the first sign-in the console shows a QR code: scan it with an authenticator app"
        " (or type the key shown into one), then type the 6-digit code the app shows."
    )


# The console's commands live beside it.
main.add_command(staff_group)
main.add_command(retention_group)
main.add_command(serve)
