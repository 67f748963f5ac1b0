"""Rate limits are shared through Redis; with Redis down they count in-process and say so."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support import Browser


def test_limits_hold_and_the_site_serves_when_redis_is_down(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_ENABLED=True)
    browser = Browser(app)
    statuses = []
    with caplog.at_level(logging.WARNING):
        for _ in range(12):  # registration allows 10 a minute per client
            page = browser.get("/fr/register")
            assert page.status == 200
            statuses.append(
                browser.client.post("/fr/register", data=page.form().values).status_code
            )
    assert statuses[:10] == [303] * 10 and statuses[10:] == [429, 429]
    assert "falling back to in-memory storage" in caplog.text
