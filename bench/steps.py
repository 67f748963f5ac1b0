"""What one registration step costs through the engine, against a bare Flask view.

Both run in the same process, on the same fresh SQLite database, interleaved, through the
Flask test client:

- "submit" step: POST /fr/register/<id> (fields checked, guard, argon2id hash, pending
  identity, activation token, e-mail rendered into the outbox, audit record, 303) against
  a bare view that hashes the same password and writes the same rows in one transaction.
- "activate" step: POST /fr/register/link/<token> (token checked, identity activated,
  audit record, 303) against a bare view doing the same writes.

    .venv/bin/python bench/registration_step.py [--rounds 60]

Prints the medians, the 90th percentiles and the ratio engine / bare view.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask, redirect, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flows.accounts import links, passwords
from storage import flow_counts, migrate
from storage.identities import email_key
from storage.models import AuditRecord, FlowInstance, Identity, OutboxMessage, Token
from web import create_app
from web.services import Services

PASSWORD = "vélo rouge sous la pluie"


def add_bare_views(app: Flask, services: Services) -> None:
    """The same writes as the engine's steps, with no engine, no machine, no checks."""
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
            person = Identity(
                email=form["email"],
                email_key=email_key(form["email"]),
                status="pending",
                first_name=form["first_name"],
                last_name=form["last_name"],
                password_hash=hashed,
                language="fr",
                created_at=now,
            )
            session.add(person)
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
            audit(session, row, "submit", "details", "awaiting_activation", now)
        return redirect(f"/fr/register/{instance_id}", 303)

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
            row.state = "activated"
            audit(session, row, "activate", "awaiting_activation", "activated", now)
        return redirect(f"/fr/register/{found.instance_id}", 303)


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


def newest_token(services: Services) -> str:
    with services.db.read() as session:
        message = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert message is not None
        return str(message.extras["link"]).rsplit("/", 1)[1]


def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
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
        client = app.test_client()
        times: dict[str, list[float]] = {
            k: [] for k in ("engine submit", "bare submit", "engine activate", "bare activate")
        }
        for i in range(rounds + 5):
            for kind in ("engine", "bare"):
                snap = services.engine.start("registration", actor="bench", language="fr")
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
                if i >= 5:  # warm-up rounds are not counted
                    times[f"{kind} submit"].append(submit)
                    times[f"{kind} activate"].append(activate)
        report(times, rounds)


def report(times: dict[str, list[float]], rounds: int) -> None:
    print(f"{rounds} rounds, interleaved, SQLite, Flask test client; milliseconds per request")
    print(f"{'':18} {'median':>8} {'p90':>8}")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:18} {statistics.median(values):8.2f} {p90:8.2f}")
    for step in ("submit", "activate"):
        engine = statistics.median(times[f"engine {step}"])
        bare = statistics.median(times[f"bare {step}"])
        print(
            f"{step}: engine / bare view = {engine / bare:.2f}  "
            f"(engine adds {engine - bare:.2f} ms)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    run(parser.parse_args().rounds)
