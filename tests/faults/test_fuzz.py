"""Ten thousand generated inputs over every form and API call: never a 500.

Every route that takes a POST (customer procedures, the overview's forms, the staff
console, the testers' API) gets random data: the fields it expects with odd values,
unknown fields, wrong types, control and invisible characters, huge text, bytes that are
not UTF-8, random files. Signed in as a customer and as staff, so the forms behind a
sign-in are reached too. The seed is printed: a failure can be replayed.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.factories import PASSWORD, contract, identity, staff_code, staff_member
from tests.support import Browser
from web.services import Services

pytestmark = pytest.mark.faults
INPUTS = int(os.environ.get("FUZZ_INPUTS", 10_000))
API_TOKEN = "f" * 32
STEP = re.compile(r"/(?:fr|en)/[a-z-]+/([0-9a-f]{32})$")
ODD = [
    "",
    " ",
    "0",
    "-1",
    "9223372036854775808",
    "1e400",
    "NaN",
    "null",
    "true",
    "é" * 300,
    "x" * 20_000,
    "a\x00b",
    "\r\n\r\nBcc: x@example.com",
    "\u202eevil",
    "\u200b",
    "<script>alert(1)</script>",
    "'; DROP TABLE identities; --",
    "../../etc/passwd",
    "%s%s%n",
    "{{7*7}}",
    "jean.t@example.com",
    PASSWORD,
    "2025-02-30",
    "512,37",
    "1M8GDM9AXKP042788",
]
FILES = [
    b"",
    b"%PDF-1.4\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
    b"MZ\x90\x00",
    os.urandom(64),
]


def value(chance: random.Random) -> Any:
    kind = chance.randrange(6)
    if kind == 0:
        return chance.choice(ODD)
    if kind == 1:
        return "".join(chr(chance.randrange(0, 0x3000)) for _ in range(chance.randrange(0, 40)))
    if kind == 2:
        return str(chance.randrange(-(10**20), 10**20))
    if kind == 3:
        return chance.choice(["fr", "en", "sms", "email", "vin", "customer_number", "on", "1"])
    if kind == 4:
        return (io.BytesIO(chance.choice(FILES)), chance.choice(["a.pdf", "b.png", "c.exe", ""]))
    return chance.choice(ODD) + chance.choice(ODD)


def form(chance: random.Random, names: list[str]) -> dict[str, Any]:
    fields = [n for n in names if chance.random() < 0.8]
    fields += [
        chance.choice(["event", "state", "x", "csrf_token", "lang", "next"]) for _ in range(2)
    ]
    return {name: value(chance) for name in fields}


def field_names(app: Flask) -> list[str]:
    registry = app.extensions["moncompte"].registry
    names = {n for d in registry for e in d.events.values() for n in e.fields}
    return sorted(names | {"email", "password", "date", "reference", "lang", "body", "device"})


def paths(app: Flask, rule: Rule, chance: random.Random, ids: dict[str, str]) -> str:
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        if arg == "lang":
            values[arg] = chance.choice(["fr", "en"])
        else:
            values[arg] = chance.choice([ids.get(arg, "1"), "1", "0", "zzz", "9" * 25])
    with app.test_request_context():
        try:
            return rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        except Exception:
            return rule.rule


def test_ten_thousand_inputs_never_answer_500(make_app: Any) -> None:
    seed = int(os.environ.get("FUZZ_SEED", random.randrange(2**32)))
    print(f"FUZZ_SEED={seed}")
    chance = random.Random(seed)
    app: Flask = make_app(WTF_CSRF_ENABLED=False, API_TOKEN=API_TOKEN, PROPAGATE_EXCEPTIONS=False)
    services: Services = app.extensions["moncompte"]
    jean = identity(services, "jean.t@example.com")
    contract(services, identity_id=jean)
    staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    staff_member(services, "analyste@servicesfinanciersmini.ca", role="analyst")
    customer, staff, visitor = Browser(app), Browser(app), Browser(app)
    customer.client.post("/fr/login", data={"email": "jean.t@example.com", "password": PASSWORD})
    analyst = "analyste@servicesfinanciersmini.ca"
    staff.client.post("/staff/login", data={"email": analyst, "password": PASSWORD})
    staff.client.post("/staff/login/code", data={"code": staff_code(services, analyst)})
    rules = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())]
    names = field_names(app)
    failures = []
    started: dict[int, dict[str, str]] = {}
    for n in range(INPUTS):
        rule = chance.choice(rules)
        who = chance.choice([customer, staff, visitor])
        path = paths(app, rule, chance, started.get(id(who), {}))
        if path.startswith("/api/"):
            body = json.dumps(
                chance.choice(
                    [
                        {"flow": chance.choice(["registration", "x", 1, None])},
                        {
                            "event": value(chance) if chance.random() < 0.5 else "submit",
                            "data": {
                                k: v for k, v in form(chance, names).items() if isinstance(v, str)
                            },
                        },
                        [1, 2],
                        "nope",
                    ]
                ),
                default=str,
            )
            answer = who.client.post(
                path, data=body, headers={"Authorization": f"Bearer {API_TOKEN}"}
            )
        else:
            answer = who.client.post(path, data=form(chance, names), content_type=None)
        if answer.status_code >= 500:
            failures.append((n, path, answer.status_code))
        moved = STEP.search(answer.headers.get("Location", ""))
        if moved:  # an instance of this browser's: its steps get data too
            started.setdefault(id(who), {})["instance_id"] = moved.group(1)
    assert failures == [], f"FUZZ_SEED={seed}: {failures[:10]}"
