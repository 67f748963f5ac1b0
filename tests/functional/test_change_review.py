"""The change review from the outside: a toy procedure whose two versions both ran here,
compared by the command line, the testers' API and the analysts' console; its in-flight
instances moved by the migration the new version declares."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from storage.models import AuditRecord, FlowInstance
from tests.factories import TESTER, staff_member
from tests.functional.test_analyst import analyst_of, cells, english
from tests.functional.test_staff import sign_in
from tests.support import Browser, flows_folder
from tests.unit.test_change_review import ADD_STATE, GREEN, V1, strokes
from web.cli import main
from web.services import Services

MODEL = """
from flows.model import FlowModel


class Errand(FlowModel):
    def filled(self, fields):
        return fields["word"] == "yes" or self.reject("word", "not_yes")


MODEL = Errand
"""


def folder_with(root: Path, document: str) -> Path:
    folder = flows_folder(root, errand=document)
    (folder / "procedures").mkdir(exist_ok=True)
    (folder / "procedures" / "errand.py").write_text(MODEL, encoding="utf-8")
    return folder


def two_versions(make_app: Any, tmp_path: Path) -> tuple[Flask, dict[str, str]]:
    """The toy's first version ran (four journeys); then the second, with a code step and
    a migration of the instances on the form, was deployed. The deployed application."""
    first = make_app(FLOW_FOLDERS=[str(folder_with(tmp_path / "v1", V1))])
    services: Services = first.extensions["moncompte"]
    engine = services.engine
    ids = {"expired": engine.start("errand", by=TESTER, language="fr").id}
    services.clock.advance(timedelta(minutes=11))
    engine.sweep()
    ids["done"] = engine.start("errand", by=TESTER, language="fr").id
    engine.send(ids["done"], "submit", {"word": "yes"}, by=TESTER)
    engine.send(ids["done"], "approve", {}, by=TESTER)
    ids["in_review"] = engine.start("errand", by=TESTER, language="fr").id
    engine.send(ids["in_review"], "submit", {"word": "yes"}, by=TESTER)
    ids["in_form"] = engine.start("errand", by=TESTER, language="fr").id
    ids["v1"] = services.registry.get("errand").version
    moving = f"  migrations:\n    from: '{ids['v1']}'\n    states: {{form: form}}\n"
    second = make_app(FLOW_FOLDERS=[str(folder_with(tmp_path / "v2", ADD_STATE + moving))])
    deployed: Services = second.extensions["moncompte"]
    deployed.registry.record_versions(deployed.db)
    ids["v2"] = deployed.registry.get("errand").version
    return second, ids


@pytest.fixture
def deployed(make_app: Any, tmp_path: Path) -> tuple[Flask, dict[str, str]]:
    return two_versions(make_app, tmp_path)


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(main, list(args))
    return result.exit_code, result.output


# -- the command line --------------------------------------------------------------------


def test_diff_of_the_two_versions_that_ran(deployed: tuple[Flask, dict[str, str]]) -> None:
    app, ids = deployed
    code, output = run(app, "flows", "diff", "errand", "--lang", "en")
    assert code == 0, output
    assert output.splitlines()[0] == f"errand: {ids['v1']} → {ids['v2']}"
    assert "- The transition *Send* from *Form* now leads to *Code* instead of *Review*." in output
    code, french = run(app, "flows", "diff", "errand")
    assert (
        "- La transition *Send* de *Form* mène maintenant à *Code* au lieu de *Review*." in french
    )
    code, back = run(
        app, "flows", "diff", "errand", "--from", ids["v2"], "--to", ids["v1"], "--lang", "en"
    )
    assert "- The state *Code* is removed." in back
    found = json.loads(run(app, "flows", "diff", "errand", "--format", "json")[1])
    assert (found["from"], found["to"]) == (ids["v1"], ids["v2"])
    assert {
        "kind": "state",
        "status": "added",
        "before": None,
        "after": {"id": "code"},
        "details": [],
    } in found["changes"]
    assert strokes(run(app, "flows", "diff", "errand", "--format", "svg")[1])["state-code"] == (
        GREEN,
        False,
    )
    assert "    class code added" in run(app, "flows", "diff", "errand", "--format", "mermaid")[1]


def test_diff_against_a_file_not_deployed(
    deployed: tuple[Flask, dict[str, str]], tmp_path: Path
) -> None:
    app, ids = deployed
    draft = tmp_path / "errand.yaml"
    draft.write_text(V1, encoding="utf-8")
    code, output = run(app, "flows", "diff", "errand", "--file", str(draft), "--lang", "en")
    assert code == 0, output
    assert output.splitlines()[0] == f"errand: {ids['v2']} → {ids['v1']}"
    assert "- The state *Code* is removed." in output
    output_file = tmp_path / "change.svg"
    assert (
        run(
            app,
            "flows",
            "diff",
            "errand",
            "--file",
            str(draft),
            "--format",
            "svg",
            "-o",
            str(output_file),
        )[0]
        == 0
    )
    assert strokes(output_file.read_text(encoding="utf-8"))["state-code"][1] is True


def test_a_wrong_diff_command_says_why(
    deployed: tuple[Flask, dict[str, str]], tmp_path: Path
) -> None:
    app, ids = deployed
    code, output = run(app, "flows", "diff", "errand", "--from", "0123456789ab")
    assert code == 2 and f"Known: {ids['v1']}, {ids['v2']}." in output
    broken = tmp_path / "broken.yaml"
    broken.write_text("statechart: [", encoding="utf-8")
    code, output = run(app, "flows", "diff", "errand", "--file", str(broken))
    assert code == 2 and "broken.yaml: not a definition: " in output
    other = tmp_path / "other.yaml"
    other.write_text(V1.replace("name: errand", "name: chore"), encoding="utf-8")
    code, output = run(app, "flows", "diff", "errand", "--file", str(other))
    assert code == 2 and "this file defines 'chore', not 'errand'" in output
    assert run(app, "flows", "diff", "errand", "--to", ids["v1"], "--file", str(other))[0] == 2
    assert run(app, "flows", "diff", "nothing")[0] == 2


def test_migrate_moves_what_the_mapping_names(deployed: tuple[Flask, dict[str, str]]) -> None:
    app, ids = deployed
    services: Services = app.extensions["moncompte"]
    code, output = run(app, "flows", "migrate", "errand", "--dry-run")
    assert code == 0, output
    assert output.splitlines() == [
        f"Would move 1 instance(s) to errand {ids['v2']}.",
        f"  {ids['in_form']}  form ({ids['v1']}) → form",
    ]
    assert services.engine.snapshot(ids["in_form"], by=TESTER).version == ids["v1"]
    code, output = run(app, "flows", "migrate", "errand")
    assert code == 0 and output.startswith("Moved 1 instance(s)")
    moved = services.engine.snapshot(ids["in_form"], by=TESTER)
    assert (moved.version, moved.state) == (ids["v2"], "form")
    assert moved.expires_at is not None
    assert timedelta(minutes=9) < moved.expires_at - services.clock() <= timedelta(minutes=10)
    with services.db.read() as session:
        record = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.instance_id == ids["in_form"])
            .order_by(AuditRecord.id.desc())
        ).first()
        assert record is not None
        assert (record.event, record.actor, record.source, record.target, record.version) == (
            "migrate",
            "migration",
            "form",
            "form",
            ids["v2"],
        )
        assert record.data == {"from_version": ids["v1"]}
        review = session.get(FlowInstance, ids["in_review"])
        assert review is not None and review.version == ids["v1"]  # no mapping: finishes on v1
    result = services.engine.send(ids["in_form"], "submit", {"word": "yes"}, by=TESTER)
    assert result.snapshot.state == "code"  # the new version's way
    assert run(app, "flows", "migrate", "errand", "--json")[1].count('"instance_id"') == 0


# -- the testers' API --------------------------------------------------------------------


@pytest.fixture
def api(make_app: Any, tmp_path: Path) -> tuple[Any, dict[str, str]]:
    app, ids = two_versions(lambda **c: make_app(**c, API_TOKEN="t0ken"), tmp_path)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer t0ken"
    return client, ids


def test_the_api_answers_the_diff(api: tuple[Any, dict[str, str]]) -> None:
    client, ids = api
    found = client.get(
        "/api/v1/definitions/errand/diff", headers={"Accept-Language": "en"}
    ).get_json()
    assert (found["from"], found["to"]) == (ids["v1"], ids["v2"])
    assert "The state *Code* is new; time allowed: *10 min*." in found["words"]
    back = client.get(f"/api/v1/definitions/errand/diff?from={ids['v2']}&to={ids['v1']}").get_json()
    assert "L'état *Code* est retiré." in back["words"]
    same = client.get(f"/api/v1/definitions/errand/diff?from={ids['v1']}&to={ids['v1']}").get_json()
    assert same["changes"] == [] and same["words"] == []
    wrong = client.get("/api/v1/definitions/errand/diff?to=0123456789ab")
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"]["to"]["reason"] == "unknown_version"
    assert client.get("/api/v1/definitions/nothing/diff").status_code == 404


# -- the analysts' console ---------------------------------------------------------------


def test_the_console_compares_two_versions(deployed: tuple[Flask, dict[str, str]]) -> None:
    app, ids = deployed
    analyst = analyst_of(app)
    english(analyst)
    flow = analyst.get("/staff/flows/errand")
    page = analyst.get(flow.link("Compare two versions"))
    assert page.status == 200 and page.h1 == "Changes of Errand"
    versions = cells(page, "#versions table")
    assert list(versions) == [f"{ids['v2']} current end point", f"{ids['v1']} starting point"]
    assert versions[f"{ids['v1']} starting point"][1] == "4"
    said = [" ".join(li.get_text(" ").split()) for li in page.soup.select("#diff li")]
    assert "changed The transition Send from Form now leads to Code instead of Review ." in said
    svg = page.soup.select_one("#drawing svg")
    assert svg is not None and strokes(str(svg))["state-code"] == (GREEN, False)
    facts = [" ".join(d.get_text(" ").split()) for d in page.soup.select("#impact .facts dd")]
    assert facts == ["4", "2", "2", "0", "0"]
    groups = cells(page, "#journey-groups")
    assert list(groups) == ["Send from Form to Review now passes through Code"]
    count, shown = groups["Send from Form to Review now passes through Code"]
    assert count == "2"
    assert set(shown.split()) == {ids["done"][:8], ids["in_review"][:8]}
    flight = cells(page, "#in-flight")
    assert flight["Review review"][:3] == ["1", "0", "kept as it is"]
    assert flight["Form form"][2:] == [
        "its ways out change",
        "Send → Review, Expire → Expired",
        "Send → Code, Expire → Expired",
        "→ Form",
    ]


def test_the_console_in_french_and_its_downloads(deployed: tuple[Flask, dict[str, str]]) -> None:
    app, ids = deployed
    analyst = analyst_of(app)
    page = analyst.get(f"/staff/flows/errand/changes?from={ids['v2']}&to={ids['v1']}&days=7")
    assert page.h1 == "Changements de Errand"
    said = [" ".join(li.get_text(" ").split()) for li in page.soup.select("#diff li")]
    assert "retrait L'état Code est retiré." in said
    versions = list(cells(page, "#versions table"))
    assert versions == [f"{ids['v2']} actuelle point de départ", f"{ids['v1']} point d'arrivée"]
    drawing = analyst.client.get(f"/staff/flows/errand/changes.svg?from={ids['v1']}&to={ids['v2']}")
    assert drawing.mimetype == "image/svg+xml"
    assert strokes(drawing.get_data(as_text=True))["state-code"] == (GREEN, False)
    mermaid = analyst.client.get("/staff/flows/errand/changes.mmd").get_data(as_text=True)
    assert "    form --> code : Send (modification) [The word is yes]" in mermaid
    assert analyst.get("/staff/flows/errand/changes?from=0123456789ab").status == 404
    assert analyst.get("/staff/flows/errand/changes?days=abc").status == 200
    assert analyst.get("/staff/flows/nothing/changes").status == 404


def test_only_analysts_see_the_changes(deployed: tuple[Flask, dict[str, str]]) -> None:
    app, _ids = deployed
    assert Browser(app).get("/staff/flows/errand/changes").status == 404
    staff_member(app.extensions["moncompte"], "agent@servicesfinanciersmini.ca", role="agent")
    agent = Browser(app)
    sign_in(agent, "agent@servicesfinanciersmini.ca")
    assert agent.get("/staff/flows/errand/changes").status == 403


@pytest.mark.parametrize(
    ("lang", "said", "current"),
    [
        ("fr", "Une seule version : rien à comparer pour l'instant.", "actuelle"),
        ("en", "Only one version: nothing to compare yet.", "current"),
    ],
)
def test_a_procedure_with_one_version_has_nothing_to_compare(
    app: Flask, lang: str, said: str, current: str
) -> None:
    analyst = analyst_of(app)
    if lang == "en":
        english(analyst)
    page = analyst.get("/staff/flows/registration/changes")
    assert page.status == 200
    diff = page.soup.select_one("#diff")
    assert diff is not None and said in " ".join(diff.get_text(" ").split())
    assert "Aucune différence" not in page.text and "No difference" not in page.text
    (version,) = cells(page, "#versions table")
    assert version.endswith(f" {current}")  # no «de» nor «vers» beside it
    assert page.soup.select_one("#drawing") is None and page.soup.select_one("#impact") is None
