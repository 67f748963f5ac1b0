"""Shared fixtures: a real database (SQLite file, or PostgreSQL when
MONCOMPTE_TEST_DATABASE_URL is set), the application, a real SMTP server."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from storage import migrate
from storage.models import Base
from tests.support import Browser, SMSGateway, SMTPServer
from web import create_app
from web.ops import worker
from web.services import Services

# Collects the audit records of the whole run: the transition-coverage table and gate.
pytest_plugins = ["tests.transition_coverage"]


# The machine's PostgreSQL, for what only PostgreSQL does (several processes, restarts).
LOCAL_POSTGRES = os.environ.get(
    "CI_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A schema of its own in the database at URL, migrated; dropped afterwards."""
    schema = f"t_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
    migrate.upgrade(scoped)
    try:
        yield scoped
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite, or PostgreSQL when MONCOMPTE_TEST_DATABASE_URL is set (a schema per run, so
    runs never see each other's rows)."""
    url = os.environ.get("MONCOMPTE_TEST_DATABASE_URL")
    if url:
        with postgres_schema(url) as scoped:
            yield scoped
        return
    path = tmp_path_factory.mktemp("db") / "test.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    yield url


@pytest.fixture
def postgres_url(database_url: str) -> Iterator[str]:
    """The suite's PostgreSQL schema, or a fresh one when the suite runs on SQLite."""
    if database_url.startswith("postgresql"):
        empty_database(database_url)
        yield database_url
        return
    with postgres_schema(LOCAL_POSTGRES) as scoped:
        yield scoped


def empty_database(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own table names
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    empty_database(database_url)
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SMTP_URL": None,
            "BASE_URL": None,
            "API_TOKEN": None,
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            **overrides,
        }
        app = create_app(config)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["moncompte"].db.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    made: Flask = make_app()
    return made


@pytest.fixture
def services(app: Flask) -> Services:
    services: Services = app.extensions["moncompte"]
    return services


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app: Any, smtp_server: SMTPServer) -> Iterator[Flask]:
    """The application delivering through a real SMTP server, in the background."""
    smtp_server.messages.clear()
    app = make_app(SMTP_URL=smtp_server.url)
    background = worker(app, interval=0.2).start()
    yield app
    background.stop()


@pytest.fixture
def mail_browser(mail_app: Flask) -> Browser:
    return Browser(mail_app)


@pytest.fixture(scope="session")
def sms_gateway() -> Iterator[SMSGateway]:
    gateway = SMSGateway()
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def sending_app(make_app: Any, smtp_server: SMTPServer, sms_gateway: SMSGateway) -> Iterator[Flask]:
    """The application delivering e-mails through a real SMTP server and text messages to
    a real HTTP endpoint standing in for the SMS gateway, in the background."""
    smtp_server.messages.clear()
    sms_gateway.messages.clear()
    sms_gateway.fail_next = 0
    app = make_app(SMTP_URL=smtp_server.url, SMS_WEBHOOK_URL=sms_gateway.url)
    background = worker(app, interval=0.2).start()
    yield app
    background.stop()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The application on a real socket, for concurrent clients and the browser."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
