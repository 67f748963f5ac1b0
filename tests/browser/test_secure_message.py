"""Secure messaging in a real browser, in both languages: a customer composes (a refused
first try, then sent), an agent answers in the console, the customer reads the answer.
Every page is checked by axe-core and kept as a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    accessible,
    remember_device,
    shoot,
    switch_to_english,
    type_staff_code,
    watch,
)
from tests.factories import PASSWORD, contract, identity, staff_member
from web.services import Services

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = {
    "fr": {
        "sign_in": "Se connecter",
        "inbox": "Afficher la boîte de réception",
        "compose": "Composez un message",
        "subject": "Paiements",
        "send": "Envoyer un message",
        "required": "Ce champ est obligatoire.",
        "sent": "Message envoyé",
        "question": "Puis-je déplacer mon prélèvement au 15 du mois?",
        "messages": "Messages",
        "open": "Ouvrir",
        "answer": "Oui, c'est fait à partir du mois prochain.",
        "send_answer": "Envoyer la réponse",
        "answered": "Répondu",
        "new": "1 nouvelle réponse",
        "answer_sent": "Réponse envoyée à Jean Tremblay.",
        "unread": "Messages, 1 message non lu",
        "inbox_unread": "Afficher la boîte de réception, 1 message non lu",
        "reply": "Merci beaucoup!",
        "replied": "Votre réponse a été envoyée.",
    },
    "en": {
        "sign_in": "Sign in",
        "inbox": "View inbox",
        "compose": "Compose a message",
        "subject": "Payments",
        "send": "Send message",
        "required": "This field is required.",
        "sent": "Message sent",
        "question": "Can I move my payment to the 15th of the month?",
        "messages": "Messages",
        "open": "Open",
        "answer": "Yes, done from next month on.",
        "send_answer": "Send the answer",
        "answered": "Answered",
        "new": "1 new answer",
        "answer_sent": "Answer sent to Jean Tremblay.",
        "unread": "Messages, 1 unread message",
        "inbox_unread": "View inbox, 1 unread message",
        "reply": "Thank you very much!",
        "replied": "Your reply has been sent.",
    },
}


def said(name: str) -> re.Pattern[str]:
    """An accessible name «Messages, 1 message non lu», whatever space the browser puts
    before the comma of the hidden words."""
    head, _, tail = name.partition(",")
    return re.compile(f"^{re.escape(head)} ?,{re.escape(tail)}$")


def step(page: Page, name: str) -> None:
    accessible(page)
    shoot(page, name)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compose_answer_and_read(
    page: Page, chromium: Browser, live_server: str, app: Flask, tmp_path: Path, lang: str
) -> None:
    words = TEXT[lang]
    services: Services = app.extensions["moncompte"]
    jean = identity(services, "jean.t@example.com", language=lang)
    contract(services, identity_id=jean)
    staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    statement = tmp_path / "releve.pdf"
    statement.write_bytes(PDF)

    remember_device(page, app, live_server, "jean.t@example.com")  # no code: see association
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill("jean.t@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.get_by_role("link", name=words["inbox"]).click()
    step(page, f"messages-inbox-empty-{lang}")
    page.get_by_role("link", name=words["compose"]).click()
    step(page, f"messages-compose-{lang}")

    page.locator("#subject").select_option("payments")
    page.locator("#attachment").set_input_files(str(statement))
    page.get_by_role("button", name=words["send"]).click()  # no message yet: refused
    expect(page.locator("#body-error")).to_have_text(words["required"])
    step(page, f"messages-compose-refused-{lang}")
    page.locator("#body").fill(words["question"])
    page.locator("#attachment").set_input_files(str(statement))  # chosen again, as told
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
    step(page, f"messages-sent-{lang}")

    agent = watch(chromium.new_context(viewport=page.viewport_size, locale="fr-CA")).new_page()
    agent.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(agent)
    agent.locator("#email").fill("agent@servicesfinanciersmini.ca")
    agent.locator("#password").fill(PASSWORD)
    agent.get_by_role("button", name=words["sign_in"]).click()
    type_staff_code(agent, app, "agent@servicesfinanciersmini.ca")
    agent.get_by_role("link", name=words["messages"], exact=True).first.click()
    step(agent, f"agent-queue-{lang}")
    agent.get_by_role("button", name=words["open"]).click()
    expect(agent.locator(".thread")).to_contain_text(words["question"])
    step(agent, f"agent-conversation-{lang}")
    agent.locator("#body").fill(words["answer"])
    agent.get_by_role("button", name=words["send_answer"]).click()
    expect(agent.locator(".badge.answered")).to_have_text(words["answered"])
    expect(agent.get_by_role("status")).to_have_text(words["answer_sent"])
    step(agent, f"agent-answered-{lang}")
    agent.context.close()

    # The unread answer is counted in the header and on the overview's inbox button.
    page.goto(f"{live_server}/{lang}/overview")
    header = page.locator("header nav").get_by_role("link", name=re.compile("^Messages"))
    expect(header.locator(".count")).to_have_text("(1)")  # what the eye reads after «Messages»
    expect(header).to_have_accessible_name(said(words["unread"]))
    inbox = page.get_by_role("link", name=re.compile(f"^{words['inbox']}"))
    expect(inbox.locator(".count")).to_have_text("(1)")
    expect(inbox).to_have_accessible_name(said(words["inbox_unread"]))
    step(page, f"overview-unread-{lang}")
    page.goto(f"{live_server}/{lang}/messages")
    expect(page.locator(".badge.new")).to_have_text(words["new"])
    step(page, f"messages-inbox-unread-{lang}")
    page.get_by_role("button", name=words["subject"]).click()
    expect(page.locator(".message.staff")).to_contain_text(words["answer"])
    expect(page.locator("header nav .count")).to_have_count(0)  # read: no count any more
    step(page, f"messages-thread-{lang}")
    page.locator("#body").fill(words["reply"])
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("status")).to_have_text(words["replied"])
    expect(page.locator(".message.customer").last).to_contain_text(words["reply"])
    step(page, f"messages-replied-{lang}")
