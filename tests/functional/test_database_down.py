"""When the database does not answer: 503 in the customer's language, and back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import make_url

from storage import db
from tests.support import TcpProxy

# Nothing listens on port 1: the database "does not answer".
GONE = "postgresql+psycopg://postgres@127.0.0.1:1/test"
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/fr/register", "Mon Compte MINI est indisponible pour un moment"),
        ("/en/register", "Mon Compte MINI is unavailable for a moment"),
        ("/fr/overview", "Mon Compte MINI est indisponible pour un moment"),
    ],
)
def test_pages_answer_503_in_the_customers_language(make_app: Any, path: str, title: str) -> None:
    app = make_app(DATABASE_URL=GONE, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    client.set_cookie("session", "x" * 43)  # a session cookie makes it ask the database
    answer = client.get(path)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert title in answer.text


def test_the_api_answers_503_in_json(make_app: Any) -> None:
    token = "t" * 32
    app = make_app(DATABASE_URL=GONE, API_TOKEN=token, PROPAGATE_EXCEPTIONS=False)
    answer = app.test_client().post(
        "/api/v1/flows", json={"flow": "registration"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 503 and answer.json is not None
    assert answer.json["error"] == "unavailable"


@pytest.fixture
def proxied(make_app: Any, postgres_url: str) -> Iterator[tuple[FlaskClient, TcpProxy]]:
    """The site on PostgreSQL through a relay the test cuts as a restart would."""
    parts = make_url(postgres_url)
    proxy = TcpProxy(parts.host or "127.0.0.1", parts.port or 5432).start()
    through = parts.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = make_app(DATABASE_URL=through, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)
    try:
        yield app.test_client(), proxy
    finally:
        proxy.stop()


def test_a_database_restart_is_survived_without_restarting_the_site(
    proxied: tuple[FlaskClient, TcpProxy],
) -> None:
    client, proxy = proxied
    assert client.get("/readyz").status_code == 200
    assert client.post("/fr/register", data={}).status_code == 303  # a step: writes
    proxy.stop()  # the database restarts: every connection drops
    down = client.post("/fr/register", data={})
    assert down.status_code == 503 and "indisponible" in down.text
    assert client.get("/readyz").status_code == 503
    proxy.start()  # back
    assert client.get("/readyz").status_code == 200
    assert client.post("/fr/register", data={}).status_code == 303


def test_a_connection_idle_through_a_restart_is_replaced_unseen(
    proxied: tuple[FlaskClient, TcpProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, proxy = proxied
    assert client.post("/fr/register", data={}).status_code == 303
    proxy.stop()  # the database restarts while the site is quiet
    proxy.start()
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # as if it had been quiet a while
    assert client.post("/fr/register", data={}).status_code == 303
    assert client.get("/readyz").status_code == 200
