"""Startup time and memory: `moncompte run` and `moncompte serve`, launched for real.

- ``moncompte run`` (the development server) on a SQLite file in a temporary folder
  (``MONCOMPTE_DATABASE_URL``): the time from launching the command to the first 200 of
  ``GET /fr/login``. The first launch, on an empty file, also creates the schema and
  loads the demo data set (its documents land in ``instance/uploads``, removed at the
  end); it is shown apart. The next ``--launches`` reuse the file: their median is the
  restart time.
- ``moncompte serve`` (gunicorn, ``--workers`` × ``--threads``) on a fresh PostgreSQL
  database (``--database`` on the server of ``--admin-url``, dropped at the end): the time
  to the first 200 of ``/readyz``, then of ``GET /fr/login``; the first launch (schema
  created) apart, then the median of ``--launches``. On the last launch, the resident
  memory (VmRSS, /proc/PID/status) of the arbiter and of each worker once ready, and
  again after ``--requests`` GETs of a few pages (home, FAQ, sign-in, registration,
  password reset) from 4 clients; the same for the development server.

    .venv/bin/python -m bench.footprint [--launches 5] [--requests 500] [--workers 2]
        [--threads 4] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints the times in seconds and the memory in MiB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.load import ADMIN_URL, ROOT, free_port, fresh_database, stop_group

MONCOMPTE = Path(sys.executable).parent / "moncompte"
PAGES = ["/fr/", "/fr/faq", "/fr/login", "/fr/register", "/en/password-reset"]
INSTANCE = ROOT / "instance"
POLL = 0.02  # seconds between two tries while the server starts


@dataclass(frozen=True)
class Launch:
    ready: float  # seconds to /readyz (serve) or to /fr/login (run)
    login: float  # seconds to the first 200 of /fr/login


class Launched:
    """`moncompte ARGS` in a process group of its own, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MONCOMPTE_")}
        environment.update(env)
        if "serve" in args:
            environment["MONCOMPTE_BASE_URL"] = self.base
            args = [*args, "--bind", f"127.0.0.1:{self.port}"]
        else:
            args = [*args, "--port", str(self.port)]
        self.log = log
        self.started = time.perf_counter()
        with log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [str(MONCOMPTE), *args],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def until_200(self, path: str, timeout: float = 120) -> float:
        """Seconds from the launch to the first 200 of PATH."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"moncompte stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.base + path, timeout=5).status_code == 200:
                    return time.perf_counter() - self.started
            except requests.RequestException:
                pass
            time.sleep(POLL)
        raise SystemExit(f"{self.base}{path} never answered 200")

    def processes(self) -> list[tuple[str, int]]:
        """(role, pid): the command's own process, then its children (gunicorn's workers)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [("main", pid), *((f"worker {i + 1}", int(c)) for i, c in enumerate(children))]

    def stop(self) -> None:
        stop_group(self.process)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def browse(base: str, count: int) -> None:
    """COUNT GETs of the pages, from 4 clients with their own connections."""

    def client(share: int) -> None:
        with requests.Session() as browser:
            for i in range(share):
                answer = browser.get(base + PAGES[i % len(PAGES)], timeout=30)
                assert answer.status_code == 200, (PAGES[i % len(PAGES)], answer.status_code)

    with ThreadPoolExecutor(4) as pool:
        for done in [pool.submit(client, count // 4 + (i < count % 4)) for i in range(4)]:
            done.result()


def memory(launched: Launched, requests_count: int) -> list[tuple[str, float, float]]:
    """(role, MiB once ready, MiB after the requests) of each process."""
    before = {role: rss_mib(pid) for role, pid in launched.processes()}
    browse(launched.base, requests_count)
    time.sleep(0.5)
    return [(role, before[role], rss_mib(pid)) for role, pid in launched.processes()]


@dataclass
class Measured:
    first: Launch
    launches: list[Launch]
    memory: list[tuple[str, float, float]]


def measure(
    args: list[str], env: dict[str, str], ready: str, launches: int, count: int, log: Path
) -> Measured:
    """A first launch, then LAUNCHES more; memory on the last one."""
    times: list[Launch] = []
    found: list[tuple[str, float, float]] = []
    for i in range(launches + 1):
        launched = Launched(args, env, log)
        try:
            to_ready = launched.until_200(ready)
            times.append(Launch(to_ready, launched.until_200("/fr/login")))
            if i == launches:
                found = memory(launched, count)
        finally:
            launched.stop()
    return Measured(times[0], times[1:], found)


def demo_uploads(database: Path) -> None:
    """Remove the demo's documents that `moncompte run` wrote to instance/uploads."""
    with sqlite3.connect(database) as conn:
        names = [row[0] for row in conn.execute("SELECT storage_name FROM documents")]
    for name in names:
        (INSTANCE / "uploads" / name).unlink(missing_ok=True)


def report(name: str, found: Measured, serve: bool) -> None:
    def median(what: str) -> float:
        return float(statistics.median(getattr(t, what) for t in found.launches))

    print(f"\n{name}")
    if serve:
        print(
            f"  first launch (empty database): /readyz {found.first.ready:.2f} s, "
            f"/fr/login {found.first.login:.2f} s"
        )
        print(
            f"  median of {len(found.launches)}: /readyz {median('ready'):.2f} s, "
            f"/fr/login {median('login'):.2f} s "
            f"(all: {', '.join(f'{t.login:.2f}' for t in found.launches)})"
        )
    else:
        print(f"  first launch (schema and demo data): /fr/login {found.first.login:.2f} s")
        print(
            f"  median of {len(found.launches)}: /fr/login {median('login'):.2f} s "
            f"(all: {', '.join(f'{t.login:.2f}' for t in found.launches)})"
        )
    print("  | process | VmRSS once ready | after the requests |")
    print("  | --- | --- | --- |")
    for role, before, after in found.memory:
        print(f"  | {role} | {before:.1f} MiB | {after:.1f} MiB |")


def run(args: argparse.Namespace) -> None:
    # Folders the commands make in instance/ (the demo's documents, serve's metrics):
    # removed at the end unless they were there before.
    made = [p for p in (INSTANCE / "uploads", INSTANCE / "metrics") if not p.exists()]
    try:
        measure_both(args)
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def measure_both(args: argparse.Namespace) -> None:
    secret = {"MONCOMPTE_SECRET_KEY": "footprint-bench-secret"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sqlite_file = folder / "moncompte.db"
        env = {**secret, "MONCOMPTE_DATABASE_URL": f"sqlite:///{sqlite_file}"}
        try:
            dev = measure(
                ["run"], env, "/fr/login", args.launches, args.requests, folder / "run.log"
            )
        finally:
            if sqlite_file.exists():
                demo_uploads(sqlite_file)
        report("moncompte run (SQLite)", dev, serve=False)
        with fresh_database(args.admin_url, args.database) as url:
            env = {**secret, "MONCOMPTE_DATABASE_URL": url}
            serve_args = ["serve", "--workers", str(args.workers), "--threads", str(args.threads)]
            served = measure(
                serve_args, env, "/readyz", args.launches, args.requests, folder / "serve.log"
            )
        report(
            f"moncompte serve (PostgreSQL, {args.workers} workers × {args.threads} threads)",
            served,
            serve=True,
        )
    print(f"\nload average {os.getloadavg()[0]:.1f}; {args.requests} requests")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, default=5, help="after the first")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a database of the server")
    parser.add_argument("--database", default="bench_footprint", help="created, then dropped")
    run(parser.parse_args())
