"""Pages under load: the production server, engine pages against bare views, with wrk.

A fresh PostgreSQL database (``--database``, created on the server of ``--admin-url`` and
dropped at the end) is migrated (``storage.migrate.upgrade``) and seeded: the demo data
set (flows/demo.py), plus a third contract for Émilie Gagnon with a year of payments and two
documents, a remembered device for her, and one registration instance per connection.
Then gunicorn serves bench/wsgi.py — the application of ``moncompte serve`` with rate
limits and CSRF off and the bare views of bench/bare.py — with web/gunicorn_config.py,
``--workers`` processes of ``--threads`` threads, logging JSON to a file. Émilie signs in
once over HTTP (her remembered device: no code) and asks for two payoff quotes.

wrk (``-t2``, ``--latency``, a Lua script that sends the cookies and the form, checks
every status and prints p50, p99 and requests/s as JSON) then loads, for each number of
connections and each page, the engine's page and its bare view in turn — a 3 s warm-up
of each not counted, then ``--rounds`` times engine, bare view:

- overview: ``GET /fr/overview`` signed in, against ``GET /fr/bench/bare-overview``;
- step page: ``GET /fr/register/<id>`` (the instance this browser started), against
  ``GET /fr/bench/bare-register/<id>``;
- step POST: ``POST /fr/register/<id>`` with the passwords left out, which the engine
  refuses (instance locked, fields checked, audit record and hourly counts, errors kept
  for the next page, 303), against the bare view doing the same by hand. A refused step
  is the POST that can be repeated for ever on the same instances; each request goes to
  one of the instances in turn (one per connection), as many browsers would.

Before loading, each bare page is checked to render what the engine's page renders
(CSRF tokens and the page's own path aside). Any answer other than the page's own
status (200, or 303 for the POST), or any socket error, stops the benchmark.

    .venv/bin/python -m bench.load [--connections 16 64] [--duration 15] [--rounds 2]
        [--workers 2] [--threads 4] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints one line per wrk run, then a table: page, connections, requests/s of each, their
ratio engine / bare view, p50 and p99 of each in milliseconds, the busiest worker's share
of the requests (from the JSON access log, which names each line's worker), and the load
average.

``--sockets`` measures only the overview, on two servers taking turns: the production
settings (each worker its own socket) and bench/gunicorn_shared_socket.py (one socket the
workers share, as before), with the busiest worker's share of each run.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Flask
from itsdangerous import URLSafeSerializer
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from flows import demo
from flows.access import Principal
from flows.accounts import remembered
from flows.contracts import documents, files
from flows.contracts.contract_import import save_contract, save_payment
from flows.contracts.schedule import add_months
from flows.contracts.schedule import today as local_today
from flows.csv_import import Report
from storage import migrate
from storage.contracts import Contract
from storage.identities import by_email
from storage.models import AuditRecord
from web import create_app
from web.cli import papers
from web.customer.devices import COOKIE as DEVICE_COOKIE
from web.services import Services
from web.sessions import SALT

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CUSTOMER = demo.EMILIE.email
WARM_UP = 3
# The gunicorn settings of one socket shared by the workers (--sockets: the baseline).
SHARED = "bench/gunicorn_shared_socket.py"
# The step POST: names and address given, the passwords left out.
REFUSED_FORM = urlencode(
    {"first_name": "Jean", "last_name": "Tremblay", "email": "jean.t@example.com"}
    | {"password": "", "password_confirm": ""}
)
FORM_TYPE = "application/x-www-form-urlencoded"


# -- the database and the server --------------------------------------------------------


@contextmanager
def fresh_database(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database NAME; dropped at the end, connections and all."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"--database: a plain lower-case name, not {name!r}")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn serving bench.wsgi:app as `moncompte serve` serves web.wsgi:app."""

    def __init__(
        self,
        env: dict[str, str],
        folder: Path,
        workers: int,
        threads: int,
        config: str = "web/gunicorn_config.py",
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gunicorn-{self.port}.log"
        metrics = folder / f"metrics-{self.port}"
        metrics.mkdir()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MONCOMPTE_")}
        environment.update(env)
        environment.update(
            MONCOMPTE_BASE_URL=self.base,
            MONCOMPTE_LOG_FORMAT="json",
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
        )
        argv = [sys.executable, "-m", "gunicorn", "--config", config]
        argv += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        argv += ["--threads", str(threads), "bench.wsgi:app"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                argv,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.base}/readyz never answered 200")

    def stop(self) -> None:
        stop_group(self.process)

    def busiest(self, since: int) -> float:
        """The share of the requests logged after byte SINCE of the log that the busiest
        worker served (each access line names its worker: ``pid``)."""
        served: Counter[int] = Counter()
        with self.log.open("rb") as log:
            log.seek(since)
            for line in log:
                try:
                    entry = json.loads(line)
                except ValueError:  # not JSON, or the last line still being written
                    continue
                if isinstance(entry, dict) and entry.get("logger") == "moncompte.access":
                    served[entry["pid"]] += 1
        total = sum(served.values())
        return max(served.values()) / total if total else 0.0


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a started command's whole process group (gunicorn's arbiter and its workers)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- the data ---------------------------------------------------------------------------


@dataclass
class Seeded:
    device_token: str
    instances: list[str] = field(default_factory=list)


def seed(app: Flask, uploads: Path, instances: int) -> Seeded:
    """The demo, a third contract of Émilie's, her remembered device, registration instances."""
    services: Services = app.extensions["moncompte"]
    with app.app_context():
        demo.load(services, uploads, papers)
    now = services.clock()
    today = local_today(now)
    with services.db.write() as session:
        emilie = by_email(session, CUSTOMER)
        assert emilie is not None
        record: dict[str, Any] = {
            "number": "PR-25-033907",
            "kind": "loan",
            "vehicle_model": "MINI Cooper 3 portes",
            "vehicle_year": 2025,
            "vin": demo.vin("WMW23GD0S2T33907"),
            "first_name": "Émilie",
            "last_name": "Gagnon",
            "email": CUSTOMER,
            "phone": demo.EMILIE.phone,
            "customer_number": demo.EMILIE.customer_number,
            "province": "QC",
            "start_date": add_months(today, -13),
            "term_months": 60,
            "payment_cents": 489_12,
            "frequency": "monthly",
            "last_payment_cents": 489_12,
            "last_payment_date": add_months(today, -1),
            "rate_bp": 649,
            "balance_cents": 21_480_55,
        }
        contract = save_contract(session, record, now, Report())
        contract.identity_id = emilie.id
        for months in range(1, 13):
            payment = {"paid_on": add_months(today, -months), "amount_cents": 489_12}
            save_payment(session, contract.id, {**payment, "status": "paid"}, Report())
        for kind, name in (("contract", "contrat.pdf"), ("statement", "relevé.pdf")):
            accepted = files.of_record(b"%PDF-1.4\n%%EOF\n", name)
            documents.add(session, contract.id, kind, today, accepted, uploads, now=now)
        token = remembered.remember(session, emilie.id, "", now)
    seeded = Seeded(token)
    for _ in range(instances):
        snapshot = services.engine.start("registration", by=Principal.visitor(), language="fr")
        seeded.instances.append(snapshot.id)
    return seeded


def sign_in(base: str, device_token: str) -> str:
    """Émilie signs in on her remembered device; her session cookie."""
    browser = requests.Session()
    browser.cookies.set(DEVICE_COOKIE, device_token, domain="127.0.0.1")
    form = {"email": CUSTOMER, "password": demo.PASSWORD}
    answer = browser.post(f"{base}/fr/login", data=form, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.status_code
    assert answer.headers["Location"].endswith("/fr/overview"), answer.headers["Location"]
    return str(browser.cookies["session"])


def ask_for_quotes(base: str, cookie: str, contract_ids: list[int]) -> None:
    """A payoff quote on each contract, on its first business day from tomorrow on: among
    its documents from now on."""
    for contract_id in contract_ids:
        for ahead in range(1, 31):
            day = local_today(datetime.now(UTC)) + timedelta(days=ahead)
            answer = requests.post(
                f"{base}/fr/payoff-quote",
                data={"contract": contract_id, "date": day.isoformat()},
                headers={"Cookie": f"session={cookie}"},
                allow_redirects=False,
                timeout=30,
            )
            assert answer.status_code == 303, answer.status_code
            if "/overview/quotes/" in answer.headers["Location"]:
                break  # issued (otherwise a weekend or a holiday: the form again)
        else:
            raise SystemExit(f"no payoff quote could be issued on contract {contract_id}")


def visitor_cookie(secret: str, instance_id: str) -> str:
    """The signed cookie of a browser that started INSTANCE_ID (web/sessions.py)."""
    now = datetime.now(UTC).timestamp()
    data = {"flows": [instance_id], "csrf_token": secrets.token_hex(20)}
    payload = {"started": now, "seen": now, "data": data}
    return str(URLSafeSerializer(secret, salt=SALT).dumps(payload))


# -- what is loaded ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    path: str
    cookie: str


@dataclass(frozen=True)
class Load:
    """One thing wrk sends: METHOD to each of TARGETS in turn, answered EXPECTED."""

    method: str
    targets: list[Target]
    expected: int
    body: str | None = None


@dataclass(frozen=True)
class Page:
    name: str
    engine: Load
    bare: Load


def pages(customer: str, secret: str, instances: list[str]) -> list[Page]:
    """Built again before every run: a visitor's cookie idles out after 30 minutes."""
    cookies = [visitor_cookie(secret, i) for i in instances]

    def each(prefix: str) -> list[Target]:
        return [Target(f"{prefix}/{i}", c) for i, c in zip(instances, cookies, strict=True)]

    overview = [Target("/fr/overview", customer)]
    bare_overview = [Target("/fr/bench/bare-overview", customer)]
    engine_steps, bare_steps = each("/fr/register"), each("/fr/bench/bare-register")
    return [
        Page("overview", Load("GET", overview, 200), Load("GET", bare_overview, 200)),
        Page("step page", Load("GET", engine_steps, 200), Load("GET", bare_steps, 200)),
        Page(
            "step POST",
            Load("POST", engine_steps, 303, REFUSED_FORM),
            Load("POST", bare_steps, 303, REFUSED_FORM),
        ),
    ]


LUA = """
local method, body, expected = %(method)s, %(body)s, %(expected)d
local targets = {%(targets)s}
local threads, made = {}, 0
local prepared, turn = {}, 0
bad, first_bad = 0, 0

function setup(thread)
  thread:set("offset", made)
  made = made + 1
  table.insert(threads, thread)
end

function init(args)
  for i, t in ipairs(targets) do
    local headers = {["Cookie"] = "session=" .. t[2]}
    if body then headers["Content-Type"] = "%(form_type)s" end
    prepared[i] = wrk.format(method, t[1], headers, body)
  end
  turn = offset or 0
end

function request()
  turn = turn + 1
  return prepared[turn %% #prepared + 1]
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local wrong, first = 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("bad")
    if thread:get("first_bad") ~= 0 then first = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "seconds": %%.3f, "rps": %%.2f, "p50_ms": %%.3f, ' ..
    '"p99_ms": %%.3f, "wrong_status": %%d, "first_wrong": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "timeout": %%d, "non_2xx_3xx": %%d}\\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, wrong, first,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def lua_script(load: Load) -> str:
    def quoted(value: str) -> str:
        return json.dumps(value)  # a JSON string is a Lua string for these characters

    targets = ", ".join(f"{{{quoted(t.path)}, {quoted(t.cookie)}}}" for t in load.targets)
    return LUA % {
        "method": quoted(load.method),
        "body": quoted(load.body) if load.body is not None else "nil",
        "expected": load.expected,
        "targets": targets,
        "form_type": FORM_TYPE,
    }


@dataclass(frozen=True)
class Run:
    rps: float
    p50: float
    p99: float
    requests: int
    busiest: float  # the busiest worker's share of the requests


def wrk(server: Server, load: Load, connections: int, seconds: int, folder: Path) -> Run:
    base, since = server.base, server.log.stat().st_size
    script = folder / "load.lua"
    script.write_text(lua_script(load))
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    argv += ["-s", str(script), base]
    done = subprocess.run(  # noqa: S603 - wrk, our arguments
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    errors = {k: result[k] for k in ("wrong_status", "connect", "read", "write", "timeout")}
    if any(errors.values()) or result["non_2xx_3xx"]:
        raise SystemExit(
            f"{load.method} {load.targets[0].path}: requests went wrong {errors} "
            f"(first wrong status {result['first_wrong']}, expected {load.expected})\n"
            f"{done.stdout}"
        )
    busiest = server.busiest(since)
    return Run(result["rps"], result["p50_ms"], result["p99_ms"], result["requests"], busiest)


# -- checking the bare views against the pages ------------------------------------------


def differences(engine: str, bare: str, engine_path: str, bare_path: str) -> str:
    """How the two pages differ, CSRF tokens and the page's own path aside ("": not).

    The page's path is its form's action and, in the other language, the language link.
    """

    def normal(page: str, path: str) -> list[str]:
        page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)
        other = "/en/" + path.removeprefix("/fr/")
        page = page.replace(f'action="{path}"', 'action="PATH"')
        return page.replace(f'href="{other}"', 'href="PATH"').splitlines()

    diff = difflib.unified_diff(normal(engine, engine_path), normal(bare, bare_path), lineterm="")
    return "\n".join(list(diff)[:40])


def check_bare_views(base: str, customer: str, secret: str, instance: str, url: str) -> None:
    """Each bare view answers what its page answers, and the POSTs write one record each."""

    def get(path: str, cookie: str) -> str:
        answer = requests.get(base + path, headers={"Cookie": f"session={cookie}"}, timeout=30)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.text

    overview, bare_overview = "/fr/overview", "/fr/bench/bare-overview"
    pages = (get(overview, customer), get(bare_overview, customer))
    if diff := differences(*pages, overview, bare_overview):
        raise SystemExit(f"The bare overview differs from {overview}:\n{diff}")
    cookie = visitor_cookie(secret, instance)
    engine_path, bare_path = f"/fr/register/{instance}", f"/fr/bench/bare-register/{instance}"
    pages = (get(engine_path, cookie), get(bare_path, cookie))
    if diff := differences(*pages, engine_path, bare_path):
        raise SystemExit(f"The bare registration form differs from the engine's:\n{diff}")
    database = create_engine(url)
    refused: list[str] = []
    for path in (engine_path, bare_path):
        with database.connect() as conn:
            before = conn.scalar(select(func.count()).select_from(AuditRecord))
        answer = requests.post(
            base + path,
            data=REFUSED_FORM,
            headers={"Cookie": f"session={cookie}", "Content-Type": FORM_TYPE},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 303 and answer.headers["Location"].endswith(path), path
        with database.connect() as conn:
            after = conn.scalar(select(func.count()).select_from(AuditRecord))
        assert after == (before or 0) + 1, (path, before, after)
        refused.append(get(path, str(answer.cookies["session"])))
    database.dispose()
    if diff := differences(refused[0], refused[1], engine_path, bare_path):
        raise SystemExit(f"The refused form differs on the bare view:\n{diff}")


# -- the run ----------------------------------------------------------------------------


@dataclass
class Figures:
    engine: list[Run] = field(default_factory=list)
    bare: list[Run] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


def measure(
    server: Server, customer: str, secret: str, instances: list[str], args: argparse.Namespace
) -> dict[tuple[str, int], Figures]:
    figures: dict[tuple[str, int], Figures] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for connections in args.connections:
            for index in range(3):
                page = pages(customer, secret, instances)[index]
                found = figures.setdefault((page.name, connections), Figures())
                for load in (page.engine, page.bare):
                    wrk(server, load, connections, WARM_UP, folder)
                for _ in range(args.rounds):
                    page = pages(customer, secret, instances)[index]
                    for kind, load in (("engine", page.engine), ("bare", page.bare)):
                        run = wrk(server, load, connections, args.duration, folder)
                        getattr(found, kind).append(run)
                        found.load.append(os.getloadavg()[0])
                        print(
                            f"{page.name:10} c={connections:<3} {kind:6} {run.rps:8.1f} req/s  "
                            f"p50 {run.p50:7.1f} ms  p99 {run.p99:7.1f} ms  "
                            f"busiest worker {run.busiest:4.0%}  "
                            f"({run.requests} requests, load {os.getloadavg()[0]:.1f})",
                            flush=True,
                        )
    return figures


def compare_sockets(
    own: Server, shared: Server, customer: str, args: argparse.Namespace
) -> dict[int, dict[str, list[Run]]]:
    """The overview on the workers' own sockets (the production settings) and on the one
    socket they shared before, taking turns: requests/s and the busiest worker's share."""
    found: dict[int, dict[str, list[Run]]] = {}
    load = Load("GET", [Target("/fr/overview", customer)], 200)
    servers = {"own sockets": own, "one socket": shared}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for connections in args.connections:
            runs = found.setdefault(connections, {kind: [] for kind in servers})
            for server in servers.values():
                wrk(server, load, connections, WARM_UP, folder)
            for _ in range(args.rounds):
                for kind, server in servers.items():
                    run = wrk(server, load, connections, args.duration, folder)
                    runs[kind].append(run)
                    print(
                        f"overview c={connections:<3} {kind:11} {run.rps:8.1f} req/s  "
                        f"p50 {run.p50:7.1f} ms  busiest worker {run.busiest:4.0%}",
                        flush=True,
                    )
    return found


def report_sockets(found: dict[int, dict[str, list[Run]]], args: argparse.Namespace) -> None:
    print()
    print(
        f"GET /fr/overview, wrk -t2, {args.duration} s a run, {args.rounds} run(s) of each, "
        f"interleaved; gunicorn {args.workers} workers × {args.threads} threads; medians"
    )
    print("| connections | own sockets req/s | one socket req/s | own / one | busiest worker, "
          "own sockets (each run) | busiest worker, one socket (each run) |")  # fmt: skip
    print("|" + " --- |" * 6)
    for connections, runs in found.items():
        own = statistics.median(r.rps for r in runs["own sockets"])
        one = statistics.median(r.rps for r in runs["one socket"])
        split = {k: " ".join(f"{r.busiest:.0%}" for r in v) for k, v in runs.items()}
        print(
            f"| {connections} | {own:.0f} | {one:.0f} | {own / one:.2f} | "
            f"{split['own sockets']} | {split['one socket']} |"
        )


def report(figures: dict[tuple[str, int], Figures], args: argparse.Namespace) -> None:
    print()
    print(
        f"wrk -t2, {args.duration} s a run, {args.rounds} run(s) of each, interleaved; gunicorn "
        f"{args.workers} workers × {args.threads} threads; PostgreSQL; medians of the runs"
    )
    head = (
        "| page | connections | engine req/s | bare req/s | engine / bare | engine p50 | "
        "engine p99 | bare p50 | bare p99 | busiest worker | load |"
    )
    print(head)
    print("|" + " --- |" * 11)
    for (name, connections), found in figures.items():

        def mid(runs: list[Run], what: str) -> float:
            return float(statistics.median(getattr(r, what) for r in runs))

        engine_rps, bare_rps = mid(found.engine, "rps"), mid(found.bare, "rps")
        print(
            f"| {name} | {connections} | {engine_rps:.0f} | {bare_rps:.0f} | "
            f"{engine_rps / bare_rps:.2f} | {mid(found.engine, 'p50'):.1f} ms | "
            f"{mid(found.engine, 'p99'):.1f} ms | {mid(found.bare, 'p50'):.1f} ms | "
            f"{mid(found.bare, 'p99'):.1f} ms | "
            f"{max(r.busiest for r in found.engine + found.bare):.0%} | "
            f"{statistics.median(found.load):.1f} |"
        )


def run(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    secret = secrets.token_hex(32)
    with fresh_database(args.admin_url, args.database) as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": secret,
                "BASE_URL": "http://127.0.0.1/",
                "UPLOAD_FOLDER": str(folder / "uploads"),
            }
        )
        services: Services = app.extensions["moncompte"]
        seeded = seed(app, folder / "uploads", max(args.connections))
        with services.db.read() as session:
            emilie = by_email(session, CUSTOMER)
            assert emilie is not None
            owned = session.scalars(
                select(Contract.id).where(Contract.identity_id == emilie.id).order_by(Contract.id)
            ).all()
        services.db.dispose()
        env = {"MONCOMPTE_DATABASE_URL": url, "MONCOMPTE_SECRET_KEY": secret}
        server = Server(env, folder, args.workers, args.threads)
        shared = Server(env, folder, args.workers, args.threads, SHARED) if args.sockets else None
        try:
            server.wait_ready()
            customer = sign_in(server.base, seeded.device_token)
            ask_for_quotes(server.base, customer, list(owned[:2]))
            check_bare_views(server.base, customer, secret, seeded.instances[0], url)
            print(
                f"{len(owned)} contracts; {len(seeded.instances)} registration instances; "
                f"serving on {server.base}; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if shared is not None:
                shared.wait_ready()
                found = compare_sockets(server, shared, customer, args)
            else:
                figures = measure(server, customer, secret, seeded.instances, args)
        finally:
            server.stop()
            if shared is not None:
                shared.stop()
    if shared is not None:
        report_sockets(found, args)
    else:
        report(figures, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--duration", type=int, default=15, help="seconds a measured run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, interleaved")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a database of the server")
    parser.add_argument("--database", default="bench_load", help="created, then dropped")
    parser.add_argument(
        "--sockets",
        action="store_true",
        help="the overview on the workers' own sockets against one shared socket, only",
    )
    run(parser.parse_args())
