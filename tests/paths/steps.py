"""The data of the shared steps (flows/procedures/steps/), for every procedure that uses them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories import TESTER, passkey
from tests.paths import Steps, Walk
from tests.webauthn import SoftAuthenticator


def activation_link(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token()}


def after_a_minute(walk: Walk) -> dict[str, Any]:
    walk.advance(timedelta(seconds=61))  # resending waits 60 s
    return {}


ACTIVATION: Steps = {
    ("awaiting_activation", "activate"): activation_link,
    ("awaiting_activation", "resend"): after_a_minute,
}


# A browser's user agent, as the pages give it with the code.
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def device_code(walk: Walk) -> dict[str, Any]:
    """The code the newest message carries, with this device to remember."""
    code = str(walk.extras().get("code", "000000"))
    return {"code": code, "remember_device": True, "user_agent": FIREFOX}


def passkey_instead(walk: Walk) -> dict[str, Any]:
    """The instance's customer's passkey (made now, on a software authenticator) instead of
    the code."""
    customer = walk.services.engine.snapshot(walk.id, by=TESTER).customer_id
    if walk.id not in PASSKEYS and customer is not None:
        PASSKEYS[walk.id] = passkey(walk.services, customer)
    options, device = walk.passkey_options(), PASSKEYS.get(walk.id)
    return {"credential": device.get(options) if options and device else "{}"}


PASSKEYS: dict[str, SoftAuthenticator] = {}  # the passkey each walk's customer made

DEVICE_CODE: Steps = {
    ("choosing_channel", "send_code"): lambda walk: {"channel": "sms"},
    ("choosing_channel", "authorize_passkey"): passkey_instead,
    ("choosing_channel", "renew_passkey"): lambda walk: {},
    ("code_sent", "authorize"): device_code,
    ("code_sent", "resend_code"): after_a_minute,
    ("code_sent", "choose_other"): lambda walk: {},
}
