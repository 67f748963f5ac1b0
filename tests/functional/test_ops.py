"""What operators watch: alive, ready, and the counts Prometheus scrapes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask

from tests.factories import PASSWORD
from tests.support import Browser


def test_alive_and_ready(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.text == "ready\n"


def test_not_ready_without_a_current_schema(make_app: Any, tmp_path: Path) -> None:
    empty = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    answer = empty.test_client().get("/readyz")
    assert answer.status_code == 503 and "database" in answer.text


def test_not_ready_when_the_database_does_not_answer(make_app: Any) -> None:
    gone = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test")
    answer = gone.test_client().get("/readyz")
    assert answer.status_code == 503 and "database" in answer.text


def test_redis_is_checked_when_configured(make_app: Any) -> None:
    assert (
        make_app(REDIS_URL="redis://127.0.0.1:6379/0").test_client().get("/readyz").status_code
        == 200
    )
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/readyz")
    assert down.status_code == 503 and "redis" in down.text


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_events_and_reasons(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/metrics")
    before = answer.text
    assert answer.headers["Content-Type"].count("charset") == 1  # Prometheus 3 refuses two
    browser = Browser(app)
    form = browser.get("/fr/register").form()
    form.fill(first_name="Luc", last_name="Côté", email="luc@example.com", password="court")
    form.fill(password_confirm="court").submit()
    form.fill(password=PASSWORD, password_confirm=PASSWORD).submit()
    after = client.get("/metrics").text
    taken = dict(procedure="registration", event="submit", outcome="taken")
    assert metric(after, "moncompte_events_total", **taken) == (
        metric(before, "moncompte_events_total", **taken) + 1
    )
    short = dict(procedure="registration", event="submit", reason="password_too_short")
    assert metric(after, "moncompte_rejections_total", **short) >= 1
    page = dict(route="/<any(fr,en):lang>/register", method="GET", status="200")
    assert metric(after, "moncompte_requests_total", **page) >= 1
    assert "moncompte_request_seconds_bucket" in after
    assert "moncompte_outbox_oldest_seconds" in after


def test_metrics_are_for_this_machine_or_a_bearer_of_the_token(make_app: Any) -> None:
    app = make_app(METRICS_TOKEN="m" * 32)
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    with_token = {"Authorization": "Bearer " + "m" * 32}
    assert client.get("/metrics", environ_base=outside, headers=with_token).status_code == 200
    assert client.get("/metrics").status_code == 200  # loopback
