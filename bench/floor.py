"""The overview against its floor: the SQL it sends, replayed bare, in the same run.

A fresh PostgreSQL database seeded as bench/load.py seeds it (Émilie Gagnon: three
contracts, a year of payments, documents, two payoff quotes, a remembered device). gunicorn
serves the production application (bench/wsgi.py, as ``moncompte serve`` serves
web.wsgi) and Émilie signs in over HTTP. The statements one ``GET /fr/overview`` sends
(reading the session included) are captured in the process, as SQLAlchemy hands them to
psycopg. Then ``--rounds`` times, taking turns:

- **SQL**: those statements with their parameters, replayed with psycopg on one open
  connection in autocommit (as the application reads on PostgreSQL: no BEGIN), each
  result fetched: the floor, what the database and the driver cost;
- **in the process**: the page through the Flask test client (no HTTP, no gunicorn);
- **over HTTP**: the page from gunicorn on one keep-alive connection (http.client), the
  whole of what a browser waits for on this machine;
- **the session's read** (after those, taking turns on their own), the part every
  signed-in page shares (the session and its MINI ID, through the pool and the ORM),
  against its statement replayed as the SQL is.

Prints the medians and the ratios to the floor. The target: over HTTP ≤ 4× the SQL.

    .venv/bin/python -m bench.floor [--rounds 500] [--profile]
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

``--profile`` prints where the in-process page spends its time (cProfile, 20 lines).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import logging
import pstats
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bench.load import (
    ADMIN_URL,
    Server,
    ask_for_quotes,
    fresh_database,
    seed,
    sign_in,
)
from bench.load import CUSTOMER as EMAIL
from storage import migrate, sessions
from storage.contracts import Contract
from storage.identities import by_email
from web import create_app
from web.services import Services

PAGE = "/fr/overview"
WARM_UP = 50


def replay(connection: psycopg.Connection[Any], sent: list[tuple[str, Any]]) -> float:
    """The statements, each run and its rows fetched; milliseconds."""
    start = time.perf_counter()
    for statement, parameters in sent:
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - start) * 1000


def over_http(connection: http.client.HTTPConnection, cookie: str) -> float:
    start = time.perf_counter()
    connection.request("GET", PAGE, headers={"Cookie": f"session={cookie}"})
    answer = connection.getresponse()
    answer.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status == 200, answer.status
    return elapsed


def run(args: argparse.Namespace) -> None:
    secret = secrets.token_hex(32)
    with fresh_database(args.admin_url, args.database) as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        migrate.upgrade(url)
        config = {"DATABASE_URL": url, "SECRET_KEY": secret, "BASE_URL": "http://127.0.0.1/"}
        app = create_app({**config, "UPLOAD_FOLDER": str(folder / "uploads")})
        services: Services = app.extensions["moncompte"]
        seeded = seed(app, folder / "uploads", 1)
        with services.db.read() as session:
            emilie = by_email(session, EMAIL)
            assert emilie is not None
            owned = session.scalars(
                select(Contract.id).where(Contract.identity_id == emilie.id).order_by(Contract.id)
            ).all()
        env = {"MONCOMPTE_DATABASE_URL": url, "MONCOMPTE_SECRET_KEY": secret}
        server = Server(env, folder, args.workers, args.threads)
        try:
            server.wait_ready()
            cookie = sign_in(server.base, seeded.device_token)
            ask_for_quotes(server.base, cookie, list(owned[:2]))
            measure(app, services, server, cookie, url, args)
        finally:
            server.stop()
            services.db.dispose()


def measure(
    app: Any, services: Services, server: Server, cookie: str, url: str, args: argparse.Namespace
) -> None:
    logging.disable(logging.INFO)  # the in-process page's access log goes nowhere
    client = app.test_client()
    client.set_cookie("session", cookie)

    def in_process() -> float:
        start = time.perf_counter()
        status = client.get(PAGE).status_code
        elapsed = (time.perf_counter() - start) * 1000
        assert status == 200, status
        return elapsed

    for _ in range(3):
        in_process()
    sent = captured(services, in_process)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    host, port = server.base.removeprefix("http://").split(":")
    with psycopg.connect(libpq, autocommit=True) as connection:
        web = http.client.HTTPConnection(host, int(port), timeout=30)
        times = taking_turns(
            {
                "SQL": lambda: replay(connection, sent),
                "in the process": in_process,
                "over HTTP": lambda: over_http(web, cookie),
            },
            args.rounds,
        )
        web.close()
        # Apart, so that the page's own turns stay as they were: the first statement, and
        # what the pool, the ORM session and its objects add to it.
        times |= taking_turns(
            {
                "the session's statement, replayed": lambda: replay(connection, sent[:1]),
                "the session's read": lambda: session_read(services, cookie),
            },
            args.rounds,
        )
    report(times, args)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(200):
            in_process()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.profile).print_stats(args.lines)


def taking_turns(steps: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each step's times, the steps run in turn ROUNDS times after a warm-up."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(rounds + WARM_UP):
        for name, step in steps.items():
            elapsed = step()
            if i >= WARM_UP:
                times[name].append(elapsed)
    return times


def session_read(services: Services, cookie: str) -> float:
    """The session behind COOKIE and its account, read as every signed-in page reads them."""
    start = time.perf_counter()
    with services.db.read() as session:
        found = sessions.live(session, cookie, services.clock())
    elapsed = (time.perf_counter() - start) * 1000
    assert found is not None and found.identity is not None
    return elapsed


def captured(services: Services, page: Any) -> list[tuple[str, Any]]:
    """The statements (and their parameters) one call of PAGE sends, as psycopg gets them."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", keep)
    page()
    event.remove(services.db.engine, "before_cursor_execute", keep)
    print(f"{PAGE} sends {len(sent)} statements:")
    for statement, _ in sent:
        print("   ", " ".join(statement.split())[:110])
    return sent


def report(times: dict[str, list[float]], args: argparse.Namespace) -> None:
    floor = statistics.median(times["SQL"])
    print(
        f"\n{args.rounds} rounds, interleaved, PostgreSQL; gunicorn {args.workers} × "
        f"{args.threads}, one keep-alive connection; milliseconds"
    )
    print("| | median | p90 | / SQL |")
    print("| --- | --- | --- | --- |")
    for name, values in times.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"| {name} | {median:.2f} | {p90:.2f} | {median / floor:.1f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--lines", type=int, default=40, help="profile lines printed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a database of the server")
    parser.add_argument("--database", default="bench_floor", help="created, then dropped")
    parser.add_argument(
        "--profile", choices=["cumulative", "tottime"], help="profile the page in the process"
    )
    run(parser.parse_args())
