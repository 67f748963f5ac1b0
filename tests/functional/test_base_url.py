"""E-mailed links never follow a request's Host header.

Outside development the site refuses to start without MONCOMPTE_BASE_URL; in
development (links built from the request) it answers only loopback host names.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask

from storage.models import FlowInstance, OutboxMessage
from tests.factories import identity
from tests.support import SMTPServer, body_text
from web.cli import main
from web.config import ConfigurationError
from web.ops import worker
from web.services import Services

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "jean.t@example.com"


def ask_reset(app: Flask, host: str) -> int:
    """Ask for a password reset with HOST in the Host header; the answer's status."""
    client = app.test_client()
    base = f"http://{host}"
    page = client.get("/fr/password-reset", base_url=base)
    if page.status_code != 200:
        return page.status_code
    field = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
        "input", attrs={"name": "csrf_token"}
    )
    assert isinstance(field, Tag)
    data = {"csrf_token": str(field["value"]), "email": EMAIL}
    return client.post("/fr/password-reset", data=data, base_url=base).status_code


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000", "10.0.0.8"])
def test_development_answers_no_other_host(app: Flask, services: Services, host: str) -> None:
    identity(services, EMAIL)
    assert ask_reset(app, host) == 400
    with services.db.read() as session:
        assert session.query(OutboxMessage).count() == 0
        assert session.query(FlowInstance).count() == 0


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000"])
def test_development_links_lead_to_this_machine(app: Flask, services: Services, host: str) -> None:
    identity(services, EMAIL)
    assert ask_reset(app, host) == 303
    with services.db.read() as session:
        message = session.query(OutboxMessage).one()
    assert message.extras["link"].startswith(f"http://{host}/fr/password-reset/link/")


def test_with_a_base_url_links_ignore_the_host_header(
    make_app: Any, smtp_server: SMTPServer
) -> None:
    smtp_server.messages.clear()
    app: Flask = make_app(BASE_URL="https://moncompte.example.ca", SMTP_URL=smtp_server.url)
    background = worker(app, interval=0.2).start()
    try:
        identity(app.extensions["moncompte"], EMAIL)
        assert ask_reset(app, "attacker.example") == 303
        text = body_text(smtp_server.wait_for(EMAIL)[0])
    finally:
        background.stop()
    assert "https://moncompte.example.ca/fr/password-reset/link/" in text
    assert "attacker.example" not in text


@pytest.mark.parametrize(
    "config",
    [
        {"SMTP_URL": "smtp://mail.example.com:25"},
        {"SMTP_URL": "smtp+starttls://u:p@10.1.2.3:587"},
        {"SMS_WEBHOOK_URL": "https://sms.example.com/send"},
        {"BASE_URL": "moncompte.example.ca"},
    ],
    ids=["smtp", "smtp-address", "sms", "not-a-url"],
)
def test_refuses_to_start_outside_development_without_a_base_url(
    make_app: Any, config: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError, match="MONCOMPTE_BASE_URL"):
        make_app(**config)


def test_moncompte_run_refuses_a_public_address_without_a_base_url(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["run", "--host", "0.0.0.0"])  # noqa: S104
    assert result.exit_code == 1
    assert "MONCOMPTE_BASE_URL is required to serve on 0.0.0.0" in result.output


def run(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MONCOMPTE_")}
    clean.update(
        MONCOMPTE_DATABASE_URL=f"sqlite:///{tmp_path / 'site.db'}",
        MONCOMPTE_SECRET_KEY="test-secret-key",
        **env,
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_server_and_the_command_refuse_to_start(tmp_path: Path) -> None:
    served = run("import web.wsgi", {}, tmp_path)
    assert served.returncode != 0
    assert "MONCOMPTE_BASE_URL is required to serve with gunicorn" in served.stderr
    command = run(
        "from web.cli import main; main(['outbox', 'list'])",
        {"MONCOMPTE_SMTP_URL": "smtp://mail.example.com:25"},
        tmp_path,
    )
    assert command.returncode == 1
    assert "Error: MONCOMPTE_BASE_URL is required" in command.stderr
