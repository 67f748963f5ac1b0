"""MONCOMPTE_TRUSTED_PROXIES: behind a reverse proxy the site sees each client's address;
without it (the default) no client can claim an address with X-Forwarded-For."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Browser
from web.config import ConfigurationError

CLIENT = "203.0.113.9"


def forwarded(address: str) -> dict[str, Any]:
    """A request as a proxy on this machine passes it on for ADDRESS."""
    return {
        "headers": {"X-Forwarded-For": address},
        "environ_base": {"REMOTE_ADDR": "127.0.0.1"},
    }


def test_the_development_mailbox_sees_the_client_behind_the_proxy(make_app: Any) -> None:
    behind = make_app(TRUSTED_PROXIES=1).test_client()
    assert behind.get("/dev/mailbox", **forwarded(CLIENT)).status_code == 404
    assert behind.get("/dev/mailbox", **forwarded("127.0.0.1")).status_code == 200
    # Two hops claimed, one proxy trusted: only the address the proxy saw counts.
    spoofed = forwarded(f"127.0.0.1, {CLIENT}")
    assert behind.get("/dev/mailbox", **spoofed).status_code == 404


def test_off_by_default_no_client_picks_its_address(make_app: Any) -> None:
    direct = make_app().test_client()
    answer = direct.get(
        "/dev/mailbox",
        headers={"X-Forwarded-For": "127.0.0.1"},
        environ_base={"REMOTE_ADDR": CLIENT},
    )
    assert answer.status_code == 404


def sign_in_attempts(browser: Browser, address: str, count: int) -> list[int]:
    token = browser.get("/fr/login").form().values["csrf_token"]
    data = {"csrf_token": token, "email": "x@example.com", "password": "wrong password!"}
    return [
        browser.client.post("/fr/login", data=data, **forwarded(address)).status_code
        for _ in range(count)
    ]


def test_rate_limits_count_each_client_behind_the_proxy(make_app: Any) -> None:
    browser = Browser(make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1))
    assert sign_in_attempts(browser, CLIENT, 21)[-1] == 429
    assert sign_in_attempts(browser, "198.51.100.4", 1) == [303]


def test_without_trusted_proxies_the_proxy_is_one_client(make_app: Any) -> None:
    browser = Browser(make_app(RATELIMIT_ENABLED=True))
    assert sign_in_attempts(browser, CLIENT, 21)[-1] == 429
    assert sign_in_attempts(browser, "198.51.100.4", 1) == [429]


def test_read_from_the_environment(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONCOMPTE_TRUSTED_PROXIES", "2")
    behind = make_app().test_client()
    # The client, then the first proxy (on this machine too): the client is two hops away.
    two_hops = forwarded(f"{CLIENT}, 127.0.0.1")
    assert behind.get("/dev/mailbox", **two_hops).status_code == 404
    assert (
        make_app(TRUSTED_PROXIES=1).test_client().get("/dev/mailbox", **two_hops).status_code == 200
    )
    monkeypatch.setenv("MONCOMPTE_TRUSTED_PROXIES", "two")
    with pytest.raises(ConfigurationError, match="MONCOMPTE_TRUSTED_PROXIES"):
        make_app()
