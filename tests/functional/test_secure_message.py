"""Secure messaging (FAQ §4), the customer's side, through the real forms: compose, the
confirmation, the message centre, a conversation's thread, replies and attachments."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flows import formatting
from flows.access import Principal
from flows.messaging.targets import add_business_days
from flows.support import case_reference
from storage.messages import Attachment, Conversation
from tests.factories import PDF, TESTER, contract, identity, staff_member
from tests.functional.test_api import TOKEN, Api
from tests.functional.test_cli import run
from tests.functional.test_overview import signed_in
from tests.support import Browser, Form, Page
from web.services import Services

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 64
QUESTION = "Bonjour,\nPuis-je changer la date de mon prélèvement mensuel?\nMerci"
WORDS = {
    "fr": {
        "inbox": "Afficher la boîte de réception",
        "centre": "Mon Centre de messages",
        "compose": "Composez un message",
        "sent": "Message envoyé",
        "received": "Les Services financiers MINI ont reçu votre message.",
        "kept": "Votre message a été conservé, mais pas vos fichiers.",
    },
    "en": {
        "inbox": "View inbox",
        "centre": "My message centre",
        "compose": "Compose a message",
        "sent": "Message sent",
        "received": "MINI Financial Services received your message.",
        "kept": "Your message was kept, but not your files.",
    },
}


def files(*named: tuple[str, bytes]) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(content), name) for name, content in named]


def main_form(page: Page, index: int = 0) -> Form:
    """The page's own POST form (the header's sign-out form is not one of them)."""
    found = page.soup.select("main form[method=post]")
    assert len(found) > index, f"no form {index} in the main part of {page.path}"
    return Form(page, found[index])


def compose_page(browser: Browser, lang: str = "fr") -> Page:
    """From the overview, as the FAQ says: «Afficher la boîte de réception», then
    «Composez un message»."""
    words = WORDS[lang]
    overview = browser.get(f"/{lang}/overview")
    inbox = browser.get(overview.link(words["inbox"]))
    assert inbox.h1 == words["centre"]
    page = browser.get(inbox.link(words["compose"]))
    assert page.h1 == words["compose"]
    return page


def compose(
    browser: Browser,
    contract_id: int,
    body: str = QUESTION,
    attached: list[tuple[io.BytesIO, str]] | None = None,
    *,
    subject: str = "payments",
    lang: str = "fr",
) -> Page:
    form = main_form(compose_page(browser, lang))
    form.fill(subject=subject, contract=str(contract_id), body=body, attachment=attached or [])
    return form.submit()


def conversation_of(services: Services, customer_id: int) -> Conversation:
    with services.db.read() as session:
        found = session.scalars(
            select(Conversation)
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.created_at.desc())
        ).first()
    assert found is not None
    return found


def thread_texts(page: Page) -> list[str]:
    return [" ".join(m.get_text(" ").split()) for m in page.soup.select(".thread .message")]


@pytest.fixture
def linked(services: Services, jean: int) -> int:
    """Jean's loan, linked to his MINI ID."""
    return contract(services, identity_id=jean)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_linked_customer_composes_with_a_file_and_is_told_it_was_received(
    app: Flask, services: Services, jean: int, linked: int, lang: str
) -> None:
    browser = signed_in(app, lang=lang)
    page = compose(browser, linked, attached=files(("relevé.pdf", PDF)), lang=lang)
    assert page.h1 == WORDS[lang]["sent"]
    assert WORDS[lang]["received"] in page.text
    assert "PR-25-000001" in page.text and "relevé.pdf" in page.text
    # The reference an agent finds it by, and when to expect the answer (2 business days).
    conversation = conversation_of(services, jean)
    reference = page.soup.select_one(".reference")
    assert reference is not None and reference.get_text() == case_reference(conversation.id)
    due = add_business_days(conversation.created_at.replace(tzinfo=UTC), 2).date()
    assert formatting.day(due, lang) in page.text
    thread = browser.get(page.link("conversation"))
    [first] = thread_texts(thread)
    assert "Puis-je changer la date de mon prélèvement mensuel?" in first
    link = thread.soup.select_one(".thread .attachments a")
    assert link is not None and link.get_text(strip=True) == "relevé.pdf"
    download = browser.client.get(str(link["href"]))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "private, no-store"


def test_the_message_centre_lists_conversations_newest_first(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    lease = contract(services, "LO-25-000002", identity_id=jean, kind="lease")
    browser = signed_in(app)
    compose(browser, linked, "Une question sur mes paiements", subject="payments")
    services.clock.advance(timedelta(minutes=5))
    compose(browser, lease, "Et sur la fin de ma location", subject="end_of_lease")
    inbox = browser.get("/fr/messages")
    rows = [" ".join(r.get_text(" ").split()) for r in inbox.soup.select(".conversation")]
    assert len(rows) == 2
    assert rows[0].startswith("Fin de location Contrat LO-25-000002")
    assert rows[1].startswith("Paiements Contrat PR-25-000001")
    assert all("En attente d'une réponse" in r for r in rows)


REFUSALS = [
    pytest.param(
        lambda: files(("facture.pdf", EXE)),
        {
            "fr": "facture.pdf : ce n'est pas un PDF, un JPEG ou un PNG",
            "en": "facture.pdf: not a PDF, a JPEG or a PNG",
        },
        id="exe-renamed-pdf",
    ),
    pytest.param(
        lambda: files(("scan.pdf", PDF + b"\x00" * (11 * 1024 * 1024))),
        {"fr": "scan.pdf : plus de 10 Mo", "en": "scan.pdf: larger than 10 MB"},
        id="11-MB",
    ),
    pytest.param(
        lambda: files(*[(f"page-{n}.pdf", PDF) for n in range(4)]),
        {
            "fr": "Envoyez au plus 3 fichiers : vous en avez choisi 4.",
            "en": "Send at most 3 files: you chose 4.",
        },
        id="fourth-file",
    ),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("attached", "message"), REFUSALS)
def test_a_refused_file_is_explained_and_the_text_is_kept(
    app: Flask,
    services: Services,
    jean: int,
    linked: int,
    uploads: Path,
    attached: Callable[[], list[Any]],
    message: dict[str, str],
    lang: str,
) -> None:
    browser = signed_in(app, lang=lang)
    page = compose(browser, linked, attached=attached(), subject="documents", lang=lang)
    assert page.h1 == WORDS[lang]["compose"]
    assert page.field_errors == {"attachment": message[lang]}
    assert WORDS[lang]["kept"] in page.text
    textarea = page.soup.select_one("textarea[name=body]")
    assert textarea is not None and textarea.get_text() == QUESTION
    chosen = page.soup.select_one("select[name=subject] option[selected]")
    assert chosen is not None and chosen["value"] == "documents"
    with services.db.read() as session:
        assert session.scalar(select(Conversation)) is None
        assert session.scalar(select(Attachment)) is None
    assert not uploads.exists() or not any(uploads.rglob("*.*"))
    # Sent again with the files chosen again: the draft becomes a message.
    again = main_form(page).fill(attachment=files(("facture.pdf", PDF))).submit()
    assert again.h1 == WORDS[lang]["sent"], again.field_errors


ALL_AT_ONCE = {
    "fr": [
        "Envoyez au plus 3 fichiers : vous en avez choisi 4.",
        "facture.exe : ce n'est pas un PDF, un JPEG ou un PNG",
        "scan.pdf : plus de 10 Mo",
        "vide.pdf : le fichier est vide",
    ],
    "en": [
        "Send at most 3 files: you chose 4.",
        "facture.exe: not a PDF, a JPEG or a PNG",
        "scan.pdf: larger than 10 MB",
        "vide.pdf: the file is empty",
    ],
}


def summary(page: Page) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in page.soup.select(".error-summary li")]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_refused_file_is_named_with_its_reason_at_once(
    app: Flask, services: Services, jean: int, linked: int, uploads: Path, lang: str
) -> None:
    chosen = files(
        ("releve.pdf", PDF),
        ("facture.exe", EXE),
        ("scan.pdf", PDF + b"\x00" * (11 * 1024 * 1024)),
        ("vide.pdf", b""),
    )
    page = compose(signed_in(app, lang=lang), linked, attached=chosen, lang=lang)
    assert page.h1 == WORDS[lang]["compose"]
    assert summary(page) == ALL_AT_ONCE[lang]
    beside = page.soup.select("#attachment-error li")
    assert [" ".join(li.get_text(" ").split()) for li in beside] == ALL_AT_ONCE[lang]
    with services.db.read() as session:
        assert session.scalar(select(Conversation)) is None
        assert session.scalar(select(Attachment)) is None
    assert not uploads.exists() or not any(uploads.rglob("*.*"))


def test_files_that_were_fine_are_named_to_be_chosen_again(
    app: Flask, jean: int, linked: int
) -> None:
    browser = signed_in(app)
    page = compose(browser, linked, "", attached=files(("a.pdf", PDF), ("b.png", PNG)))
    assert page.field_errors == {"body": "Ce champ est obligatoire."}
    assert "choisissez-les de nouveau (a.pdf, b.png)" in page.text


def test_a_message_too_long_comes_back_whole(app: Flask, jean: int, linked: int) -> None:
    long_text = "Une très longue question. " * 250  # 6,500 characters
    page = compose(signed_in(app), linked, long_text)
    assert page.field_errors == {"body": "Cette valeur est trop longue."}
    textarea = page.soup.select_one("textarea[name=body]")
    assert textarea is not None and textarea.get_text() == long_text  # as typed


def test_a_contract_that_is_not_theirs_is_refused(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    someone = identity(services, "autre@example.com")
    theirs = contract(services, "PR-25-000099", identity_id=someone)
    page = compose_page(signed_in(app))
    offered = [o["value"] for o in page.soup.select("select[name=contract] option")]
    assert offered == [str(linked)]
    sent = main_form(page).fill(subject="payoff", contract=str(theirs), body=QUESTION).submit()
    assert sent.field_errors == {"contract": "Choisissez un de vos contrats."}
    with services.db.read() as session:
        assert session.scalar(select(Conversation)) is None


def test_a_customer_without_a_linked_contract_is_asked_to_link_one(app: Flask, jean: int) -> None:
    page = compose_page(signed_in(app))
    assert page.soup.find("textarea") is None
    assert "associez-le d'abord à votre MINI ID" in page.text


def test_someone_elses_conversation_and_attachment_answer_404(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    compose(signed_in(app), linked, attached=files(("relevé.pdf", PDF)))
    mine = conversation_of(services, jean)
    with services.db.read() as session:
        attachment = session.scalar(select(Attachment))
    assert attachment is not None
    other = identity(services, "autre@example.com")
    contract(services, "PR-25-000099", identity_id=other)
    intruder = signed_in(app, "autre@example.com")
    for path in (
        f"/fr/messages/conversations/{mine.id}",
        f"/fr/messages/attachments/{attachment.id}",
        "/fr/messages/attachments/9223372036854775808",
    ):
        assert intruder.client.get(path).status_code == 404, path
    token = intruder.get("/fr/messages").soup.select_one("input[name=csrf_token]")
    assert token is not None
    data = {"csrf_token": token["value"], "event": "reply", "body": "pirate"}
    for path in (f"/fr/messages/conversations/{mine.id}", f"/fr/messages/{mine.id}/read"):
        assert intruder.client.post(path, data=data).status_code == 404, path
    page = signed_in(app).get(f"/fr/messages/conversations/{mine.id}")
    assert "pirate" not in " ".join(thread_texts(page))


def test_a_conversation_is_not_started_from_a_page(app: Flask, jean: int) -> None:
    browser = signed_in(app)
    assert browser.client.get("/fr/messages/conversations").status_code == 404
    token = browser.get("/fr/messages").soup.select_one("input[name=csrf_token]")
    data = {"csrf_token": token["value"] if token else ""}
    assert browser.client.post("/fr/messages/conversations", data=data).status_code == 404


def test_script_in_a_message_is_shown_as_text(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    script = "<script>alert('x')</script><b>gras</b>"
    browser = signed_in(app)
    compose(browser, linked, script)
    conversation = conversation_of(services, jean)
    page = browser.get(f"/fr/messages/conversations/{conversation.id}")
    raw = page.response.get_data(as_text=True)
    assert "<script>alert" not in raw and "<b>gras</b>" not in raw
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in raw
    assert script in " ".join(thread_texts(page))


def test_a_reply_reopens_a_closed_conversation(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    browser = signed_in(app)
    compose(browser, linked)
    conversation = conversation_of(services, jean)
    engine = services.engine
    agent = staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    answer = {"body": "Oui."}
    assert engine.send(conversation.id, "answer", answer, by=Principal.staff(agent, "agent")).ok
    services.clock.advance(timedelta(days=31))
    assert engine.sweep() == 1  # 30 days without a reply: closed by itself
    browser = signed_in(app)  # a month later, signed in again
    page = browser.get(f"/fr/messages/conversations/{conversation.id}")
    assert "Fermé" in page.text and "Répondre la rouvre." in page.text
    page = main_form(page).fill(body="Finalement, j'ai une autre question.").submit("reply")
    assert engine.snapshot(conversation.id, by=TESTER).state == "waiting"
    assert "En attente d'une réponse" in page.text
    assert len(thread_texts(page)) == 3


def test_testers_write_through_the_api_and_cli_but_start_no_conversation(make_app: Any) -> None:
    app = make_app(API_TOKEN=TOKEN)
    api = Api(app)
    services: Services = app.extensions["moncompte"]
    jean = identity(services)
    mine = contract(services, identity_id=jean)
    refused = api.call("POST", "/flows", {"flow": "conversation"})
    assert refused.status_code == 422 and (refused.json or {})["errors"]["flow"]["reason"] == (
        "unknown_flow"
    )
    code, output = run(app, "flows", "start", "conversation")
    assert code == 2 and "started by another procedure: secure_message" in output
    draft = api.start("secure_message", customer="jean.t@example.com")
    data = {"subject": "insurance", "contract": str(mine), "body": "Mon assurance?"}
    sent = api.send(draft["id"], "submit", data)
    assert sent.status_code == 200 and (sent.json or {})["state"] == "sent"
    conversation = conversation_of(services, jean).id
    reply = api.send(conversation, "reply", {"body": "Précision : c'est pour la MINI."})
    assert reply.status_code == 200 and (reply.json or {})["state"] == "waiting"
    answer = api.send(conversation, "answer", {"body": "Réponse d'un testeur"})
    reason = (answer.json or {})["errors"]["event"]["reason"]
    assert answer.status_code == 403 and reason == "not_for_you"  # an agent's event


def test_a_refused_reply_keeps_its_text(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    browser = signed_in(app, lang="en")
    compose(browser, linked, lang="en")
    page = browser.get(f"/en/messages/conversations/{conversation_of(services, jean).id}")
    exe = files(("photo.png", EXE))
    refused = main_form(page).fill(body="Here is the photo.", attachment=exe).submit("reply")
    assert refused.field_errors == {"attachment": "photo.png: not a PDF, a JPEG or a PNG"}
    assert "Your message was kept, but not your files." in refused.text
    textarea = refused.soup.select_one("textarea[name=body]")
    assert textarea is not None and textarea.get_text() == "Here is the photo."
    assert len(thread_texts(refused)) == 1


def test_with_several_contracts_the_customer_chooses_one(
    app: Flask, services: Services, jean: int, linked: int
) -> None:
    lease = contract(services, "LO-25-000002", identity_id=jean, kind="lease")
    page = compose_page(signed_in(app))
    options = page.soup.select("select[name=contract] option")
    assert options[0]["value"] == ""
    assert sorted(o["value"] for o in options[1:]) == sorted([str(linked), str(lease)])
    assert options[0].get_text() == "Choisissez un contrat"
    assert not any(o.has_attr("selected") for o in options)  # nothing chosen silently
    sent = main_form(page).fill(subject="payoff", body=QUESTION).submit()
    assert list(sent.field_errors) == ["contract"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_reply_names_every_refused_file(
    app: Flask, services: Services, jean: int, linked: int, uploads: Path, lang: str
) -> None:
    browser = signed_in(app, lang=lang)
    compose(browser, linked, lang=lang)
    page = browser.get(f"/{lang}/messages/conversations/{conversation_of(services, jean).id}")
    chosen = files(("facture.exe", EXE), ("scan.pdf", PDF + b"\x00" * (11 * 1024 * 1024)))
    refused = main_form(page).fill(body="Voici.", attachment=chosen).submit("reply")
    assert summary(refused) == ALL_AT_ONCE[lang][1:3]
    assert len(thread_texts(refused)) == 1  # nothing sent, nothing kept
    assert not uploads.exists() or not any(uploads.rglob("*.*"))
