"""How long the analysts' heatmap page of a procedure takes with 1,000,000 audit records.

A fresh database (a temporary SQLite file, or a schema of its own on --database-url,
dropped afterwards) gets registration instances started over the last 30 days: each one
often refused once or twice (weak password, bad address), registered, sometimes sent
the e-mail again or a broken link, then activated or expired; the latest are still on
their way. Their audit records, instances and hourly counts (storage.flow_counts.keys,
as the engine counts them) are written in bulk; on PostgreSQL, VACUUM ANALYZE then does
what autovacuum does after such a load. Then a signed-in analyst GETs
/staff/flows/registration for each period through the Flask test client: the whole page
(counts, funnel, versions, SVG from Graphviz, template). For comparison, the same totals
are also grouped straight from the audit records with the (flow, created_at) index: what
the page would cost without the hourly counts.

    .venv/bin/python -m bench.heatmap [--records 1000000] [--rounds 15]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints the medians and 90th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import create_engine, func, insert, select, text

from flows.accounts import staff
from storage import flow_counts, migrate
from storage.models import AuditRecord, FlowCount, FlowInstance
from web import create_app
from web.services import Services

PASSWORD = "vélo rouge sous la pluie"
BATCH = 20_000
REFUSALS = [
    {"password": "password_too_short"},
    {"password": "password_weak"},
    {"email": "email_invalid", "first_name": "required"},
    {"password_confirm": "password_mismatch"},
]


def story(rng: random.Random) -> list[tuple[str, str, str | None, str, dict[str, str]]]:
    """One instance's events: (event, source, target, outcome, reasons)."""
    steps: list[tuple[str, str, str | None, str, dict[str, str]]] = [
        ("start", "details", "details", "taken", {})
    ]
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        steps.append(("submit", "details", None, "rejected", rng.choice(REFUSALS)))
    if rng.random() < 0.12:
        steps.append(("expire", "details", "expired", "taken", {}))
        return steps
    steps.append(("submit", "details", "awaiting_activation", "taken", {}))
    if rng.random() < 0.25:
        steps.append(("resend", "awaiting_activation", "awaiting_activation", "taken", {}))
    if rng.random() < 0.1:
        steps.append(("activate", "awaiting_activation", None, "rejected", {"token": "link_used"}))
    if rng.random() < 0.75:
        steps.append(("activate", "awaiting_activation", "activated", "taken", {}))
    else:
        steps.append(("expire", "awaiting_activation", "expired", "taken", {}))
    return steps


def fill(services: Services, records: int, now: datetime, seed: int = 6) -> int:
    """Write about RECORDS audit records of registration instances; returns how many."""
    rng = random.Random(seed)
    version = services.registry.get("registration").version
    services.registry.record_versions(services.db)
    counts: Counter[tuple[Any, ...]] = Counter()
    instances: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    written = 0
    with services.db.engine.begin() as conn:
        while written + len(audit) < records:
            started = now - timedelta(seconds=rng.uniform(0, 30 * 24 * 3600))
            instance_id = secrets.token_urlsafe(16)
            at, last, state = started, started, "details"
            for event, source, target, outcome, reasons in story(rng):
                if at > now:  # the rest of its story has not happened yet
                    break
                record = AuditRecord(
                    instance_id=instance_id,
                    flow="registration",
                    version=version,
                    event=event,
                    source=source,
                    target=target,
                    outcome=outcome,
                    reasons=reasons,
                    data={},
                    actor="customer",
                    created_at=at,
                )
                audit.append({c: getattr(record, c) for c in _AUDIT_COLUMNS})
                for key in flow_counts.keys(record):
                    counts[tuple(key.values())] += 1
                state, last = target or source, at
                at += timedelta(minutes=rng.uniform(0.2, 90))
            instances.append(_instance(instance_id, version, state, started, last))
            if len(audit) >= BATCH:
                written += _flush(conn, instances, audit)
        written += _flush(conn, instances, audit)
        names = ("flow", "hour", "version", "source", "event", "target", "outcome", "reason")
        rows = [{**dict(zip(names, k, strict=True)), "count": n} for k, n in counts.items()]
        conn.execute(insert(FlowCount), rows)
    return written


def _instance(
    instance_id: str, version: str, state: str, started: datetime, last: datetime
) -> dict[str, Any]:
    ended = state in {"activated", "expired"}
    allowed = timedelta(hours=2 if state == "details" else 24)
    return {
        "id": instance_id,
        "flow": "registration",
        "version": version,
        "state": state,
        "data": {},
        "language": "fr",
        "customer_id": None,
        "created_at": started,
        "updated_at": last,
        "expires_at": None if ended else last + allowed,
        "ended_at": last if ended else None,
        "revision": 1,
    }


_AUDIT_COLUMNS = (
    "instance_id",
    "flow",
    "version",
    "event",
    "source",
    "target",
    "outcome",
    "reasons",
    "data",
    "actor",
    "created_at",
)


def _flush(conn: Any, instances: list[dict[str, Any]], audit: list[dict[str, Any]]) -> int:
    if not audit:
        return 0
    conn.execute(insert(FlowInstance), instances)
    conn.execute(insert(AuditRecord), audit)
    done = len(audit)
    instances.clear()
    audit.clear()
    return done


def timed(call: Callable[[], Any], rounds: int) -> list[float]:
    call()  # warm-up: compiled templates, caches, connections
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def from_the_trail(services: Services, since: datetime) -> Callable[[], Any]:
    """The totals without the hourly counts: grouped from the audit records themselves."""

    def run() -> Any:
        query = (
            select(
                AuditRecord.source,
                AuditRecord.event,
                AuditRecord.target,
                AuditRecord.outcome,
                func.count(),
            )
            .where(AuditRecord.flow == "registration", AuditRecord.created_at >= since)
            .group_by(
                AuditRecord.source, AuditRecord.event, AuditRecord.target, AuditRecord.outcome
            )
        )
        with services.db.read() as session:
            return session.execute(query).all()

    return run


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, migrated database: a temporary SQLite file, or a schema of its own."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = f"sqlite:///{Path(tmp) / 'bench.db'}"
            migrate.upgrade(path)
            yield path
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(scoped)
        yield scoped
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def analyst_client(app: Flask, services: Services) -> Any:
    staff.add(
        services.db, "bench@example.com", role="analyst", password=PASSWORD, now=services.clock()
    )
    client = app.test_client()
    password = client.post(
        "/staff/login", data={"email": "bench@example.com", "password": PASSWORD}
    )
    assert password.status_code == 303, password.status_code
    # The first sign-in enrols an authenticator: the key the page shows, its code now.
    page = client.get("/staff/login/code").get_data(as_text=True)
    found = re.search(r'<p class="key"><code>([A-Z2-7 ]+)</code>', page)
    assert found, "no key to enrol"
    code = pyotp.TOTP(found.group(1).replace(" ", "")).at(services.clock())
    enrolled = client.post("/staff/login/code", data={"code": code})
    assert enrolled.status_code == 200 and "recovery-codes" in enrolled.get_data(as_text=True)
    return client


def run(records: int, rounds: int, url: str | None) -> None:
    with database(url) as db_url:
        app = create_app(
            {
                "DATABASE_URL": db_url,
                "SECRET_KEY": "bench",
                "SMTP_URL": None,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "TESTING": True,
            }
        )
        services: Services = app.extensions["moncompte"]
        now = services.clock()
        start = time.perf_counter()
        written = fill(services, records, now)
        if not services.db.is_sqlite:
            # What autovacuum does after a bulk load: statistics, and the visibility map
            # that lets PostgreSQL count instances from the covering index alone.
            with services.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"{written:,} audit records written in {time.perf_counter() - start:.0f} s")
        with services.db.read() as session:
            counted = session.scalar(
                select(func.sum(FlowCount.count)).where(FlowCount.reason == "")
            )
            count_rows = session.scalar(select(func.count()).select_from(FlowCount))
            instances = session.scalar(select(func.count()).select_from(FlowInstance))
        assert counted == written, (counted, written)
        print(f"{instances:,} instances; {count_rows:,} rows of hourly counts hold their records")
        client = analyst_client(app, services)
        times: dict[str, list[float]] = {}
        for period in ("30d", "7d", "24h"):

            def page(period: str = period) -> None:
                response = client.get(f"/staff/flows/registration?period={period}")
                assert response.status_code == 200, response.status_code

            times[f"page, {period}"] = timed(page, rounds)
        since = now - timedelta(days=30)
        times["totals from the audit records, 30d"] = timed(from_the_trail(services, since), rounds)
        report(times, rounds, "SQLite" if services.db.is_sqlite else "PostgreSQL")
        services.db.dispose()


def report(
    times: dict[str, list[float]], rounds: int, backend: str, how: str = "Flask test client"
) -> None:
    print(f"{rounds} rounds, {backend}, {how}; milliseconds")
    print(f"{'':40} {'median':>8} {'p90':>8}")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:40} {statistics.median(values):8.1f} {p90:8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", help="a PostgreSQL URL; default: a temporary SQLite file")
    arguments = parser.parse_args()
    run(arguments.records, arguments.rounds, arguments.database_url)
