"""The overview in the process: GET /fr/overview against its bare view, same run.

The demo data set (flows/demo.py) on a fresh database; Émilie Gagnon (two contracts, their
payments and documents) signs in on a remembered device, then, through the Flask test
client, ``--rounds`` times in turn: ``GET /fr/overview`` and ``GET /fr/bench/bare-overview``
(bench/bare.py: the same queries and the same template, written by hand). Prints the
medians and 90th percentiles, their ratio, and the SQL statements each sends.

    .venv/bin/python -m bench.overview [--rounds 400] [--database-url postgresql+psycopg://…]

The database is a fresh SQLite file unless --database-url names a PostgreSQL server (a
database of its own is created there, and dropped at the end).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from bench.bare import add_bare_views
from bench.steps import fresh_database
from flows import demo
from flows.accounts import remembered
from storage import migrate
from storage.identities import by_email
from web import create_app
from web.cli import papers
from web.customer.devices import COOKIE
from web.services import Services

PAGES = {"engine": "/fr/overview", "bare": "/fr/bench/bare-overview"}


def timed(client: FlaskClient, path: str) -> float:
    start = time.perf_counter()
    status = client.get(path).status_code
    elapsed = (time.perf_counter() - start) * 1000
    assert status == 200, (path, status)
    return elapsed


def run(rounds: int, server: str | None) -> None:
    logging.disable(logging.INFO)  # the access log of every request is not measured
    with fresh_database(server) as url, tempfile.TemporaryDirectory() as uploads:
        migrate.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "SMTP_URL": None, "TESTING": True}
        )
        add_bare_views(app)
        services: Services = app.extensions["moncompte"]
        demo.load(services, Path(uploads), papers)
        with services.db.write() as session:
            emilie = by_email(session, demo.EMILIE.email)
            assert emilie is not None
            device = remembered.remember(session, emilie.id, "", services.clock())
        client = app.test_client()
        client.set_cookie(COOKIE, device)
        form = {"email": demo.EMILIE.email, "password": demo.PASSWORD}
        app.config["WTF_CSRF_ENABLED"] = False  # signing in is not what is measured
        assert client.post("/fr/login", data=form).status_code == 303
        statements: dict[str, int] = {}
        sent: list[Any] = []
        event.listen(services.db.engine, "before_cursor_execute", lambda *_: sent.append(1))
        for kind, path in PAGES.items():
            timed(client, path)  # the first page after signing in also saves the session
            sent.clear()
            timed(client, path)
            statements[kind] = len(sent)
        times: dict[str, list[float]] = {kind: [] for kind in PAGES}
        for i in range(rounds + 20):
            for kind, path in PAGES.items():
                elapsed = timed(client, path)
                if i >= 20:  # warm-up rounds are not counted
                    times[kind].append(elapsed)
        where = "SQLite" if server is None else "PostgreSQL"
        print(f"{rounds} rounds, interleaved, {where}, Flask test client; milliseconds")
        print(f"{'':8} {'median':>8} {'p90':>8} {'SQL statements':>15}")
        for kind, values in times.items():
            p90 = statistics.quantiles(values, n=10)[-1]
            median = statistics.median(values)
            print(f"{kind:8} {median:8.2f} {p90:8.2f} {statements[kind]:15}")
        ratio = statistics.median(times["engine"]) / statistics.median(times["bare"])
        print(f"overview / bare view = {ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (postgresql+psycopg://…); default SQLite"
    )
    arguments = parser.parse_args()
    run(arguments.rounds, arguments.database_url)
