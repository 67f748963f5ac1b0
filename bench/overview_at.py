"""Time GET /fr/overview of the code in the current directory; print the median, in ms.

Run by bench/versions.py in a checkout of some commit (PYTHONPATH and the working
directory are that checkout), so it uses only what every version since the overview has:
create_app, migrate.upgrade, demo.load, a sign-in by POST /fr/login. Where the sign-in asks
for the device code (later versions), Émilie signs in on a remembered device.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from storage import migrate
from storage.identities import by_email
from web import create_app

if Path("web/cli/papers.py").exists():  # the demo's documents, out of web.customer.pdf
    from flows import demo
    from web.cli import papers

    def load(services: Any, uploads: Path) -> None:
        demo.load(services, uploads, papers)
elif Path("flows/demo.py").exists():  # where the demo data set lives since it left web/
    from flows import demo
    from web.customer import pdf

    def load(services: Any, uploads: Path) -> None:
        demo.load(services, uploads, pdf)  # type: ignore[arg-type]
else:
    from web import demo  # type: ignore[attr-defined, no-redef]

    def load(services: Any, uploads: Path) -> None:
        demo.load(services, uploads)  # type: ignore[call-arg]


def main(requests: int, database_url: str | None) -> None:
    logging.disable(logging.INFO)  # the access log of every request is not measured
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/bench.db"
        uploads = Path(folder) / "uploads"
        uploads.mkdir()
        migrate.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "SMTP_URL": None, "TESTING": True}
        )
        services = app.extensions["moncompte"]
        load(services, uploads)
        client = app.test_client()
        if Path("flows/accounts/remembered.py").exists():
            # Not in every version: imported only where it is.
            from flows.accounts import remembered

            cookie = "remembered_device"  # web/devices.py's, then web/customer/devices.py's

            with services.db.write() as session:
                emilie = by_email(session, demo.EMILIE.email)
                assert emilie is not None
                device = remembered.remember(session, emilie.id, "", services.clock())
            client.set_cookie(cookie, device)
        app.config["WTF_CSRF_ENABLED"] = False  # signing in is not what is measured
        form = {"email": demo.EMILIE.email, "password": demo.PASSWORD}
        assert client.post("/fr/login", data=form).status_code in (302, 303)
        times = []
        for i in range(requests + 50):
            start = time.perf_counter()
            status = client.get("/fr/overview").status_code
            elapsed = (time.perf_counter() - start) * 1000
            assert status == 200, status
            if i >= 50:  # warm-up requests are not counted
                times.append(elapsed)
        print(f"{statistics.median(times):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database; default a SQLite file")
    arguments = parser.parse_args()
    main(arguments.requests, arguments.database_url)
