"""The payoff quote's PDF: how long rendering one takes, in each language.

The demo data set on a fresh SQLite file; a quote on Émilie Gagnon's first contract, for
the first business day of its province; then ``--rounds`` renderings of its PDF
(web.customer.pdf.payoff_quote) in each language in turn, after a few to warm up. Prints
the median and 90th percentile in milliseconds, and the PDF's size.

    .venv/bin/python -m bench.quote_pdf [--rounds 30]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from flows import demo
from flows.contracts import listing, payoff, quotes
from flows.contracts.schedule import today
from storage import migrate
from storage.identities import by_email
from web import create_app
from web.cli import papers
from web.customer import pdf
from web.services import Services

WARM_UP = 3


def run(rounds: int) -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "SMTP_URL": None, "TESTING": True}
        )
        services: Services = app.extensions["moncompte"]
        demo.load(services, Path(folder) / "uploads", papers)
        now = services.clock()
        with services.db.write() as session:
            emilie = by_email(session, demo.EMILIE.email)
            assert emilie is not None
            contract = listing.of_customer(session, emilie.id)[0]
            on = payoff.date_window(today(now), contract.province)[0]
            issued = quotes.issue(
                session,
                contract,
                on,
                today=today(now),
                now=now,
                language="fr",
                identity_id=emilie.id,
            )
        for lang in ("fr", "en"):
            with app.test_request_context(f"/{lang}/overview"):
                times = []
                for i in range(rounds + WARM_UP):
                    start = time.perf_counter()
                    data = pdf.payoff_quote(contract, issued, lang, on)
                    if i >= WARM_UP:
                        times.append((time.perf_counter() - start) * 1000)
                p90 = statistics.quantiles(times, n=10)[-1]
                print(
                    f"{lang}: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, "
                    f"{len(data) / 1024:.0f} KiB, {rounds} rounds"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    run(parser.parse_args().rounds)


if __name__ == "__main__":
    main()
