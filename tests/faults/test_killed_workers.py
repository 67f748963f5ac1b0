"""Workers killed (kill -9) at random moments while customers take a thousand steps.

Afterwards every instance's state, its audit records, the analysts' hourly counts and the
outbox agree, and every e-mail the steps wrote is delivered, once.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from storage import flow_counts
from storage.models import AuditRecord, FlowCount, FlowInstance, OutboxMessage
from tests.faults.conftest import MONCOMPTE, SECRET, Served
from tests.support import SMTPServer
from web.services import Services

pytestmark = pytest.mark.faults
CUSTOMERS = 500  # two steps each: the form sent (start), then the address (submit)
# A worker is killed in one batch of ten customers out of KILL_EVERY, at a random moment
# of it: the kills follow the steps, however fast the machine takes them.
KILL_EVERY = 4


def ask_for_a_reset(machine: Served, n: int) -> None:
    """One customer asking for a reset link; a step cut short by a killed worker is lost."""
    browser = requests.Session()
    try:
        page = browser.get(f"{machine.base}/fr/password-reset", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            return
        started = browser.post(
            f"{machine.base}/fr/password-reset",
            data={"csrf_token": token.group(1)},
            headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250 + 1}"},
            allow_redirects=False,
            timeout=30,
        )
        step = started.headers.get("Location", "")
        if not step:
            return
        browser.post(
            f"{machine.base}{step}",
            data={
                "csrf_token": token.group(1),
                "state": "request",
                "email": f"client{n}@example.com",
            },
            headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250 + 1}"},
            allow_redirects=False,
            timeout=30,
        )
    except requests.RequestException:
        pass  # the worker died under this request


def kill_one(machine: Served, chance: random.Random, killed: list[int]) -> None:
    workers = machine.workers()
    if workers:
        victim = chance.choice(workers)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)


@pytest.mark.timeout(900)
def test_killed_workers_lose_nothing(
    serve: Callable[..., Served], postgres_url: str, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    smtp_server.messages.clear()
    machine = serve(
        MONCOMPTE_SMTP_URL=smtp_server.url,
        MONCOMPTE_DELIVERY="worker",
        MONCOMPTE_TRUSTED_PROXIES="1",
    )
    delivery = subprocess.Popen(  # noqa: S603 - our own command
        [str(MONCOMPTE), "outbox", "work", "--interval", "0.2"],
        cwd=tmp_path,
        env={
            **os.environ,
            "MONCOMPTE_DATABASE_URL": postgres_url,
            "MONCOMPTE_SMTP_URL": smtp_server.url,
            "MONCOMPTE_SECRET_KEY": SECRET,
            "MONCOMPTE_BASE_URL": machine.base,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    chance, killed = random.Random(7), list[int]()
    customers = [
        threading.Thread(target=ask_for_a_reset, args=(machine, n)) for n in range(CUSTOMERS)
    ]
    for batch in range(0, CUSTOMERS, 10):  # ten customers at a time
        group = customers[batch : batch + 10]
        murderer = None
        if batch // 10 % KILL_EVERY == 0:
            moment = chance.uniform(0.0, 0.3)  # a batch takes about that long
            murderer = threading.Timer(moment, kill_one, args=(machine, chance, killed))
            murderer.start()
        for customer in group:
            customer.start()
        for customer in group:
            customer.join()
        if murderer is not None:
            murderer.join()
    assert len(killed) >= 10, "workers were killed along the way"
    services = Services.build(
        postgres_url, hold_mail=True, base_url=lambda: "http://x/", uploads=tmp_path / "u"
    )
    try:
        check_consistency(services)
        wait_for_delivery(services, smtp_server)
    finally:
        delivery.send_signal(signal.SIGTERM)
        delivery.wait(timeout=30)
        services.db.dispose()


def check_consistency(services: Services) -> None:
    with services.db.read() as session:
        records = list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        instances = {i.id: i for i in session.scalars(select(FlowInstance))}
        counts = {
            tuple(getattr(row, k) for k in flow_counts.KEY): row.count
            for row in session.scalars(select(FlowCount))
        }
        mails = Counter(session.scalars(select(OutboxMessage.instance_id)))
    taken = sum(r.outcome == "taken" for r in records)
    assert taken >= CUSTOMERS, "most of the thousand steps were taken, between the kills"
    # Each instance's state is where its taken transitions lead, nothing more or less.
    reached = {i: "request" for i in instances}
    for record in records:
        if record.outcome == "taken" and record.event != "start":
            assert reached[record.instance_id] == record.source
            reached[record.instance_id] = record.target or ""
    assert reached == {i: row.state for i, row in instances.items()}
    # The hourly counts are the records counted: not one more, not one fewer.
    expected: Counter[tuple[object, ...]] = Counter()
    for record in records:
        for key in flow_counts.keys(record):
            expected[tuple(key[k] for k in flow_counts.KEY)] += 1
    assert counts == dict(expected)
    # Every taken submit wrote its e-mail; no step wrote one without being taken.
    submitted = {r.instance_id for r in records if r.event == "submit" and r.outcome == "taken"}
    assert set(mails) == submitted and set(mails.values()) == {1}


def wait_for_delivery(services: Services, smtp_server: SMTPServer) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with services.db.read() as session:
            waiting = session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status != "sent")
            ).all()
        if not waiting:
            break
        time.sleep(1)
    with services.db.read() as session:
        written = len(session.scalars(select(OutboxMessage.id)).all())
    ids = [str(m["Message-ID"]) for m in smtp_server.messages]
    assert len(ids) == written and len(set(ids)) == written, "each e-mail once, none lost"
