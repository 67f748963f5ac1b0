"""A new procedure is its YAML, its model, its templates and its tests: nothing else.

This one lives in a temporary folder laid out as flows/ and is picked up by the pages,
the testers' API, the command line and the analysts' console without a line changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from tests.functional.test_analyst import analyst_of
from tests.support import Browser
from web.cli import main

DEFINITION = """
statechart:
  name: greeting
  states:
    asking:
      initial: true
      transitions:
        - {event: answer, target: greeted, cond: polite, on: remember}
        - {event: expire, target: expired}
    greeted: {final: true}
    expired: {final: true}
procedure:
  label: Greeting
  route: greeting
  display: [name]
  states:
    asking:
      {label: Asking the name, screen: greeting/asking.html, technical: true, expires_after: 1h}
    greeted: {label: Greeted, screen: greeting/greeted.html, technical: true}
    expired: {label: Expired, screen: flow_expired.html, technical: true}
  events:
    answer:
      label: Answer
      fields:
        name: {type: name, required: true, audit: plain}
    expire: {label: Expire, system: true}
  guards:
    polite: {label: The name is not rude, reasons: [invalid], reads: [name]}
"""
MODEL = """
from flows.model import FlowModel


class Greeting(FlowModel):
    def polite(self, data):
        return data["name"] != "Grumpy" or self.reject("name", "invalid")

    def remember(self, data):
        self.data["name"] = data["name"]


MODEL = Greeting
"""
ASKING = """{% extends "base.html" %}
{% from "macros.html" import field, csrf %}
{% block content %}<h1>What is your name?</h1>
<form method="post" action="{{ action }}">{{ csrf(state) }}
{{ field("name", "Name", errors, values) }}<button type="submit">Answer</button></form>
{% endblock %}"""
GREETED = """{% extends "base.html" %}{% block content %}<h1>Hello {{ display.name }}</h1>
{% endblock %}"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for relative, text in {
        "definitions/greeting.yaml": DEFINITION,
        "procedures/greeting.py": MODEL,
        "templates/greeting/asking.html": ASKING,
        "templates/greeting/greeted.html": GREETED,
    }.items():
        path = tmp_path / "flows" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "flows"


@pytest.fixture
def toy_app(make_app: object, folder: Path) -> Flask:
    app: Flask = make_app(FLOW_FOLDERS=[str(folder)], API_TOKEN="t" * 32)  # type: ignore[operator]
    return app


def test_its_pages(toy_app: Flask) -> None:
    browser = Browser(toy_app)
    asking = browser.get("/fr/greeting")
    assert asking.h1 == "What is your name?"
    refused = asking.form(-1).fill(name="Grumpy").submit()
    assert refused.field_errors == {"name": "Cette valeur n'est pas valide."}
    greeted = refused.form(-1).fill(name="Émilie").submit()
    assert greeted.h1 == "Hello Émilie"


def test_the_api_drives_it(toy_app: Flask) -> None:
    client = toy_app.test_client()
    auth = {"Authorization": "Bearer " + "t" * 32}
    listed = client.get("/api/v1/definitions", headers=auth).json
    assert listed is not None and "greeting" in [d["name"] for d in listed["definitions"]]
    started = client.post("/api/v1/flows", json={"flow": "greeting"}, headers=auth).json
    assert started is not None
    sent = client.post(
        f"/api/v1/flows/{started['id']}/events",
        json={"event": "answer", "data": {"name": "Luc"}},
        headers=auth,
    )
    assert sent.status_code == 200 and sent.json is not None
    assert sent.json["state"] == "greeted"


def test_the_command_line_lists_and_drives_it(toy_app: Flask) -> None:
    runner = toy_app.test_cli_runner()
    listed = json.loads(runner.invoke(main, ["flows", "list", "--json"]).output)
    assert "greeting" in [d["name"] for d in listed]
    started = json.loads(runner.invoke(main, ["flows", "start", "greeting", "--json"]).output)
    sent = runner.invoke(main, ["flows", "send", started["id"], "answer", "name=Luc", "--json"])
    assert sent.exit_code == 0 and json.loads(sent.output)["snapshot"]["state"] == "greeted"


def test_the_analysts_see_it(toy_app: Flask) -> None:
    analyst = analyst_of(toy_app)
    assert "Greeting" in analyst.get("/staff/flows").text
    page = analyst.get("/staff/flows/greeting")
    assert page.status == 200 and "Asking the name" in page.text
    svg = analyst.client.get("/staff/flows/greeting/diagram.svg")
    assert svg.status_code == 200 and b"Asking the name" in svg.data
