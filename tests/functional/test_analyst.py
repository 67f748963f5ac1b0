"""The analysts' pages, as an analyst reads them: every procedure, its heat, the trail."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from flask import Flask

from flows.access import Principal
from flows.contracts.schedule import today as local_today
from flows.registry import Registry
from tests.factories import PASSWORD, TESTER, staff_member
from tests.functional.test_staff import form, sign_in
from tests.support import Browser, Page
from tests.unit.test_heatmap import drive, register
from web.cli import main
from web.services import Services

NAMES = [d.name for d in Registry()]


def analyst_of(app: Flask) -> Browser:
    """An analyst's browser, signed in now (after any move of the clock)."""
    staff_member(app.extensions["moncompte"])
    browser = Browser(app)
    sign_in(browser)
    return browser


@pytest.fixture
def analyst(app: Flask) -> Browser:
    return analyst_of(app)


def english(browser: Browser) -> None:
    form(browser.get("/staff/"), "/staff/language").fill(lang="en").submit()


def cells(page: Page, table: str) -> dict[str, list[str]]:
    """A table's rows by their first cell: {row heading: [the other cells]}."""
    rows = {}
    for tr in page.soup.select(f"{table} tbody tr"):
        texts = [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
        rows[texts[0]] = texts[1:]
    return rows


def test_the_list_shows_every_procedure_and_the_faq_not_built_yet(
    app: Flask, analyst: Browser
) -> None:
    english(analyst)
    page = analyst.get("/staff/flows")
    assert page.h1 == "Procedures"
    for definition in app.extensions["moncompte"].registry:
        assert page.link(definition.label) == f"/staff/flows/{definition.name}"
    assert page.text.count("All passed") == len(NAMES)
    assert "Section 3 — I signed in to Mon Compte MINI" in page.text
    assert "Not built yet" not in page.text  # every section of the FAQ is built
    for section, flow in ((3, "account_association"), (4, "secure_message")):
        item = next(
            li for li in page.soup.select("ul.plain li") if f"Section {section}" in li.get_text()
        )
        assert item.find("a", href=f"/staff/flows/{flow}") is not None


def test_secure_messagings_later_step_leads_to_the_conversation(analyst: Browser) -> None:
    english(analyst)
    page = analyst.get("/staff/flows/secure_message")
    steps = [" ".join(li.get_text(" ").split()) for li in page.soup.select(".faq-steps li")]
    assert len(steps) == 5 and "No state implements this step" not in page.text
    assert "→ Conversation" in steps[-1] and steps[-1].endswith("waiting, answered")
    assert page.soup.select_one(".faq-steps a[href='/staff/flows/conversation']") is not None
    conversation = analyst.get("/staff/flows/conversation")
    assert "Section 4" in conversation.text and "Problems" not in conversation.text


@pytest.mark.parametrize("name", NAMES)
def test_each_procedure_has_its_page(app: Flask, analyst: Browser, name: str) -> None:
    english(analyst)
    definition = app.extensions["moncompte"].registry.get(name)
    page = analyst.get(f"/staff/flows/{name}")
    assert page.status == 200 and page.h1 == definition.label
    svg = page.soup.select_one(".diagram-canvas svg")
    assert svg is not None
    for state in definition.states.values():
        assert svg.find(id=f"state-{state.id}") is not None
        assert page.soup.find(id=f"state-row-{state.id}") is not None
    transitions = page.soup.select("#transitions tbody tr")
    assert len(transitions) == len(definition.transitions)
    for t, row in zip(definition.transitions, transitions, strict=True):
        text = " ".join(row.get_text(" ").split())
        for guard in t.guards:
            assert definition.guards[guard].label in text
            for reason in definition.guards[guard].reasons:
                assert reason in text
    checks = page.soup.select("#checks li")
    assert len(checks) == 5 and all("passed" in c.get_text() for c in checks)
    assert definition.version in page.text
    downloads = {
        "svg": "Diagram (SVG)",
        "dot": "Diagram (DOT)",
        "mmd": "Diagram (Mermaid)",
        "md": "Transition table (Markdown)",
    }
    for ext, label in downloads.items():
        assert page.link(label) == f"/staff/flows/{name}/diagram.{ext}"


def test_each_state_and_step_shows_the_faq(analyst: Browser) -> None:
    english(analyst)
    page = analyst.get("/staff/flows/password_reset")
    steps = [" ".join(li.get_text(" ").split()) for li in page.soup.select(".faq-steps li")]
    assert steps[0].startswith("Step 1 On the MINI ID — Sign in page, click Forgot your password?")
    assert steps[0].endswith("→ E-mail form")
    assert steps[3].endswith("→ Password reset")
    states = cells(page, "#faq")
    assert states["Expired expired final"][0] == "technical"
    assert states["Reset link sent link_sent"][0] == "3"


def test_account_association_is_traced_to_every_step_of_faq_section_3(analyst: Browser) -> None:
    english(analyst)
    page = analyst.get("/staff/flows/account_association")
    steps = [
        " ".join(li.get_text(" ").split()).replace(" ,", ",")
        for li in page.soup.select(".faq-steps li")
    ]
    assert len(steps) == 5
    assert steps[0].endswith("→ Identity verification, Verification locked")
    assert steps[1].endswith("→ Identity verification")  # 1a, «Numéro MINI»
    assert steps[2].endswith("→ Choosing where to send the code")
    assert steps[3].endswith("→ Choosing where to send the code")
    assert steps[4].endswith("→ Code sent, Accounts added")
    states = cells(page, "#faq")
    assert states["Code sent code_sent"][0] == "4"
    assert "every state claims a step or is technical — passed" in page.text


def test_the_heatmap_numbers_are_the_trails(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    drive(services)
    analyst = analyst_of(app)
    english(analyst)
    page = analyst.get("/staff/flows/registration?period=7d")
    states = cells(page, "#state-counts")
    assert states["Registration form"] == ["11", "0"]
    assert states["Activation e-mail sent"] == ["9", "0"]
    assert states["MINI ID activated"] == ["5", "5"]
    assert states["Expired"] == ["6", "6"]
    assert "Instances started: 11." in page.text
    svg = page.soup.select_one(".diagram-canvas svg")
    assert svg is not None
    hot = svg.find(id="t--details--submit--awaiting_activation")
    assert hot is not None and hot.title is not None
    assert hot.title.get_text() == "Register\nTaken: 9\nRejected: 6"
    funnel = cells(page, "#funnel")
    assert funnel["Ended: MINI ID activated"][:2] == ["5", "45%"]
    assert funnel["Ended: Expired"][2] == "Activation e-mail sent (4), Registration form (2)"
    rejections = [" ".join(tr.get_text(" ").split()) for tr in page.soup.select("#rejections tr")]
    assert any(
        "The names are given" in r and "password_too_short" in r and r.endswith(" 3")
        for r in rejections
    )
    assert any("The form's fields" in r and "email_invalid" in r for r in rejections)


def test_the_period_filter(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    register(services, 1)
    services.clock.advance(timedelta(days=3))
    register(services, 2)
    analyst = analyst_of(app)
    english(analyst)
    day = analyst.get("/staff/flows/registration?period=24h")
    assert cells(day, "#state-counts")["Registration form"][0] == "1"
    week = analyst.get("/staff/flows/registration?period=7d")
    assert cells(week, "#state-counts")["Registration form"][0] == "2"
    assert week.soup.select_one("input[name=period][value='7d'][checked]") is not None
    today = local_today(services.clock())  # custom days are Eastern days
    custom = analyst.get(
        f"/staff/flows/registration?period=custom&from={today - timedelta(days=3)}"
        f"&to={today - timedelta(days=3)}"
    )
    assert cells(custom, "#state-counts")["Registration form"][0] == "1"
    assert "Chosen days" in custom.text


def test_diagram_downloads(analyst: Browser) -> None:
    client = analyst.client
    svg = client.get("/staff/flows/registration/diagram.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == 'attachment; filename="registration.svg"'
    ElementTree.fromstring(svg.data)  # noqa: S314 - well-formed
    assert "Formulaire d'inscription" in svg.get_data(as_text=True)  # the analyst's language
    dot = client.get("/staff/flows/registration/diagram.dot").get_data(as_text=True)
    assert dot.startswith("digraph registration {") and "details [label=" in dot
    mermaid = client.get("/staff/flows/registration/diagram.mmd").get_data(as_text=True)
    assert mermaid.startswith("stateDiagram-v2")
    table = client.get("/staff/flows/registration/diagram.md").get_data(as_text=True)
    assert "| De | Événement | Conditions |" in table
    assert client.get("/staff/flows/nothing/diagram.svg").status_code == 404
    assert client.get("/staff/flows/registration/diagram.png").status_code == 404


def test_counts_csv_of_the_period(app: Flask) -> None:
    drive(app.extensions["moncompte"])
    analyst = analyst_of(app)
    response = analyst.client.get("/staff/flows/registration/counts.csv?period=7d")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    starts = [r for r in rows if r["event"] == "start"]
    assert [int(r["count"]) for r in starts] == [11]
    too_short = [r for r in rows if r["reason"] == "password_too_short"]
    assert [(r["source"], r["outcome"], r["count"]) for r in too_short] == [
        ("details", "rejected", "3")
    ]


def test_the_audit_trail_search_and_timeline(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    drive(services)
    analyst = analyst_of(app)
    english(analyst)
    signed_in = analyst.get("/staff/trail?flow=sign_in&state=signed_in")
    rows = signed_in.soup.select("table.data tbody tr")
    assert len(rows) == 1 and "jean.t@example.com" in rows[0].get_text()
    expired = analyst.get("/staff/trail?flow=registration&outcome=expired")
    assert len(expired.soup.select("table.data tbody tr")) == 1
    by_customer = analyst.get("/staff/trail?customer=JEAN.T@example.com")
    assert len(by_customer.soup.select("table.data tbody tr")) == 1
    assert analyst.get("/staff/trail?customer=nobody@example.com").soup.select("tbody tr") == []
    today = local_today(services.clock())  # custom days are Eastern days
    assert analyst.get(f"/staff/trail?to={today - timedelta(days=3)}").soup.select("tbody tr") == []
    activated = analyst.get("/staff/trail?flow=registration&state=activated")
    assert len(activated.soup.select("table.data tbody tr")) == 5

    first = activated.soup.select_one("table.data tbody a")
    assert first is not None
    timeline = analyst.get(str(first["href"]))
    events = [
        [" ".join(c.get_text(" ").split()) for c in tr.find_all("td")]
        for tr in timeline.soup.select("table.timeline tbody tr")
    ]
    assert [e[1] for e in events][:3] == ["Start", "Register", "Register"]
    refused = next(e for e in events if e[4] == "Not allowed")
    assert refused[5] == "event: not_allowed This step has already been completed."
    taken = next(e for e in events if e[1] == "Activate now" and e[4] == "Taken")
    assert taken[2:4] == ["Activation e-mail sent", "MINI ID activated"]
    assert PASSWORD not in timeline.text and "[redacted]" in timeline.text


def test_every_outcome_has_its_name_in_the_trail(app: Flask) -> None:
    """An event its sender may not send (a visitor's procedure expired by hand) is named
    in the timeline's badge and among the trail's choices, like every other outcome."""
    services: Services = app.extensions["moncompte"]
    snap = services.engine.start("registration", by=TESTER, language="en")
    assert services.engine.send(snap.id, "expire", {}, by=TESTER).outcome == "forbidden"
    analyst = analyst_of(app)
    english(analyst)
    search = analyst.get("/staff/trail")
    choices = [o.get_text(strip=True) for o in search.soup.select("#outcome option")]
    assert "Not for this sender" in choices and all(choices), choices
    timeline = analyst.get(f"/staff/trail/{snap.id}")
    badges = [b.get_text(strip=True) for b in timeline.soup.select("table.timeline .badge")]
    assert "Not for this sender" in badges and all(badges), badges


def test_the_trail_export_is_safe_in_a_spreadsheet(app: Flask, analyst: Browser) -> None:
    services: Services = app.extensions["moncompte"]
    formula = Principal.tester('=HYPERLINK("x")')  # an actor's name a spreadsheet would run
    snap = services.engine.start("registration", by=formula, language="fr")
    response = analyst.client.get("/staff/trail/export.csv?flow=registration")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["instance_id", "flow", "version", "at"]
    assert rows[1][0] == snap.id and rows[1][9] == '\'=HYPERLINK("x")'


def test_flows_diagram_command(app: Flask, tmp_path: object) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["flows", "diagram", "registration", "--format", "md"])
    assert result.exit_code == 0 and "| De | Événement |" in result.output
    english_svg = runner.invoke(
        main, ["flows", "diagram", "sign_in", "--format", "svg", "--lang", "en"]
    )
    assert "Sign-in form" in english_svg.output
    missing = runner.invoke(main, ["flows", "diagram", "nothing"])
    assert missing.exit_code == 2 and "Known: " + ", ".join(sorted(NAMES)) + "." in (missing.output)
