"""The change review on the real sign-in: journeys recorded through the real forms on the
sign-in as it is, then the impact of a version with a device code between the password
and signed_in.

NEW_SIGN_IN is that version. Until account association lands it is a stand-in written for
this test; then it becomes flows/definitions/sign_in.yaml of that branch, and nothing else
here changes: the code step is whatever states the new version adds.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from flows.analysis import change
from storage.models import FlowInstance
from tests.factories import identity
from tests.functional.test_sign_in import sign_in
from tests.support import Browser
from web.cli import main
from web.services import Services

NEW_SIGN_IN = Path(__file__).resolve().parents[1] / "fixtures" / "sign_in_with_device_step.yaml"


def instances(services: Services, state: str) -> set[str]:
    with services.db.read() as session:
        query = select(FlowInstance.id).where(
            FlowInstance.flow == "sign_in", FlowInstance.state == state
        )
        return set(session.scalars(query))


def record_journeys(app: Flask) -> dict[str, set[str]]:
    """Sign-ins through the pages: one left to expire, three signed in, one MINI ID not
    activated yet, two wrong passwords still on the form."""
    services: Services = app.extensions["moncompte"]
    identity(services, "jean.t@example.com")
    identity(services, "lea.roy@example.com", first_name="Léa", last_name="Roy")
    identity(services, "attente@example.com", status="pending")
    sign_in(Browser(app), "lea.roy@example.com", "pas le bon mot de passe")
    services.clock.advance(timedelta(minutes=31))
    services.engine.sweep()
    for email in ("jean.t@example.com", "lea.roy@example.com", "jean.t@example.com"):
        sign_in(Browser(app), email)
    sign_in(Browser(app), "attente@example.com")
    for _ in range(2):
        sign_in(Browser(app), "jean.t@example.com", "pas le bon mot de passe")
    return {s: instances(services, s) for s in ("signed_in", "credentials", "not_activated")}


def impact_json(app: Flask) -> Any:
    result = app.test_cli_runner().invoke(
        main, ["flows", "impact", "sign_in", "--file", str(NEW_SIGN_IN), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_impact_names_the_journeys_now_through_the_code_step(app: Flask) -> None:
    journeys = record_journeys(app)
    services: Services = app.extensions["moncompte"]
    current = services.registry.get("sign_in")
    new = change.draft(NEW_SIGN_IN.read_text(encoding="utf-8"), current, services.registry.steps)
    code_step = set(new.states) - set(current.states)
    assert code_step, "the new version adds the states of its code step"

    report = impact_json(app)
    assert (report["from"], report["to"]) == (current.version, new.version)
    assert report["journeys"]["total"] == 7
    assert report["journeys"]["refused"] == 0
    through_code = {
        i
        for d in report["detours"]
        if set(d["via"]) & code_step and d["target"] == "signed_in"
        for i in d["instances"]
    }
    assert len(journeys["signed_in"]) == 3
    assert through_code == journeys["signed_in"]
    assert report["journeys"]["unchanged"] == 4

    waiting = {w["state"]: w for w in report["in_flight"]}
    assert waiting["credentials"]["count"] == 2 == len(journeys["credentials"])
    assert waiting["credentials"]["status"] == "changed"
    assert {w["target"] for w in waiting["credentials"]["next_new"]} & code_step
    assert {w["target"] for w in waiting["credentials"]["next_old"]} >= {"signed_in"}
    assert waiting["not_activated"]["count"] == 1


def test_the_impact_in_words(app: Flask) -> None:
    journeys = record_journeys(app)
    result = app.test_cli_runner().invoke(
        main, ["flows", "impact", "sign_in", "--file", str(NEW_SIGN_IN), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    detour = next(line for line in result.output.splitlines() if "now passes through" in line)
    assert detour.startswith("  [accepted] *Sign in* from *Sign-in form* to *Signed in* now")
    assert detour.split(": 3 — ")[1].split() == sorted(journeys["signed_in"])
    assert "  *Sign-in form*: 2 (overdue: 0) — its ways out change" in result.output
