"""The testers' API: driving procedures in JSON, with the same rules as the web pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flows.registry import Registry
from storage.identities import by_email
from storage.models import FlowInstance
from tests.factories import PASSWORD
from tests.support import Browser, token_of
from web.services import Services

TOKEN = "tester-token-0123456789"
DETAILS = {
    "first_name": "Émilie",
    "last_name": "Gagnon",
    "email": "emilie@example.com",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


class Api:
    """The API as a tester's HTTP client sees it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        lang: str | None = None,
        token: str | None = TOKEN,
        **kwargs: Any,
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        if body is not None:
            kwargs["json"] = body
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def start(self, flow: str = "registration", **body: Any) -> dict[str, Any]:
        answer = self.call("POST", "/flows", {"flow": flow, **body})
        assert answer.status_code == 201, answer.json
        return dict(answer.json or {})

    def get(self, path: str, **kwargs: Any) -> Any:
        answer = self.call("GET", path, **kwargs)
        assert answer.status_code == 200, answer.json
        return answer.json

    def send(self, instance_id: str, event: str, data: Any = None, **kw: Any) -> TestResponse:
        body = {"event": event, "data": data}
        return self.call("POST", f"/flows/{instance_id}/events", body, **kw)

    def event(self, instance_id: str, event: str, data: Any = None, **kw: Any) -> tuple[int, Any]:
        """Send EVENT: the status and the JSON answer."""
        answer = self.send(instance_id, event, data, **kw)
        return answer.status_code, answer.json

    def link_token(self, address: str) -> str:
        [newest, *_] = self.get(f"/outbox?to={address}")["messages"]
        return token_of(str(newest["extras"]["link"]))


@pytest.fixture
def api(make_app: Any) -> Api:
    return Api(make_app(API_TOKEN=TOKEN))


def services_of(api: Api) -> Services:
    services: Services = api.app.extensions["moncompte"]
    return services


def test_the_api_is_off_unless_a_token_is_configured(app: Flask) -> None:
    client = app.test_client()
    headers = {"Authorization": "Bearer anything"}
    assert client.get("/api/v1/definitions", headers=headers).status_code == 404
    assert client.post("/api/v1/flows", json={"flow": "registration"}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", "Bearer é"],
)
def test_a_missing_or_wrong_token_is_refused(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = api.call("GET", "/definitions", token=None, headers=headers)
    assert answer.status_code == 401
    assert answer.json == {
        "error": "unauthorized",
        "message": "Un jeton valide est requis (Authorization: Bearer …).",
    }
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.call("GET", "/definitions").status_code == 200


def test_the_procedures_are_listed(api: Api) -> None:
    listed = {d["name"]: d for d in api.get("/definitions", lang="en")["definitions"]}
    assert set(listed) == {d.name for d in Registry()}
    registration = listed["registration"]
    assert registration["label"] == "Registration"
    assert registration["route"] == "register" and len(registration["version"]) == 12
    french = {d["name"]: d for d in api.get("/definitions")["definitions"]}
    assert french["registration"]["label"] == "Inscription"


def test_a_definition_tells_states_events_fields_and_guards(api: Api) -> None:
    detail = api.call("GET", "/definitions/registration", lang="en").json
    assert detail is not None
    states = {s["id"]: s for s in detail["states"]}
    assert states["details"]["initial"] and states["details"]["faq_steps"] == ["0", "1"]
    assert states["activated"]["final"] and states["activated"]["label"] == "MINI ID activated"
    events = {e["id"]: e for e in detail["events"]}
    submit = events["submit"]["data"]
    assert submit["required"] == [
        "first_name",
        "last_name",
        "email",
        "password",
        "password_confirm",
    ]
    assert submit["properties"]["email"] == {"type": "string", "maxLength": 254, "format": "email"}
    assert submit["properties"]["password"]["writeOnly"] is True
    assert events["expire"]["system"] and events["activate"]["link"]
    activate = next(t for t in detail["transitions"] if t["event"] == "activate")
    assert activate["source"] == "awaiting_activation" and activate["target"] == "activated"
    assert activate["actions"] == ["activate_identity"]
    [guard] = activate["guards"]
    assert guard["name"] == "link_valid" and "link_used" in guard["reasons"]
    assert "24 h" in guard["label"]


def test_a_tester_finishes_registration_with_the_api_alone(api: Api) -> None:
    # Also shows the API needs no CSRF token: it is a bearer-token API, not a form.
    started = api.call("POST", "/flows", {"flow": "registration"}, lang="en")
    assert started.status_code == 201
    snapshot = started.json
    assert snapshot is not None
    assert started.headers["Location"] == f"/api/v1/flows/{snapshot['id']}"
    assert snapshot["state"] == "details" and snapshot["allowed_events"] == ["submit"]
    assert snapshot["expires_at"] and snapshot["final"] is False
    instance = snapshot["id"]

    submitted = api.send(instance, "submit", DETAILS)
    assert submitted.status_code == 200
    assert submitted.json["state"] == "awaiting_activation"  # type: ignore[index]

    [mail] = api.get("/outbox?to=EMILIE@example.com")["messages"]
    assert mail["subject"] == "Activate your MINI ID to get started"  # started in English
    assert mail["instance_id"] == instance and "/en/register/link/" in mail["extras"]["link"]

    activated = api.send(instance, "activate", {"token": api.link_token("emilie@example.com")})
    assert activated.status_code == 200
    assert activated.json["state"] == "activated" and activated.json["final"]  # type: ignore[index]
    assert api.get(f"/flows/{instance}")["state"] == "activated"

    history = api.get(f"/flows/{instance}/history")["history"]
    assert [(h["event"], h["outcome"], h["actor"]) for h in history] == [
        ("start", "taken", "api"),
        ("submit", "taken", "api"),
        ("activate", "taken", "api"),
    ]
    assert history[1]["data"]["password"] == "[redacted]"
    with services_of(api).db.read() as session:
        identity = by_email(session, "emilie@example.com")
        assert identity is not None and identity.status == "active"


def test_rejections_are_the_web_pages_own(api: Api) -> None:
    weak = {**DETAILS, "password": "password1234", "password_confirm": "password1234"}
    page = Browser(api.app).get("/fr/register").form().fill(**weak).submit()
    instance = api.start()["id"]
    answer = api.send(instance, "submit", weak)
    assert answer.status_code == 422
    body = answer.json
    assert body is not None
    assert body["error"] == "rejected"
    assert body["message"] == "L'événement a été refusé : consultez errors."
    assert body["errors"]["password"]["reason"] == "password_weak"
    assert body["errors"]["password"]["message"] == page.field_errors["password"]
    assert body["snapshot"]["state"] == "details"
    english = api.send(instance, "submit", {**weak, "email": "x"}, lang="en-CA,en;q=0.8").json
    assert english is not None
    assert english["errors"] == {  # every problem at once: the address, and the password
        "email": {
            "reason": "email_invalid",
            "message": "Enter a valid e-mail address, for example name@example.com.",
        },
        "password": {
            "reason": "password_weak",
            "message": "This password is too easy to guess. "
            "Try a longer phrase of unrelated words.",
        },
    }
    history = api.get(f"/flows/{instance}/history")["history"]
    assert [h["outcome"] for h in history[1:]] == ["rejected", "rejected"]


def test_an_event_the_state_does_not_allow_is_a_conflict(api: Api) -> None:
    instance = api.start()["id"]
    for event in ("activate", "no_such_event"):
        answer = api.send(instance, event, {"token": "x"}, lang="en")
        assert answer.status_code == 409, event
        body = answer.json
        assert body is not None and body["error"] == "not_allowed"
        assert body["message"] == "This event is not allowed in the instance's current state."
        assert body["snapshot"]["allowed_events"] == ["submit"]
    expire = api.send(instance, "expire", {}, lang="en")  # the system's, not a tester's
    assert expire.status_code == 403 and (expire.json or {})["error"] == "forbidden"


def test_an_expired_instance_says_so(api: Api) -> None:
    instance = api.start()["id"]
    services_of(api).clock.advance(timedelta(hours=3))
    answer = api.send(instance, "submit", DETAILS)
    assert answer.status_code == 409
    body = answer.json
    assert body is not None
    assert body["error"] == "expired"
    assert body["message"] == "Cette démarche a expiré. Veuillez recommencer."
    assert body["snapshot"]["state"] == "expired" and body["snapshot"]["final"]


def test_a_flow_started_for_a_customer_belongs_to_them(api: Api) -> None:
    instance = api.start()["id"]
    api.send(instance, "submit", DETAILS)
    api.send(instance, "activate", {"token": api.link_token("emilie@example.com")})
    mine = api.start(customer="Emilie@Example.com")
    with services_of(api).db.read() as session:
        row = session.get(FlowInstance, mine["id"])
        identity = by_email(session, "emilie@example.com")
        assert row is not None and identity is not None and row.customer_id == identity.id
    unknown = api.call("POST", "/flows", {"flow": "registration", "customer": "nobody@example.com"})
    assert unknown.status_code == 422
    assert unknown.json["errors"]["customer"]["reason"] == "unknown_customer"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "error"),
    [
        ("GET", "/flows/nope", {}, 404, "unknown_instance"),
        ("GET", "/flows/nope/history", {}, 404, "unknown_instance"),
        ("GET", "/flows/" + "x" * 300, {}, 404, "unknown_instance"),
        ("POST", "/flows/nope/events", {"json": {"event": "submit"}}, 404, "unknown_instance"),
        ("GET", "/definitions/nope", {}, 404, "unknown_flow"),
        ("GET", "/nothing-here", {}, 404, "not_found"),
        ("DELETE", "/flows", {}, 405, "method_not_allowed"),
        ("POST", "/flows", {"json": {"flow": "nope"}}, 422, "invalid_request"),
        ("POST", "/flows", {"json": {"flow": ["registration"]}}, 422, "invalid_request"),
        (
            "POST",
            "/flows",
            {"json": {"flow": "registration", "customer": 5}},
            422,
            "invalid_request",
        ),
        ("POST", "/flows", {"json": {}}, 422, "invalid_request"),
        ("POST", "/flows", {"data": b"{not json"}, 400, "bad_json"),
        ("POST", "/flows", {"data": b"\xff\xfe\x00"}, 400, "bad_json"),
        ("POST", "/flows", {"json": ["registration"]}, 400, "bad_json"),
        ("POST", "/flows", {"data": b""}, 400, "bad_json"),
        ("POST", "/flows", {"data": b"[" * 50_000}, 400, "bad_json"),
        ("POST", "/flows", {"json": {"flow": "x" * 70_000}}, 413, "too_large"),
        ("GET", "/outbox", {"query_string": {"to": "a\x00b"}}, 422, "invalid_request"),
    ],
)
def test_bad_input_gets_a_json_error_never_a_crash(
    api: Api, method: str, path: str, kwargs: dict[str, Any], status: int, error: str
) -> None:
    answer = api.call(method, path, lang="en", **kwargs)
    assert answer.status_code == status
    assert answer.mimetype == "application/json"
    assert answer.json is not None and answer.json["error"] == error and answer.json["message"]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"data": {}}, "event", "required"),
        ({"event": "submit\x00"}, "event", "invalid_characters"),
        ({"event": "e" * 65}, "event", "too_long"),
        ({"event": "submit", "data": "first_name=A"}, "data", "invalid"),
        ({"event": "submit", "data": [1, 2]}, "data", "invalid"),
        ({"event": "submit", "data": []}, "data", "invalid"),
    ],
)
def test_a_malformed_event_is_refused_by_field(
    api: Api, body: dict[str, Any], field: str, reason: str
) -> None:
    instance = api.start()["id"]
    answer = api.call("POST", f"/flows/{instance}/events", body)
    assert answer.status_code == 422
    assert answer.json["errors"][field]["reason"] == reason  # type: ignore[index]
    assert api.get(f"/flows/{instance}")["state"] == "details"


def test_wrongly_typed_data_is_a_rejection_not_a_crash(api: Api) -> None:
    instance = api.start()["id"]
    junk = {"first_name": {"a": 1}, "last_name": [1], "email": True, "password": None}
    answer = api.send(instance, "submit", junk)
    assert answer.status_code == 422
    errors = answer.json["errors"]  # type: ignore[index]
    assert errors["first_name"]["message"] == "Cette valeur n'est pas valide."
    assert {k: v["reason"] for k, v in errors.items()} == {
        "first_name": "invalid",
        "last_name": "invalid",
        "email": "invalid",
        "password": "required",
        "password_confirm": "required",
    }


def test_the_outbox_lists_the_newest_messages(api: Api) -> None:
    for n in range(2):
        instance = api.start()["id"]
        api.send(instance, "submit", {**DETAILS, "email": f"p{n}@example.com"})
    everything = api.get("/outbox")["messages"]
    assert [m["to"] for m in everything] == ["p1@example.com", "p0@example.com"]
    assert api.call("GET", "/outbox?to=nobody@example.com").json == {"messages": []}


def test_the_api_stays_off_outside_development_unless_allowed(make_app: Any) -> None:
    """It hands out live links and codes: a production-shape site with a token set by
    mistake does not serve it; a staging site says MONCOMPTE_API_IN_PRODUCTION=1."""
    site = {"BASE_URL": "https://moncompte.example.ca", "API_TOKEN": TOKEN}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    off = make_app(**site).test_client().get("/api/v1/outbox?to=a@example.com", headers=auth)
    assert off.status_code == 404
    staging = make_app(**site, API_IN_PRODUCTION=True).test_client()
    assert staging.get("/api/v1/outbox?to=a@example.com", headers=auth).status_code == 200
