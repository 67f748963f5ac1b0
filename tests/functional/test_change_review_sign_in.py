"""The change review on the real sign-in: journeys recorded through the real forms on the
sign-in as it was before account association (tests/fixtures/sign_in_before_device_step.yaml,
served from a folder that gives sign_in that document), then the impact of the sign-in as
it is now (flows/definitions/sign_in.yaml), with the device code between the password and
signed_in. The code step is whatever states the new version adds.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flows.analysis import change
from flows.registry import DEFINITIONS
from storage.models import FlowInstance
from tests.factories import identity
from tests.functional.test_sign_in import sign_in
from tests.support import Browser, flows_folder
from web.cli import main
from web.services import Services

NEW_SIGN_IN = DEFINITIONS / "sign_in.yaml"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OLD_SIGN_IN = FIXTURES / "sign_in_before_device_step.yaml"
BEFORE_PASSKEYS = FIXTURES / "sign_in_before_passkeys.yaml"


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Flask:
    """The site as it was: sign_in is the version without the device step."""
    folder = flows_folder(tmp_path / "flows", sign_in=OLD_SIGN_IN.read_text(encoding="utf-8"))
    before: Flask = make_app(FLOW_FOLDERS=[str(folder)])
    return before


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
    # (The passkey is a way of its own, another event: no detour of the password's.)
    code_step = set(new.states) - set(current.states) - {"passkey"}
    assert code_step, "the new version adds the states of its code step"

    report = impact_json(app)
    assert (report["from"], report["to"]) == (current.version, new.version)
    assert report["journeys"]["total"] == 7
    assert report["journeys"]["refused"] == 0
    # The way without a code stays (no contract yet, a remembered device): which journeys
    # now pass through the code step depends on the guards, and the report says so.
    [detour] = report["detours"]
    assert (detour["source"], detour["event"], detour["target"]) == (
        "credentials",
        "submit",
        "signed_in",
    )
    # The shortest way through the step: choosing, then a passkey (or a code, one more page).
    assert detour["via"] == ["choosing_channel"] and detour["certain"] is False
    assert len(journeys["signed_in"]) == 3
    assert set(detour["instances"]) == journeys["signed_in"]
    assert report["journeys"]["maybe_detoured"] == 3
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
    detour = next(line for line in result.output.splitlines() if "may now pass through" in line)
    assert detour.startswith(
        "  [accepted] *Sign in* from *Sign-in form* to *Signed in* may now pass through "
        "*Choosing where to send the code* (guards decide)"
    )
    assert detour.split(": 3 — ")[1].split() == sorted(journeys["signed_in"])
    assert "  *Sign-in form*: 2 (overdue: 0) — its ways out change" in result.output


def test_adding_passkeys_leaves_every_sign_in_its_way_and_offers_one_more(
    make_app: Any, tmp_path: Path
) -> None:
    """What an analyst reads before passkeys ship: the sign-ins on the form (in flight)
    gain a way out, to the passkey; none is refused, none detoured."""
    before = BEFORE_PASSKEYS.read_text(encoding="utf-8")
    app = make_app(FLOW_FOLDERS=[str(flows_folder(tmp_path / "flows", sign_in=before))])
    services: Services = app.extensions["moncompte"]
    identity(services, "jean.t@example.com")
    sign_in(Browser(app), "jean.t@example.com")
    for _ in range(2):
        sign_in(Browser(app), "jean.t@example.com", "pas le bon mot de passe")

    report = impact_json(app)
    assert report["journeys"] == {**report["journeys"], "total": 3, "refused": 0}
    assert report["detours"] == []
    waiting = {w["state"]: w for w in report["in_flight"]}
    assert waiting["credentials"]["count"] == 2 and waiting["credentials"]["status"] == "changed"
    added = {(w["event"], w["target"]) for w in waiting["credentials"]["next_new"]}
    assert ("use_passkey", "passkey") in added
    assert "passkey" not in {w["target"] for w in waiting["credentials"]["next_old"]}
