"""``moncompte flows``: procedures, diagrams, and instances driven from the shell."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flows.registry import Registry
from storage.identities import by_email
from storage.models import FlowInstance
from tests.factories import PASSWORD
from tests.support import token_of
from web.cli import main
from web.services import Services

KNOWN = ", ".join(sorted(d.name for d in Registry()))
DETAILS = [
    "first_name=Émilie",
    "last_name=Gagnon",
    "email=emilie@example.com",
    f"password={PASSWORD}",
    f"password_confirm={PASSWORD}",
]


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(main, list(args))
    return result.exit_code, result.output


def run_json(app: Flask, *args: str) -> Any:
    code, output = run(app, *args, "--json")
    assert code == 0, output
    return json.loads(output)


def start(app: Flask, *args: str) -> str:
    return str(run_json(app, "flows", "start", "registration", *args)["id"])


def link_token(app: Flask, address: str) -> str:
    [newest, *_] = run_json(app, "outbox", "list", "--to", address)
    return token_of(str(newest["extras"]["link"]))


def test_list_the_procedures(app: Flask) -> None:
    code, output = run(app, "flows", "list")
    assert code == 0
    assert "registration  version " in output
    assert "states: details, awaiting_activation, activated, expired" in output
    assert "events: submit, activate, resend, expire" in output
    listed = {d["name"]: d for d in run_json(app, "flows", "list")}
    assert set(listed) == {d.name for d in Registry()}
    assert len(listed["registration"]["version"]) == 12


def test_diagrams_in_every_format(app: Flask, tmp_path: Path) -> None:
    code, mermaid = run(app, "flows", "diagram", "registration", "--format", "mermaid")
    assert code == 0 and mermaid.startswith("stateDiagram-v2")
    assert "awaiting_activation --> activated : Activer maintenant [Le lien" in mermaid
    code, table = run(app, "flows", "diagram", "registration", "--format", "md", "--lang", "en")
    assert code == 0 and "| Registration form | Register | The names are given" in table
    code, dot = run(app, "flows", "diagram", "registration", "--format", "dot")
    assert code == 0 and dot.startswith("digraph registration {")
    target = tmp_path / "registration.svg"
    code, output = run(
        app,
        "flows",
        "diagram",
        "registration",
        "--format",
        "svg",
        "--lang",
        "en",
        "-o",
        str(target),
    )
    assert code == 0 and output == f"Wrote {target}\n"
    svg = target.read_text()
    assert "<svg" in svg and "Activation e-mail sent" in svg


def test_a_diagram_of_nothing_is_an_error(app: Flask) -> None:
    code, output = run(app, "flows", "diagram", "nope")
    assert code == 2 and "No procedure 'nope'. Known: " + KNOWN + "." in output
    code, output = run(app, "flows", "diagram", "registration", "--format", "png")
    assert code == 2 and "Invalid value for '--format'" in output


def test_registration_finished_from_the_shell(app: Flask, services: Services) -> None:
    code, output = run(app, "flows", "start", "registration")
    assert code == 0 and "State      details" in output and "Events     submit" in output
    instance = output.split()[1]

    code, output = run(app, "flows", "send", instance, "submit", *DETAILS)
    assert code == 0
    assert "Taken: submit; the instance is now in state awaiting_activation." in output

    token = link_token(app, "emilie@example.com")
    sent = run_json(app, "flows", "send", instance, "activate", f"token={token}")
    assert sent["outcome"] == "taken" and sent["errors"] == {}
    assert sent["snapshot"]["state"] == "activated" and sent["snapshot"]["final"]

    shown = run_json(app, "flows", "show", instance)
    assert shown["state"] == "activated" and shown["allowed_events"] == []
    history = run_json(app, "flows", "history", instance)
    assert [(h["event"], h["actor"]) for h in history] == [
        ("start", "cli"),
        ("submit", "cli"),
        ("activate", "cli"),
    ]
    code, output = run(app, "flows", "history", instance)
    assert "cli      activate     taken       awaiting_activation → activated" in output
    with services.db.read() as session:
        identity = by_email(session, "emilie@example.com")
        assert identity is not None and identity.status == "active"


def test_a_rejection_exits_1_with_the_reasons(app: Flask) -> None:
    instance = start(app)
    short = ["password=short", "password_confirm=short"]
    code, output = run(app, "flows", "send", instance, "submit", *DETAILS[:3], *short)
    assert code == 1
    assert output == (
        "Rejected: submit; the instance stays in state details.\n"
        "  password: Use at least 12 characters. [password_too_short]\n"
    )
    code, output = run(app, "flows", "send", instance, "submit", "--json")
    assert code == 1
    assert json.loads(output)["errors"]["email"] == {
        "reason": "required",
        "message": "This field is required.",
    }


def test_not_allowed_and_expired_exit_1(app: Flask, services: Services) -> None:
    instance = start(app)
    code, output = run(app, "flows", "send", instance, "activate", "token=x")
    assert code == 1
    assert output == "Not allowed: activate in state details. Allowed: submit.\n"
    services.clock.advance(timedelta(hours=3))
    code, output = run(app, "flows", "send", instance, "submit", *DETAILS)
    assert code == 1
    assert output == "Expired: the instance ran out of time and is now in state expired.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["flows", "start", "nope"],
            "No procedure 'nope'. Known: " + KNOWN + ".",
        ),
        (["flows", "start", "registration", "--customer", "x@example.com"], "No MINI ID has"),
        (["flows", "show", "nope"], "No instance 'nope'."),
        (["flows", "history", "nope"], "No instance 'nope'."),
        (["flows", "send", "nope", "submit"], "No instance 'nope'."),
        (["flows", "send", "nope", "submit", "first_name"], "give data as key=value"),
        (["flows", "send", "nope", "submit", "=x"], "give data as key=value"),
        (["flows", "send"], "Missing argument"),
    ],
)
def test_a_wrong_command_exits_2(app: Flask, args: list[str], message: str) -> None:
    code, output = run(app, *args)
    assert code == 2 and message in output


def test_an_instance_started_for_a_customer(app: Flask, services: Services) -> None:
    instance = start(app)
    run(app, "flows", "send", instance, "submit", *DETAILS)
    run(
        app, "flows", "send", instance, "activate", f"token={link_token(app, 'emilie@example.com')}"
    )
    mine = start(app, "--customer", "EMILIE@example.com", "--language", "en")
    with services.db.read() as session:
        row = session.get(FlowInstance, mine)
        identity = by_email(session, "emilie@example.com")
        assert row is not None and identity is not None
        assert row.customer_id == identity.id and row.language == "en"
