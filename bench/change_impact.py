"""How long the change review takes on a month of a procedure's journeys.

The same registration history as bench/heatmap.py (instances started over the last 30
days, refused, registered, activated or expired, the latest still on their way) is
written to a fresh database. The new version adds a step between the form and the
activation e-mail («Confirm the address»): most journeys now pass through it. Timed: the
impact report (every journey of the 30 days replayed, the instances in flight counted),
the diff in words, and the drawing of the change as SVG (Graphviz).

    .venv/bin/python -m bench.change_impact [--records 1000000] [--rounds 5]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints the medians and 90th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from sqlalchemy import text

from bench.heatmap import database, fill, report, timed
from flows.analysis import change, change_diagram, change_words, impact
from flows.registry import DEFINITIONS
from web import create_app
from web.services import Services


def with_a_confirmation_step() -> str:
    document = (DEFINITIONS / "registration.yaml").read_text(encoding="utf-8")
    edits = {
        "          target: awaiting_activation\n          cond: details_valid": (
            "          target: confirm\n          cond: details_valid"
        ),
        "    activated:\n      final: true": (
            "    confirm:\n      transitions:\n        - event: confirm\n"
            "          target: awaiting_activation\n        - event: expire\n"
            "          target: expired\n    activated:\n      final: true"
        ),
        "    details:\n      label: Registration form": (
            "    confirm: {label: Confirm the address, screen: x.html, expires_after: 2h}\n"
            "    details:\n      label: Registration form"
        ),
        "  events:\n": "  events:\n    confirm: {label: Confirm}\n",
    }
    for old, new in edits.items():
        assert document.count(old) == 1, old
        document = document.replace(old, new)
    return document


def run(records: int, rounds: int, url: str | None) -> None:
    with database(url) as db_url:
        app = create_app(
            {"DATABASE_URL": db_url, "SECRET_KEY": "bench", "SMTP_URL": None, "TESTING": True}
        )
        services: Services = app.extensions["moncompte"]
        now = services.clock()
        start = time.perf_counter()
        written = fill(services, records, now)
        if not services.db.is_sqlite:
            with services.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"{written:,} audit records written in {time.perf_counter() - start:.0f} s")
        current = services.registry.get("registration")
        new = change.draft(with_a_confirmation_step(), current, services.registry.steps)
        diff = change.diff(current, new)
        found = impact.impact(services.db, diff, now)
        replay = found.replay
        print(
            f"{replay.journeys:,} journeys replayed: {replay.unchanged:,} unchanged, "
            f"{replay.detoured:,} through the new step, {replay.refused_count:,} refused; "
            f"{found.in_flight:,} in flight"
        )
        times = {
            "impact report, 30 days": timed(lambda: impact.impact(services.db, diff, now), rounds),
            "impact report, 7 days": timed(
                lambda: impact.impact(services.db, diff, now, days=7), rounds
            ),
            "diff in words": timed(
                lambda: change_words.sentences(change.diff(current, new), str), rounds
            ),
            "drawing of the change (SVG)": timed(
                lambda: change_diagram.render(diff, "svg"), rounds
            ),
        }
        assert now - found.since == timedelta(days=30)
        backend = "SQLite" if services.db.is_sqlite else "PostgreSQL"
        report(times, rounds, backend, "called in process")
        services.db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL URL; default: a temporary SQLite file")
    arguments = parser.parse_args()
    run(arguments.records, arguments.rounds, arguments.database_url)
