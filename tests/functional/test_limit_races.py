"""Security limits under simultaneous requests, through the site's HTTP surface on
PostgreSQL (SQLite serialises every writer and would hide a race): however many tries
arrive at the same moment, exactly the limit is taken (SECURITY.md)."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import requests
from flask import Flask
from redis import Redis
from sqlalchemy import func, select
from werkzeug.serving import make_server

from storage.devices import DeviceChallenge, IdentityCheck
from storage.models import FlowInstance, OutboxMessage
from tests.factories import PASSWORD, contract, identity
from tests.paths.account_association import number_of, vin_of
from web.services import Services

VICTIM_PHONE = "+15145550199"


class Site:
    """The application on a real socket, on PostgreSQL, and its services."""

    def __init__(self, app: Flask, base: str) -> None:
        self.app = app
        self.base = base
        self.services: Services = app.extensions["moncompte"]

    def count(self, query: Any) -> int:
        with self.services.db.read() as session:
            return int(session.scalar(query) or 0)

    def sms_to(self, phone: str) -> int:
        return self.count(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.channel == "sms", OutboxMessage.recipient == phone
            )
        )


class Client:
    """One browser: its own cookies and CSRF token."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.http = requests.Session()
        self.token = ""

    def get(self, path: str) -> requests.Response:
        page = self.http.get(self.site.base + path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if found:
            self.token = found.group(1)
        return page

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        if not self.token:
            self.get(path)
        body = {**data, "csrf_token": self.token}
        return self.http.post(self.site.base + path, data=body, allow_redirects=False)

    def sign_in(self, email: str) -> requests.Response:
        answer = self.post("/fr/login", {"email": email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        return answer


def at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Send every call at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(calls))
    answers: list[requests.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


@contextmanager
def serving(app: Flask) -> Iterator[Site]:
    """APP on a real socket, a thread for each request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def site(make_app: Any, postgres_url: str) -> Iterator[Site]:
    with serving(make_app(DATABASE_URL=postgres_url)) as served:
        yield served


def customer(site: Site) -> tuple[int, str]:
    """A signed-up MINI ID with nothing linked: its id and address."""
    email = f"client.{secrets.token_hex(4)}@example.com"
    return identity(site.services, email), email


def victim_contract(site: Site, owner: int) -> int:
    """OWNER's contract of record, not linked yet, with the victim's phone."""
    return contract(
        site.services,
        f"PR-V{owner:08d}",
        vin=vin_of(owner),
        customer_number=number_of(owner),
        phone=VICTIM_PHONE,
    )


def by_number(owner: int, last_name: str = "Tremblay") -> dict[str, str]:
    number = number_of(owner)
    return {"method": "customer_number", "first_name": "Jean", "last_name": last_name,
            "customer_number": number}  # fmt: skip


def failures(site: Site, **where: Any) -> int:
    query = select(func.count(IdentityCheck.id)).where(IdentityCheck.matched.is_(False))
    for column, value in where.items():
        query = query.where(getattr(IdentityCheck, column) == value)
    return site.count(query)


@pytest.mark.parametrize("redis_url", [None, "redis://127.0.0.1:6379/0"], ids=["memory", "redis"])
def test_twenty_five_simultaneous_registrations_from_one_address_start_ten(
    make_app: Any, postgres_url: str, redis_url: str | None
) -> None:
    prefix = f"test-{secrets.token_hex(4)}"  # this run's buckets alone
    app = make_app(
        DATABASE_URL=postgres_url,
        RATELIMIT_ENABLED=True,
        REDIS_URL=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    with serving(app) as site:
        browsers = [Client(site) for _ in range(25)]
        for browser in browsers:
            browser.get("/fr/register")  # reading the form is never throttled
        answers = at_once([partial(b.post, "/fr/register", {}) for b in browsers])
        statuses = sorted(a.status_code for a in answers)
        # Registration's limit is 10 a minute for one client address: exactly that.
        assert statuses == [303] * 10 + [429] * 15
        started = select(func.count(FlowInstance.id)).where(FlowInstance.flow == "registration")
        assert site.count(started) == 10
    if redis_url:  # counted in Redis, not in the fallback: then cleared
        redis = Redis.from_url(redis_url)
        kept = list(redis.scan_iter(match=f"*{prefix}*"))
        assert kept
        redis.delete(*kept)


def test_twelve_simultaneous_verifications_of_one_mini_id_count_three(site: Site) -> None:
    owner = identity(site.services, "jean.t@example.com")
    victim_contract(site, owner)
    browser = Client(site)
    browser.sign_in("jean.t@example.com")
    wrong = {**by_number(owner), "customer_number": "MM0000000"}
    answers = at_once([partial(browser.post, "/fr/link-account", wrong) for _ in range(12)])
    assert {a.status_code for a in answers} == {303}
    assert failures(site, identity_id=owner) == 3  # the limit, and not one more
    # The right details, now: verification stays locked.
    locked = browser.post("/fr/link-account", by_number(owner))
    page = browser.get(locked.headers["Location"])
    assert "Nous n'avons pas pu vérifier votre identité" in page.text
    assert failures(site, identity_id=owner) == 3


def test_many_mini_ids_at_once_fail_one_contract_five_times_then_it_is_locked(
    site: Site,
) -> None:
    holder = identity(site.services, "viviane@example.com")
    contract_id = victim_contract(site, holder)
    browsers = []
    for _ in range(8):
        _, email = customer(site)
        browsers.append(Client(site))
        browsers[-1].sign_in(email)
    wrong = by_number(holder, last_name="Victime")
    at_once([partial(b.post, "/fr/link-account", wrong) for b in browsers])
    assert failures(site, contract_id=contract_id) == 5
    # Whoever comes next with the right details meets the lock, with the same words.
    _, email = customer(site)
    late = Client(site)
    late.sign_in(email)
    page = late.get(late.post("/fr/link-account", by_number(holder)).headers["Location"])
    assert "Nous n'avons pas pu vérifier votre identité" in page.text
    assert site.sms_to(VICTIM_PHONE) == 0


def at_channel_choice(site: Site, browser: Client, owner: int) -> str:
    """Identify as OWNER's contract holder: the instance now offers to send a code."""
    answer = browser.post("/fr/link-account", by_number(owner))
    step = str(answer.headers["Location"])
    assert "Autoriser cet appareil" in browser.get(step).text
    return step.removeprefix(site.base)


def test_fifteen_simultaneous_code_requests_of_one_mini_id_send_one(site: Site) -> None:
    owner = identity(site.services, "jean.t@example.com")
    victim_contract(site, owner)
    browser = Client(site)
    browser.sign_in("jean.t@example.com")
    steps = [at_channel_choice(site, browser, owner) for _ in range(15)]
    send = {"channel": "sms", "event": "send_code"}
    at_once([partial(browser.post, s, send) for s in steps])
    assert site.count(select(func.count(DeviceChallenge.id))) == 1  # 60 s apart
    assert site.sms_to(VICTIM_PHONE) == 1


def test_codes_to_one_phone_stop_at_five_an_hour_and_ten_a_day_whoever_asks(
    site: Site,
) -> None:
    holder = identity(site.services, "viviane@example.com")
    victim_contract(site, holder)
    send = {"channel": "sms", "event": "send_code"}
    for hour, expected in ((0, 5), (1, 10), (2, 10)):
        site.services.clock.advance(timedelta(hours=hour and 1, minutes=hour and 1))
        browsers, steps = [], []
        for _ in range(8):  # each a MINI ID of its own, each knowing the victim's details
            _, email = customer(site)
            browsers.append(Client(site))
            browsers[-1].sign_in(email)
            steps.append(at_channel_choice(site, browsers[-1], holder))
        pairs = zip(browsers, steps, strict=True)
        answers = at_once([partial(b.post, s, send) for b, s in pairs])
        assert {a.status_code for a in answers} == {303}
        assert site.sms_to(VICTIM_PHONE) == expected
    # Refused for the phone's sake: the page says what it says of any MINI ID's limit.
    page = browsers[0].get(steps[0])
    assert "Trop de codes ont été envoyés. Réessayez plus tard." in page.text


def test_twelve_simultaneous_reset_requests_mail_one_address_five_times(site: Site) -> None:
    identity(site.services, "jean.t@example.com")
    browsers = [Client(site) for _ in range(12)]
    form = {"email": "jean.t@example.com"}
    answers = at_once([partial(b.post, "/fr/password-reset", form) for b in browsers])
    assert {a.status_code for a in answers} == {303}
    mails = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == "jean.t@example.com"
    )
    assert site.count(mails) == 5  # an hour's share, and not one more
