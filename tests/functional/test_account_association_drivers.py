"""Account association and remembered devices driven as testers do: the API and the CLI;
and text messages delivered to the gateway with retries, or kept in the development
mailbox."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask

from flows.outbox.delivery import deliver_due
from tests.factories import PASSWORD, TESTER, contract, identity
from tests.functional.test_api import TOKEN, Api
from tests.functional.test_flows_cli import run, run_json
from tests.paths.account_association import number_of, vin_of
from tests.support import Browser, SMSGateway, newest
from web.services import Services

EMAIL, PHONE = "jean.t@example.com", "+15145550123"


def jean(services: Services, language: str = "fr") -> int:
    person = identity(services, EMAIL, language=language)
    contract(services, vin=vin_of(person), customer_number=number_of(person))
    return person


def send(api: Api, flow: str, event: str, **data: Any) -> tuple[int, dict[str, Any]]:
    answer = api.call("POST", f"/flows/{flow}/events", {"event": event, "data": data}, lang="en")
    return answer.status_code, dict(answer.json or {})


def test_association_then_sign_in_without_a_code_through_the_api(make_app: Any) -> None:
    app: Flask = make_app(API_TOKEN=TOKEN)
    api, services = Api(app), app.extensions["moncompte"]
    person = jean(services)
    flow = api.start("account_association", customer=EMAIL)["id"]
    data = {"method": "customer_number", "first_name": "Jean", "last_name": "Tremblay"}
    status, refused = send(api, flow, "verify", **data)
    assert status == 422 and refused["errors"]["customer_number"]["reason"] == "required"
    assert send(api, flow, "verify", **data, customer_number=number_of(person))[1]["state"] == (
        "choosing_channel"
    )
    assert send(api, flow, "send_code", channel="sms")[1]["state"] == "code_sent"
    outbox = api.call("GET", "/outbox", query_string={"to": PHONE}).json or {}
    [sms] = outbox["messages"]
    assert sms["channel"] == "sms" and sms["to"] == PHONE
    status, done = send(api, flow, "authorize", code=sms["extras"]["code"], remember_device=True)
    assert status == 200 and done["state"] == "linked"
    token = done["client"]["device_token"]
    history = api.call("GET", f"/flows/{flow}/history").get_data(as_text=True)
    assert token not in history and sms["extras"]["code"] not in history
    assert "client" not in (api.call("GET", f"/flows/{flow}").json or {})  # handed once

    # Signing in with that device token: no code; without it, a code.
    credentials = {"email": EMAIL, "password": PASSWORD}
    remembered = send(api, api.start("sign_in")["id"], "submit", **credentials, device_token=token)
    assert remembered[1]["state"] == "signed_in"
    assert send(api, api.start("sign_in")["id"], "submit", **credentials)[1]["state"] == (
        "choosing_channel"
    )


def test_association_through_the_command_line(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    person = jean(services)
    flow = run_json(app, "flows", "start", "account_association", "--customer", EMAIL)["id"]
    code, output = run(
        app, "flows", "send", flow, "verify", "method=vin", "first_name=Jean",
        "last_name=Tremblay", f"vin={vin_of(person)}", "last_payment_amount=456,78",
    )  # fmt: skip
    assert code == 0 and "choosing_channel" in output
    assert run(app, "flows", "send", flow, "send_code", "channel=email")[0] == 0
    [mail, *_] = run_json(app, "outbox", "list", "--to", EMAIL)
    code, output = run(
        app, "flows", "send", flow, "authorize", f"code={mail['extras']['code']}",
        "remember_device=true",
    )  # fmt: skip
    assert code == 0 and "the instance is now in state linked" in output
    assert "Handed to you once: device_token=" in output
    token = output.rsplit("device_token=", 1)[1].split()[0]
    assert token not in json.dumps(run_json(app, "flows", "history", flow))
    sign_in = run_json(app, "flows", "start", "sign_in")["id"]
    done = run_json(
        app, "flows", "send", sign_in, "submit", f"email={EMAIL}", f"password={PASSWORD}",
        f"device_token={token}",
    )  # fmt: skip
    assert done["snapshot"]["state"] == "signed_in"


def test_text_messages_are_retried_until_the_gateway_takes_them(
    make_app: Any, sms_gateway: SMSGateway
) -> None:
    sms_gateway.messages.clear()
    app: Flask = make_app(SMS_WEBHOOK_URL=sms_gateway.url)
    services: Services = app.extensions["moncompte"]
    person = jean(services, language="en")
    instance = services.engine.start(
        "account_association", by=TESTER, language="en", customer_id=person
    ).id
    data = {"method": "customer_number", "first_name": "Jean", "last_name": "Tremblay"}
    services.engine.send(
        instance, "verify", {**data, "customer_number": number_of(person)}, by=TESTER
    )
    services.engine.send(instance, "send_code", {"channel": "sms"}, by=TESTER)
    text = newest(services, PHONE).body_text
    sms_gateway.fail_next = 2
    with app.app_context():
        assert deliver_due(services, dict(app.config)) == (0, 1)
        assert deliver_due(services, dict(app.config)) == (0, 0)  # waits 30 s
        services.clock.advance(timedelta(seconds=31))
        assert deliver_due(services, dict(app.config)) == (0, 1)
        services.clock.advance(timedelta(seconds=61))  # then 60 s
        assert deliver_due(services, dict(app.config)) == (1, 0)
    [sms] = sms_gateway.wait_for(PHONE)
    message = newest(services, PHONE)
    assert message.status == "sent" and message.attempts == 3
    assert sms == {"to": PHONE, "body": text}
    assert sms["body"].startswith("Mon Compte MINI: your code is ")
    assert message.body_text == "" and message.extras == {}  # the code, gone once delivered


def test_without_a_gateway_text_messages_wait_in_the_development_mailbox(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    person = jean(services)
    instance = services.engine.start(
        "account_association", by=TESTER, language="fr", customer_id=person
    ).id
    data = {"method": "customer_number", "first_name": "Jean", "last_name": "Tremblay"}
    services.engine.send(
        instance, "verify", {**data, "customer_number": number_of(person)}, by=TESTER
    )
    services.engine.send(instance, "send_code", {"channel": "sms"}, by=TESTER)
    message = newest(services, PHONE)
    assert (message.channel, message.status) == ("sms", "held")
    page = Browser(app).get("/dev/mailbox")
    assert f"sms · held · {PHONE}" in page.text and message.body_text.strip() in page.text
