"""The retention sweep on a million customers' worth of rows past their time, and what it
does meanwhile to a customer's small write transaction.

A schema of its own on --database-url (PostgreSQL; dropped afterwards) is migrated, then
filled with INSERT … SELECT generate_series: --customers MINI IDs, each with rows past
their time of every kind on the schedule (an ended session, an expired remembered device,
a stale seen browser, a device code, an identity check, a link token, 2 ended instances, 2
delivered messages, 2 audit records and, one customer in 10, a sign-in failure counter and
one in 100 a staff access record, older than the schedule keeps them) and rows within it (a
browser seen lately, an instance ended lately, 4 recent audit records); VACUUM ANALYZE
follows, as autovacuum would after such a load.

Then a customer-like step runs in a loop in a process of its own, on its own connection: one
transaction that updates a live web session's last_seen_at and writes an identity check
(a table the sweep deletes from), then a 10 ms pause. It runs --baseline seconds alone,
then while flows.retention.sweep runs (in this process, as a worker runs it: batches of
1,000 rows, FOR UPDATE SKIP LOCKED), then --baseline seconds alone again.

    .venv/bin/python -m bench.retention [--customers 1000000] [--baseline 30]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints how long the load and the sweep took, the rows the sweep removed by kind and per
second, and the step's median, 99th percentile and longest latency in each period.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.heatmap import database  # a schema of its own, migrated, dropped after
from flows import retention
from storage.db import Database

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LIVE_SESSIONS = 100  # the step's sessions: live, so the sweep never takes them
PAUSE = 0.010  # between two steps: a stream of customers, not a flood

# Each statement fills one table for customers 1…N (%(n)s), at %(now)s (naive UTC).
FILL = {
    "identities": """
        INSERT INTO identities (id, email, email_key, first_name, last_name, password_hash,
            status, language, source, created_at, activated_at)
        SELECT i, 'client' || i || '@example.net', 'client' || i || '@example.net', 'Jean',
            'Roy', '!', 'active', 'fr', 'registration', %(now)s, %(now)s
        FROM generate_series(1, %(n)s) AS i""",
    "web_sessions": """
        INSERT INTO web_sessions (id, identity_id, data, created_at, last_seen_at, browser,
            system)
        SELECT md5('ended' || i), i, '{}'::json, %(now)s - interval '13 hours',
            %(now)s - interval '13 hours', 'Firefox 128', 'Linux'
        FROM generate_series(1, %(n)s) AS i
        UNION ALL
        SELECT md5('live' || i), i, '{}'::json, %(now)s, %(now)s, 'Firefox 128', 'Linux'
        FROM generate_series(1, least(%(n)s, 100)) AS i""",
    "remembered_devices": """
        INSERT INTO remembered_devices (token_hash, identity_id, browser, system, created_at,
            last_used_at, expires_at)
        SELECT md5('remembered' || i), i, 'Firefox 128', 'Linux',
            %(now)s - interval '91 days', %(now)s - interval '91 days',
            %(now)s - interval '1 day'
        FROM generate_series(1, %(n)s) AS i""",
    "seen_devices": """
        INSERT INTO seen_devices (token_hash, identity_id, browser, system, first_seen_at,
            last_seen_at)
        SELECT md5('seen' || i || '-' || k), i, 'Firefox 128', 'Linux',
            %(now)s - interval '500 days',
            %(now)s - CASE k WHEN 0 THEN interval '401 days' ELSE interval '3 days' END
        FROM generate_series(1, %(n)s) AS i, generate_series(0, 1) AS k""",
    "device_challenges": """
        INSERT INTO device_challenges (instance_id, identity_id, channel, recipient_key, salt,
            code_hash, attempts, created_at, expires_at)
        SELECT md5('association' || i), i, 'sms', md5('phone' || i), 'salt', md5('code' || i),
            0, %(now)s - interval '31 days', %(now)s - interval '31 days'
        FROM generate_series(1, %(n)s) AS i""",
    "identity_checks": """
        INSERT INTO identity_checks (identity_id, matched, created_at)
        SELECT i, i %% 3 = 0, %(now)s - interval '91 days'
        FROM generate_series(1, %(n)s) AS i""",
    "tokens": """
        INSERT INTO tokens (token_hash, purpose, instance_id, identity_id, created_at,
            expires_at)
        SELECT md5('token' || i), 'reset', md5('reset' || i), i,
            %(now)s - interval '32 days', %(now)s - interval '31 days'
        FROM generate_series(1, %(n)s) AS i""",
    "flow_instances": """
        INSERT INTO flow_instances (id, flow, version, state, data, language, customer_id,
            created_at, updated_at, expires_at, ended_at, revision)
        SELECT md5('instance' || i || '-' || k),
            (ARRAY['registration', 'sign_in', 'password_reset', 'account_association',
                   'payoff_quote'])[1 + (i + k) %% 5],
            'v1', 'done', '{"email": "client@example.net"}'::json, 'fr', i, at, at, NULL, at, 2
        FROM generate_series(1, %(n)s) AS i, generate_series(0, 2) AS k,
            LATERAL (SELECT %(now)s - CASE k WHEN 2 THEN interval '10 days'
                                             ELSE interval '91 days' END AS at) AS moment""",
    "outbox": """
        INSERT INTO outbox (channel, recipient, recipient_key, kind, language, subject,
            body_text, extras, instance_id, status, attempts, next_attempt_at, sent_at,
            created_at)
        SELECT 'email', 'client' || i || '@example.net', 'client' || i || '@example.net',
            'sign_in/email_code', 'fr', 'Votre code', '', '{}'::json,
            md5('instance' || i || '-' || k), 'sent', 1, %(now)s - interval '92 days',
            %(now)s - interval '91 days', %(now)s - interval '92 days'
        FROM generate_series(1, %(n)s) AS i, generate_series(0, 1) AS k""",
    "sign_in_failures": """
        INSERT INTO sign_in_failures (email_key, count, last_failed_at)
        SELECT 'client' || i || '@example.net', 3, %(now)s - interval '31 days'
        FROM generate_series(1, %(n)s, 10) AS i""",
    "audit_records": """
        INSERT INTO audit_records (instance_id, flow, version, event, source, target, outcome,
            reasons, data, actor, customer_id, created_at)
        SELECT md5('instance' || i || '-' || k),
            (ARRAY['registration', 'sign_in', 'password_reset', 'account_association',
                   'payoff_quote'])[1 + (i + k) %% 5],
            'v1', 'submit', 'details', 'done', 'taken', '{}'::json, '{}'::json, 'customer', i,
            %(now)s - CASE WHEN k < 2 THEN interval '7 years 30 days' ELSE interval '20 days' END
        FROM generate_series(1, %(n)s) AS i, generate_series(0, 5) AS k""",
    "staff_access": """
        INSERT INTO staff_access (event, outcome, account, actor, subject, created_at)
        SELECT 'read', 'taken', 'agent@example.com', 'staff', 'customer:' || i,
            %(now)s - interval '7 years 30 days'
        FROM generate_series(1, %(n)s, 100) AS i""",
}
SEQUENCES = ["identities"]  # ids given above: the sequence must follow


def libpq(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill(url: str, customers: int, now: datetime) -> int:
    """Every table of FILL; how many rows in all."""
    total = 0
    with psycopg.connect(libpq(url)) as conn:
        for table, statement in FILL.items():
            started = time.perf_counter()
            count = conn.execute(statement, {"n": customers, "now": now}).rowcount
            conn.commit()
            total += count
            print(f"  {table:20} {count:>11,} rows in {time.perf_counter() - started:6.1f} s")
        for table in SEQUENCES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)
    return total


def steps(url: str, ready: Event, stop: Event, out: Connection, seconds: float | None) -> None:
    """The customer-like step in a loop, until STOP is set (or SECONDS have passed); sends
    back the latency of each in milliseconds. Runs in a process of its own."""
    latencies: list[float] = []
    with psycopg.connect(libpq(url)) as conn:
        ready.set()
        deadline = None if seconds is None else time.monotonic() + seconds
        n = 0
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            n += 1
            started = time.perf_counter()
            conn.execute(
                "UPDATE web_sessions SET last_seen_at = now() AT TIME ZONE 'utc' "
                "WHERE id = md5('live' || %s)",
                [1 + n % LIVE_SESSIONS],
            )
            conn.execute(
                "INSERT INTO identity_checks (identity_id, matched, created_at) "
                "VALUES (%s, true, now() AT TIME ZONE 'utc')",
                [1 + n % LIVE_SESSIONS],
            )
            conn.commit()
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(PAUSE)
    out.send(latencies)


class Loop:
    """The step's loop in another process (no GIL shared with the sweep)."""

    def __init__(self, url: str, seconds: float | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        ready, self.stop = context.Event(), context.Event()
        self.receive, send = context.Pipe(duplex=False)
        arguments = (url, ready, self.stop, send, seconds)
        self.process = context.Process(target=steps, args=arguments)
        self.process.start()
        self.until_stopped = seconds is None
        ready.wait()

    def results(self) -> list[float]:
        """The latencies, once its seconds have passed, or now (stopped) if it had none."""
        if self.until_stopped:
            self.stop.set()
        latencies: list[float] = self.receive.recv()
        self.process.join()
        return latencies


def summary(latencies: list[float]) -> str:
    p99 = statistics.quantiles(latencies, n=100)[-1]
    return (
        f"{len(latencies):>7,} steps | {statistics.median(latencies):6.2f} | {p99:7.2f} | "
        f"{max(latencies):8.2f}"
    )


def run(customers: int, baseline: float, url: str) -> None:
    now = datetime.now(UTC)
    with database(url) as scoped, tempfile.TemporaryDirectory() as uploads:
        print(f"Filling for {customers:,} customers (load average {os.getloadavg()[0]:.1f}):")
        started = time.perf_counter()
        rows = fill(scoped, customers, now.replace(tzinfo=None))
        print(f"{rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        before = Loop(scoped, baseline).results()
        db = Database(scoped)
        loop = Loop(scoped)
        time.sleep(1)  # a second of steps before the sweep starts
        started = time.perf_counter()
        removed = retention.sweep(db, now, Path(uploads))
        took = time.perf_counter() - started
        during = loop.results()
        after = Loop(scoped, baseline).results()
        db.dispose()
        loops = {"alone, before": before, "during the sweep": during, "alone, after": after}
        report(customers, removed, took, loops)


def report(
    customers: int, removed: dict[str, int], took: float, loops: dict[str, list[float]]
) -> None:
    total = sum(removed.values())
    print()
    print(
        f"Sweep of {customers:,} customers' rows past their time, PostgreSQL, batches of "
        f"{retention.BATCH:,}: {total:,} rows in {took:.1f} s, {total / took:,.0f} rows/s"
    )
    for kind, count in removed.items():
        print(f"  {kind:20} {count:>11,}")
    print()
    print("| the step (update a session, write a check), ms | steps | median | p99 | max |")
    print("| --- | --- | --- | --- | --- |")
    for name, latencies in loops.items():
        print(f"| {name} | {summary(latencies)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=float, default=30.0, help="seconds alone, each time")
    parser.add_argument("--database-url", default=URL, help="a PostgreSQL URL")
    arguments = parser.parse_args()
    run(arguments.customers, arguments.baseline, arguments.database_url)
