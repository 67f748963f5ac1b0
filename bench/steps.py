"""What one step costs through the engine, against a bare Flask view doing its writes.

Both run in the same process, on the same fresh database, interleaved, through the Flask
test client:

- "submit" step: POST /fr/register/<id> (fields checked, guard, argon2id hash, pending
  identity, activation token, e-mail rendered into the outbox, audit record, 303) against
  a bare view that hashes the same password and writes the same rows in one transaction.
- "activate" step: POST /fr/register/link/<token> (token checked, identity activated,
  audit record, 303) against a bare view doing the same writes.
- "code" step: POST /fr/login/<id> with the 6-digit code e-mailed to authorize the device
  (sign-in's shared device-code step: the newest challenge checked by its keyed hash and
  used, the customer's language kept, the browser noted among the MINI ID's, audit record,
  the session opened, 303) against a bare view doing the same writes and opening the same
  session.

    .venv/bin/python -m bench.steps [--rounds 60] [--database-url postgresql+psycopg://…]

The database is a fresh SQLite file unless --database-url names an empty database (its
schema is created, and dropped at the end).

Prints the medians, the 90th percentiles and the ratio engine / bare view.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, redirect, request
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bench import load
from flows.access import Principal
from flows.accounts import codes, links, passwords, remembered
from flows.contracts.contract_import import Record, save_contract
from flows.contracts.schedule import add_months
from flows.contracts.schedule import today as local_today
from flows.csv_import import Report
from flows.model import SEEN_TOKEN
from flows.procedures.steps.activation import MAIL_KINDS, MAILS_PER_HOUR
from storage import contracts, devices, flow_counts, identities, migrate, outbox
from storage.devices import SeenDevice
from storage.identities import email_key
from storage.models import AuditRecord, FlowInstance, Identity, OutboxMessage, Token
from web import create_app
from web.customer.auth import sign_in
from web.customer.devices import SEEN_COOKIE, hand_over
from web.services import Services

PASSWORD = "vélo rouge sous la pluie"


def add_bare_views(app: Flask, services: Services) -> None:
    """The same writes as the engine's steps (the same rows, the same columns), with no
    engine, no machine, no checks."""
    # As long as the activation step waits for its link.
    link_valid_for = (
        services.registry.get("registration").states["awaiting_activation"].expires_after
    )
    assert link_valid_for is not None

    @app.post("/bench/bare-submit/<instance_id>")
    def bare_submit(instance_id: str) -> Response:
        form = request.form
        now = services.clock()
        hashed = passwords.hash_password(form["password"])
        with services.db.write() as session:
            row = session.get(FlowInstance, instance_id, with_for_update=True)
            assert row is not None
            # As registration must: an address registered twice, or by two at once, has
            # one MINI ID; an address gets so many e-mails an hour.
            person, made = identities.pending_or_new(session, form["email"], now)
            assert made, "the bench registers a new address each time"
            person.first_name, person.last_name = form["first_name"], form["last_name"]
            person.password_hash, person.language = hashed, "fr"
            since = now - timedelta(hours=1)
            assert outbox.recent_count(session, form["email"], since, MAIL_KINDS) < MAILS_PER_HOUR
            session.flush()
            token = links.issue(
                session,
                purpose="activation",
                instance_id=row.id,
                identity_id=person.id,
                now=now,
                valid_for=link_valid_for,
            )
            services.mailer.email(
                session,
                to=form["email"],
                template="steps/activation/email_link",
                language="fr",
                values={
                    "first_name": form["first_name"],
                    "link": f"http://x/fr/register/link/{token}",
                },
                instance_id=row.id,
            )
            row.state, row.data = "awaiting_activation", {"email": form["email"]}
            row.updated_at, row.expires_at = now, now + link_valid_for
            audit(session, row, "submit", "details", "awaiting_activation", now)
        return redirect(f"/fr/register/{instance_id}", 303)

    @app.post("/bench/bare-code/<instance_id>")
    def bare_code(instance_id: str) -> Response:
        now = services.clock()
        with services.db.write() as session:
            row = session.get(FlowInstance, instance_id, with_for_update=True)
            assert row is not None and row.customer_id is not None
            challenge, problem = codes.check(
                session,
                secret=services.engine.secret,
                instance_id=row.id,
                code=request.form["code"],
                now=now,
            )
            assert problem is None and challenge is not None, problem
            challenge.used_at = now
            person = session.get(Identity, row.customer_id)
            assert person is not None
            person.language = "fr"
            seen_token = note_browser(session, person.id, now)
            row.state, row.data = "signed_in", {**row.data, "remembered": False}
            row.updated_at, row.expires_at, row.ended_at = now, None, now
            audit(session, row, "authorize", "code_sent", "signed_in", now)
            # Where the customer lands, as sign_in's step finds it (a contract is linked).
            landing = "overview" if contracts.of_customer(session, person.id) else "link-account"
        return hand_over(sign_in(row.customer_id, landing), {SEEN_TOKEN: seen_token})

    @app.post("/bench/bare-activate/<token>")
    def bare_activate(token: str) -> Response:
        now = services.clock()
        with services.db.write() as session:
            found = session.scalar(select(Token).where(Token.token_hash == links.digest(token)))
            assert found is not None and found.identity_id is not None
            found.used_at = now
            person = session.get(Identity, found.identity_id, with_for_update=True)
            assert person is not None
            person.status, person.activated_at = "active", now
            row = session.get(FlowInstance, found.instance_id, with_for_update=True)
            assert row is not None
            row.state, row.customer_id = "activated", person.id
            row.updated_at, row.expires_at, row.ended_at = now, None, now
            audit(session, row, "activate", "awaiting_activation", "activated", now)
        return redirect(f"/fr/register/{found.instance_id}", 303)


def note_browser(session: Session, identity_id: int, now: datetime) -> str:
    """This browser among those the MINI ID signed in with, as sign_in's step notes it (a
    browser new to a MINI ID that signed in before would be told by e-mail: each round's
    customer signs in here for the first time, so none is)."""
    token = request.cookies.get(SEEN_COOKIE) or secrets.token_urlsafe(32)
    found = devices.seen_device(session, links.digest(token), identity_id)
    if found is not None:
        found.last_seen_at = now
        return token
    devices.has_seen_devices(session, identity_id)
    browser, system = remembered.describe(request.user_agent.string)
    session.add(
        SeenDevice(
            token_hash=links.digest(token),
            identity_id=identity_id,
            browser=browser,
            system=system,
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    return token


def audit(
    session: Session, row: FlowInstance, event: str, source: str, target: str, now: datetime
) -> None:
    """The audit record of a taken transition, and its hourly count, as the engine writes."""
    record = AuditRecord(
        instance_id=row.id,
        flow=row.flow,
        version=row.version,
        event=event,
        source=source,
        target=target,
        outcome="taken",
        reasons={},
        data={},
        actor="bench",
        created_at=now,
    )
    session.add(record)
    flow_counts.add(session, record)


def timed(call: Callable[[], int]) -> float:
    start = time.perf_counter()
    status = call()
    elapsed = time.perf_counter() - start
    assert status == 303, status
    return elapsed * 1000


def newest_code(services: Services) -> str:
    with services.db.read() as session:
        message = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert message is not None
        return str(message.extras["code"])


def at_code_step(services: Services, client: FlaskClient, n: int, hashed: str) -> str:
    """A customer with a contract, signed in with the password on an unknown device, the
    code e-mailed: the sign-in instance waiting for it (each round its own MINI ID, as codes
    to one MINI ID are throttled)."""
    email = f"code{n}.{secrets.token_hex(3)}@example.com"
    now = services.clock()
    with services.db.write() as session:
        person = Identity(
            email=email,
            email_key=email_key(email),
            status="active",
            first_name="Jean",
            last_name="Tremblay",
            password_hash=hashed,
            language="fr",
            created_at=now,
            activated_at=now,
        )
        session.add(person)
        session.flush()
        record = contract_record(services, f"PR-26-{n:06d}", email)
        save_contract(session, record, now, Report()).identity_id = person.id
    answer = client.post("/fr/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.status_code
    instance_id = answer.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    sent = client.post(f"/fr/login/{instance_id}", data={"event": "send_code", "channel": "email"})
    assert sent.status_code == 303, sent.status_code
    return instance_id


def contract_record(services: Services, number: str, email: str) -> Record:
    today = local_today(services.clock())
    return {
        "number": number,
        "kind": "loan",
        "vehicle_model": "MINI Cooper S",
        "vehicle_year": 2024,
        "vin": "1M8GDM9AXKP042788",
        "first_name": "Jean",
        "last_name": "Tremblay",
        "email": email,
        "phone": "+15145550123",
        "customer_number": "MM1234567",
        "start_date": add_months(today, -12),
        "term_months": 60,
        "payment_cents": 456_78,
        "frequency": "monthly",
        "last_payment_cents": 456_78,
        "last_payment_date": add_months(today, -1),
        "balance_cents": 1_234_56,
        "rate_bp": 499,
    }


def newest_token(services: Services) -> str:
    with services.db.read() as session:
        message = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert message is not None
        return str(message.extras["link"]).rsplit("/", 1)[1]


STEPS = ("submit", "activate", "code")


@contextmanager
def fresh_database(server: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a new database on the PostgreSQL server of SERVER (dropped
    at the end)."""
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    with load.fresh_database(server, f"bench_steps_{secrets.token_hex(4)}") as url:
        yield url


def run(rounds: int, server: str | None) -> None:
    with fresh_database(server) as url:
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "SMTP_URL": None,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,  # the bench sends far more than a client may
                "TESTING": True,
            }
        )
        services: Services = app.extensions["moncompte"]
        add_bare_views(app, services)
        hashed = passwords.hash_password(PASSWORD)
        times: dict[str, list[float]] = {f"{k} {s}": [] for s in STEPS for k in ("engine", "bare")}
        for i in range(rounds + 5):
            for kind in ("engine", "bare"):
                client = app.test_client()
                snap = services.engine.start("registration", by=Principal.visitor(), language="fr")
                with client.session_transaction() as session:
                    session["flows"] = [snap.id]
                form = {
                    "first_name": "Jean",
                    "last_name": "Tremblay",
                    "email": f"{kind}{i}.{secrets.token_hex(3)}@example.com",
                    "password": PASSWORD,
                    "password_confirm": PASSWORD,
                }
                path = (
                    f"/fr/register/{snap.id}"
                    if kind == "engine"
                    else f"/bench/bare-submit/{snap.id}"
                )
                submit = timed(lambda: client.post(path, data=form).status_code)  # noqa: B023
                token = newest_token(services)
                path = (
                    f"/fr/register/link/{token}"
                    if kind == "engine"
                    else f"/bench/bare-activate/{token}"
                )
                activate = timed(lambda: client.post(path).status_code)  # noqa: B023
                client = app.test_client()
                instance_id = at_code_step(services, client, 2 * i + (kind == "bare"), hashed)
                form = {"code": newest_code(services), "state": "code_sent"}
                path = (
                    f"/fr/login/{instance_id}"
                    if kind == "engine"
                    else f"/bench/bare-code/{instance_id}"
                )
                code = timed(lambda: client.post(path, data=form).status_code)  # noqa: B023
                if i >= 5:  # warm-up rounds are not counted
                    times[f"{kind} submit"].append(submit)
                    times[f"{kind} activate"].append(activate)
                    times[f"{kind} code"].append(code)
        where = "SQLite" if server is None else "PostgreSQL"
        report(times, rounds, where)


def report(times: dict[str, list[float]], rounds: int, where: str) -> None:
    print(f"{rounds} rounds, interleaved, {where}, Flask test client; milliseconds per request")
    print(f"{'':18} {'median':>8} {'p90':>8}")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:18} {statistics.median(values):8.2f} {p90:8.2f}")
    for step in STEPS:
        engine = statistics.median(times[f"engine {step}"])
        bare = statistics.median(times[f"bare {step}"])
        print(
            f"{step}: engine / bare view = {engine / bare:.2f}  "
            f"(engine adds {engine - bare:.2f} ms)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (postgresql+psycopg://…); default SQLite"
    )
    arguments = parser.parse_args()
    run(arguments.rounds, arguments.database_url)
