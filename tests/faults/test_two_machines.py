"""Two machines (two gunicorn masters) on one PostgreSQL and one Redis."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from storage.models import AuditRecord
from tests.factories import PASSWORD, identity
from tests.faults.conftest import Served
from web.services import Services

pytestmark = pytest.mark.faults
Serve = Callable[..., Served]


def csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has a form"
    return found.group(1)


def engine_on(url: str, tmp_path: Path) -> Services:
    return Services.build(
        url, hold_mail=True, base_url=lambda: "http://x/", uploads=tmp_path / "uploads"
    )


def test_a_session_opened_on_one_machine_works_on_the_other(
    serve: Serve, postgres_url: str, tmp_path: Path
) -> None:
    one, two = serve(), serve()
    services = engine_on(postgres_url, tmp_path)
    identity(services, "jean.t@example.com")
    browser = requests.Session()
    form = browser.get(f"{one.base}/fr/login")
    signed = browser.post(
        f"{one.base}/fr/login",
        data={"csrf_token": csrf(form), "email": "jean.t@example.com", "password": PASSWORD},
        allow_redirects=False,
    )
    assert signed.status_code == 303
    elsewhere = browser.get(f"{two.base}/fr/overview", allow_redirects=False)
    assert elsewhere.status_code == 200 and "Jean" in elsewhere.text
    services.db.dispose()


def test_the_per_client_limits_are_shared(serve: Serve) -> None:
    one, two = serve(), serve()
    browser = requests.Session()
    token = csrf(browser.get(f"{one.base}/fr/register"))
    statuses = []
    for n in range(12):  # registration: 10 a minute per client address
        machine = (one, two)[n % 2]
        answer = browser.post(
            f"{machine.base}/fr/register", data={"csrf_token": token}, allow_redirects=False
        )
        statuses.append(answer.status_code)
    assert statuses == [303] * 10 + [429] * 2


def test_fifty_concurrent_submissions_across_machines_take_one_transition(
    serve: Serve, postgres_url: str, tmp_path: Path
) -> None:
    # Behind a load balancer (one trusted proxy), fifty clients' addresses.
    one, two = serve(MONCOMPTE_TRUSTED_PROXIES="1"), serve(MONCOMPTE_TRUSTED_PROXIES="1")
    browser = requests.Session()
    token = csrf(browser.get(f"{one.base}/fr/register"))
    started = browser.post(
        f"{one.base}/fr/register", data={"csrf_token": token}, allow_redirects=False
    )
    step = started.headers["Location"]
    data = {
        "csrf_token": token,
        "state": "details",
        "first_name": "Rapide",
        "last_name": "Doigt",
        "email": "race@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def submit(n: int) -> None:
        client = requests.Session()
        client.cookies.update(browser.cookies)
        machine = (one, two)[n % 2]
        headers = {"X-Forwarded-For": f"10.0.0.{n + 1}"}
        barrier.wait()
        answer = client.post(
            f"{machine.base}{step}", data=data, headers=headers, allow_redirects=False
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 50
    services = engine_on(postgres_url, tmp_path)
    with services.db.read() as session:
        outcomes = list(
            session.scalars(select(AuditRecord.outcome).where(AuditRecord.event == "submit"))
        )
    services.db.dispose()
    assert outcomes.count("taken") == 1 and outcomes.count("not_allowed") == 49
