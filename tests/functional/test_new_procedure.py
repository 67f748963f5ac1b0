"""A new procedure is its YAML, its model, its templates and its tests: nothing else.

Two live in a temporary folder laid out as flows/ and are picked up without a line
changed elsewhere: a visitor's (greeting), and a customer's with a staff event, an e-mail
and a reason code of its own (callback): the customers' pages, the staff console, the
testers' API, the command line and the analysts' console all serve them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import identity, staff_member
from tests.functional.test_agents import staff_signed_in
from tests.functional.test_analyst import analyst_of
from tests.functional.test_overview import signed_in
from tests.support import Browser, outbox
from web.cli import main
from web.services import Services

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
    def polite(self, fields):
        return fields["name"] != "Grumpy" or self.reject("name", "invalid")

    def remember(self, fields):
        self.memory["name"] = fields["name"]


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


# A customer asks to be called back, in the morning or the afternoon (never at night: a
# reason code of its own); an agent calls and says so (a staff event, on the staff
# console); the customer is told by e-mail.
CALLBACK = """
statechart:
  name: callback
  states:
    asking:
      initial: true
      transitions:
        - {event: ask, target: waiting, cond: reasonable_time, on: keep_time}
        - {event: expire, target: expired}
    waiting:
      transitions:
        - {event: call_back, target: called, on: tell_customer}
    called: {final: true}
    expired: {final: true}
procedure:
  label: Call me back
  route: callback
  audience: customer
  display: [time, note]
  staff_screen: callback/staff.html
  states:
    asking: {label: Asking for a call, screen: callback/asking.html, technical: true}
    waiting:
      {label: Waiting for the call, status: We will call you, screen: callback/waiting.html,
       technical: true}
    called: {label: Called back, screen: callback/waiting.html, technical: true}
    expired: {label: Expired, screen: flow_expired.html, technical: true}
  events:
    ask:
      label: Ask for a call
      fields:
        time: {type: choice, choices: [morning, afternoon, night], required: true, audit: plain}
    call_back:
      label: Say the customer was called
      by: [agent]
      fields:
        note: {type: string, required: true, max_length: 200, audit: plain}
    expire: {label: Expire, system: true}
  guards:
    reasonable_time: {label: Not at night, reasons: [night_call], reads: [time]}
  reasons:
    night_call: We do not call at night.
"""
CALLBACK_MODEL = """
from flows.model import FlowModel
from storage.models import Identity


class Callback(FlowModel):
    def reasonable_time(self, fields):
        return fields["time"] != "night" or self.reject("time", "night_call")

    def keep_time(self, fields):
        self.memory["time"] = fields["time"]

    def tell_customer(self, fields):
        self.memory["note"] = fields["note"]
        customer = self.ctx.session.get(Identity, self.ctx.customer_id)
        self.mail("callback/email_called", customer.email, {"note": fields["note"]})


MODEL = Callback
"""
CALLBACK_TEMPLATES = {
    "asking.html": """{% extends "base.html" %}
{% from "macros.html" import csrf, notice as show_notice %}
{% block content %}<h1>When may we call?</h1>{{ show_notice(notice) }}
{% if errors.time %}<p class="error">{{ reason_message(errors.time) }}</p>{% endif %}
<form method="post" action="{{ action }}">{{ csrf(state) }}
<select name="time">
<option>morning</option><option>afternoon</option><option>night</option></select>
<button type="submit">Ask</button></form>{% endblock %}""",
    "waiting.html": """{% extends "base.html" %}{% block content %}
<h1>{{ _(definition.status_of(state.id)) }}</h1><p>{{ display.time }}</p>{% endblock %}""",
    "staff.html": """{% extends "staff/base.html" %}{% block content %}
<h1>Call {{ display.time }}</h1>{% if notice %}<p class="error">{{ notice }}</p>{% endif %}
{% if "call_back" in snapshot.allowed_events %}
<form method="post" action="{{ action }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input name="note"><button type="submit" name="event" value="call_back">Called</button></form>
{% else %}<p>Called: {{ display.note }}</p>{% endif %}{% endblock %}""",
    "email_called.txt": """{% block subject %}We called you{% endblock %}
{% block text %}We called you back: {{ note }}{% endblock %}""",
    "email_called.html": """{% extends "email/layout.html" %}{% block body %}
<p>We called you back: {{ note }}</p>{% endblock %}""",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for relative, text in {
        "definitions/greeting.yaml": DEFINITION,
        "procedures/greeting.py": MODEL,
        "templates/greeting/asking.html": ASKING,
        "templates/greeting/greeted.html": GREETED,
        "definitions/callback.yaml": CALLBACK,
        "procedures/callback.py": CALLBACK_MODEL,
        **{f"templates/callback/{name}": text for name, text in CALLBACK_TEMPLATES.items()},
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


AGENT = "agent@servicesfinanciersmini.ca"


def test_a_customers_procedure_with_a_staff_event_an_email_and_a_reason_of_its_own(
    toy_app: Flask,
) -> None:
    services: Services = toy_app.extensions["moncompte"]
    identity(services)
    staff_member(services, AGENT, role="agent")
    # The customer's pages: the procedure's own reason, then its status word.
    customer = signed_in(toy_app)
    asking = customer.get("/en/callback")
    assert asking.h1 == "When may we call?"
    refused = asking.form(-1).fill(time="night").submit()
    assert "We do not call at night." in refused.text
    waiting = refused.form(-1).fill(time="morning").submit()
    assert waiting.h1 == "We will call you"
    instance = waiting.path.rsplit("/", 1)[1]
    # The staff console: the agent's event on the procedure's staff screen.
    agent = staff_signed_in(toy_app, AGENT)
    page = agent.get(f"/staff/instances/{instance}")
    assert page.h1 == "Call morning"
    called = page.form(-1).fill(note="At 9:30").submit("call_back")
    assert "Called: At 9:30" in called.text
    [mail] = [m for m in outbox(services) if m.kind == "callback/email_called"]
    assert (
        mail.recipient == "jean.t@example.com" and "We called you back: At 9:30" in mail.body_text
    )
    # The customer may not send the agent's event; the testers' API and CLI say so too.
    token = customer.get("/en/callback").form(-1).values["csrf_token"]
    again = customer.post("/en/callback", {"csrf_token": token, "time": "afternoon"})
    second = again.path.rsplit("/", 1)[1]
    api = toy_app.test_client()
    auth = {"Authorization": "Bearer " + "t" * 32}
    event = {"event": "call_back", "data": {"note": "x"}}
    as_jean = {**event, "as": "jean.t@example.com"}
    refused_api = api.post(f"/api/v1/flows/{second}/events", json=as_jean, headers=auth)
    assert refused_api.status_code == 403
    runner = toy_app.test_cli_runner()
    sent = runner.invoke(main, ["flows", "send", second, "call_back", "note=Vu", "--as", AGENT])
    assert sent.exit_code == 0 and "called" in sent.output
    # The analysts' console draws it, with who sends the staff event.
    analyst = analyst_of(toy_app)
    flow = analyst.get("/staff/flows/callback")
    assert flow.status == 200 and "Waiting for the call" in flow.text
    mermaid = analyst.client.get("/staff/flows/callback/diagram.mmd").get_data(as_text=True)
    assert "Say the customer was called (agent)" in mermaid
