"""Who may see and send what is the engine's to decide (flows.access): the pages, the
testers' API and the command line pass who is asking, and give the same refusals.

- "Not yours": someone else's instance does not exist, for you (404 / 404 / exit 2).
- "Not allowed for you": an event of your own instance that someone else sends (an
  agent's answer) is refused in the same words (a notice / 403 / exit 1).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import contract, identity, staff_member
from tests.functional.test_api import TOKEN, Api
from tests.functional.test_cli import run
from tests.functional.test_overview import signed_in
from tests.functional.test_secure_message import compose, conversation_of, main_form
from tests.support import Browser
from web.services import Services

NOT_FOR_YOU = {
    "fr": "Cette action ne vous est pas permise.",
    "en": "This action is not open to you.",
}
AGENT = "agent@servicesfinanciersmini.ca"


@pytest.fixture
def app(make_app: Any) -> Flask:
    made: Flask = make_app(API_TOKEN=TOKEN)
    return made


@pytest.fixture
def jeans_conversation(app: Flask) -> str:
    services: Services = app.extensions["moncompte"]
    jean = identity(services)
    compose(signed_in(app), contract(services, identity_id=jean))
    return conversation_of(services, jean).id


@pytest.fixture
def marie(app: Flask) -> Browser:
    """Marie, another customer, signed in."""
    identity(app.extensions["moncompte"], "marie@example.com", first_name="Marie")
    return signed_in(app, "marie@example.com")


def test_someone_elses_instance_is_not_found_on_pages_api_and_cli(
    app: Flask, jeans_conversation: str, marie: Browser
) -> None:
    page = marie.get(f"/fr/messages/conversations/{jeans_conversation}")
    assert page.status == 404 and page.h1 == "Page introuvable"
    token = marie.get("/fr/messages").form(0).values["csrf_token"]
    posted = marie.client.post(
        f"/fr/messages/conversations/{jeans_conversation}",
        data={"csrf_token": token, "event": "reply", "body": "Je lis chez Jean"},
    )
    assert posted.status_code == 404
    api = Api(app)
    as_marie = {"as": "marie@example.com"}
    seen = api.call("GET", f"/flows/{jeans_conversation}", query_string=as_marie)
    assert seen.status_code == 404 and (seen.json or {})["error"] == "unknown_instance"
    sent = api.call(
        "POST",
        f"/flows/{jeans_conversation}/events",
        {"event": "reply", "data": {"body": "Je lis chez Jean"}, **as_marie},
    )
    assert sent.status_code == 404 and (sent.json or {})["error"] == "unknown_instance"
    for command in (
        ["flows", "show", jeans_conversation],
        ["flows", "send", jeans_conversation, "reply", "body=Je lis chez Jean"],
    ):
        code, output = run(app, *command, "--as", "marie@example.com")
        assert code == 2 and f"No instance '{jeans_conversation}'" in output
    # The tester itself, and Jean, see it.
    assert api.call("GET", f"/flows/{jeans_conversation}").status_code == 200
    as_jean = {"as": "jean.t@example.com"}
    assert api.call("GET", f"/flows/{jeans_conversation}", query_string=as_jean).status_code == 200


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_agents_event_is_refused_to_the_customer_on_pages_api_and_cli(
    app: Flask, jeans_conversation: str, lang: str
) -> None:
    jean = signed_in(app, lang=lang)
    page = jean.get(f"/{lang}/messages/conversations/{jeans_conversation}")
    form = main_form(page).fill(body="Je me réponds")  # a reply's form, sent as an answer
    refused = jean.post(form.action, {**form.values, "event": "answer"})
    assert NOT_FOR_YOU[lang] in refused.notices
    api = Api(app)
    body = {"event": "answer", "data": {"body": "Je me réponds"}, "as": "jean.t@example.com"}
    answer = api.call("POST", f"/flows/{jeans_conversation}/events", body, lang=lang)
    assert answer.status_code == 403 and answer.json is not None
    assert answer.json["errors"]["event"] == {
        "reason": "not_for_you",
        "message": NOT_FOR_YOU[lang],
    }
    code, output = run(
        app, "flows", "send", jeans_conversation, "answer", "body=Je me réponds",
        "--as", "jean.t@example.com",
    )  # fmt: skip
    assert code == 1 and "Not allowed for you: answer." in output
    assert NOT_FOR_YOU["en"] in output  # the command line speaks English


def test_an_analyst_does_not_see_a_conversation_and_an_agent_answers_it(
    app: Flask, jeans_conversation: str
) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)  # an analyst: no event of a conversation is theirs
    staff_member(services, AGENT, role="agent")
    api = Api(app)
    event = {"event": "answer", "data": {"body": "Bonjour Jean"}}
    as_analyst = {**event, "as": "analyste@servicesfinanciersmini.ca"}
    refused = api.call("POST", f"/flows/{jeans_conversation}/events", as_analyst)
    assert refused.status_code == 404
    code, output = run(
        app, "flows", "send", jeans_conversation, "answer", "body=Bonjour Jean",
        "--as", "analyste@servicesfinanciersmini.ca",
    )  # fmt: skip
    assert code == 2 and "No instance" in output
    taken = api.call("POST", f"/flows/{jeans_conversation}/events", {**event, "as": AGENT})
    assert taken.status_code == 200 and (taken.json or {})["state"] == "answered"
    history = api.get(f"/flows/{jeans_conversation}/history")["history"]
    answers = [(h["outcome"], h["actor"]) for h in history if h["event"] == "answer"]
    [(outcome, actor)] = answers  # the analyst's tries wrote nothing
    assert outcome == "taken" and actor.startswith("staff:")  # the agent, by id
