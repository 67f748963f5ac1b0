"""The agents' side of secure messaging, through the real forms: the queue, claiming,
answering (the customer told by a real SMTP server), closing; who may do what."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flows.access import Principal
from flows.engine import UnknownInstance
from storage.messages import Message
from storage.models import AuditRecord, Staff
from tests.factories import PASSWORD, PDF, TESTER, contract, identity, staff_member
from tests.functional.test_overview import signed_in
from tests.functional.test_secure_message import (
    QUESTION,
    compose,
    conversation_of,
    files,
    main_form,
    thread_texts,
)
from tests.functional.test_staff import form, type_code
from tests.support import Browser, Page, SMTPServer, body_text, link_in
from web.services import Services

AGENT = "agent@servicesfinanciersmini.ca"
ANSWER = "Bonjour Jean,\nOui: changez-la dans les 10 jours avant le prélèvement."


def agent(services: Services, email: str = AGENT, first_name: str = "Marie") -> int:
    member = staff_member(services, email, role="agent")
    with services.db.write() as session:
        found = session.get(Staff, member)
        assert found is not None
        found.first_name = first_name
    return member


def staff_signed_in(app: Flask, email: str = AGENT, lang: str = "fr") -> Browser:
    browser = Browser(app)
    page = browser.get("/staff/login")
    if lang == "en":
        form(page, "/staff/language").submit()
        page = browser.get("/staff/login")
    typed = form(page, "/staff/login").fill(email=email, password=PASSWORD).submit()
    home = type_code(typed, email)
    assert home.path == "/staff/", home.text
    return browser


def open_from_queue(browser: Browser, subject: str = "Paiements") -> Page:
    queue = browser.get("/staff/messages")
    row = next(r for r in queue.soup.select("table tbody tr") if subject in r.get_text())
    claim = row.find("form")
    assert claim is not None
    return form(queue, str(claim["action"])).submit("claim")


def answer_form(page: Page) -> Any:
    return main_form(page, 0)


@pytest.fixture
def written(app: Flask, services: Services, jean: int) -> str:
    """Jean's first message, about his loan, with a statement attached."""
    mine = contract(services, identity_id=jean)
    compose(signed_in(app), mine, attached=files(("relevé.pdf", PDF)))
    return conversation_of(services, jean).id


def test_a_customer_writes_an_agent_answers_the_customer_reads_and_replies(
    mail_app: Flask, smtp_server: SMTPServer
) -> None:
    services: Services = mail_app.extensions["moncompte"]
    jean = identity(services, "jean.t@example.com")
    mine = contract(services, identity_id=jean)
    marie = agent(services)
    customer = signed_in(mail_app)
    sent = compose(customer, mine, attached=files(("relevé.pdf", PDF)))
    assert sent.h1 == "Message envoyé"

    staff = staff_signed_in(mail_app)
    page = open_from_queue(staff)
    assert "Vous réservez cette conversation jusqu'à" in page.text
    assert QUESTION.split("\n")[1] in " ".join(thread_texts(page))
    aside = page.soup.select_one("aside")
    assert (
        aside is not None
        and "PR-25-000001" in aside.get_text()
        and "MINI Cooper S" in (aside.get_text())
    )
    attachment = page.soup.select_one(".thread .attachments a")
    assert attachment is not None
    download = staff.client.get(str(attachment["href"]))
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    answered = answer_form(page).fill(body=ANSWER).submit("answer")
    assert "Répondu" in answered.text

    [mail] = smtp_server.wait_for("jean.t@example.com")
    assert mail["Subject"] == "Une réponse vous attend dans votre centre de messages"
    text = body_text(mail)
    assert "changez-la" not in text and "prélèvement" not in text  # never the content
    assert link_in(text) == "/fr/messages"

    inbox = customer.get(link_in(text))
    assert "1 nouvelle réponse" in inbox.text
    thread = main_form(inbox).submit()  # opening it marks it read
    assert "Oui: changez-la dans les 10 jours avant le prélèvement." in thread.text
    assert "nouvelle réponse" not in customer.get("/fr/messages").text
    replied = main_form(thread).fill(body="Merci! Et pour le mois prochain?").submit("reply")
    conversation = conversation_of(services, jean)
    assert services.engine.snapshot(conversation.id, by=TESTER).state == "waiting"
    assert "En attente d'une réponse" in replied.text
    assert "Paiements" in staff.get("/staff/messages").text  # back in the queue

    with services.db.read() as session:
        actors = session.execute(
            select(AuditRecord.event, AuditRecord.actor)
            .where(AuditRecord.instance_id == conversation.id)
            .order_by(AuditRecord.id)
        ).all()
    assert [tuple(a) for a in actors] == [
        ("start", "customer"),
        ("claim", f"staff:{marie}"),
        ("answer", f"staff:{marie}"),
        ("read", "customer"),
        ("reply", "customer"),
    ]


def test_the_queue_shows_the_oldest_first_filtered_by_subject_and_age(
    app: Flask, services: Services, jean: int
) -> None:
    mine = contract(services, identity_id=jean)
    customer = signed_in(app)
    compose(customer, mine, "La plus ancienne", subject="insurance")
    services.clock.advance(timedelta(days=5))  # past 2 business days, whatever the weekday
    customer = signed_in(app)
    compose(customer, mine, "La plus récente", subject="payments")
    agent(services)
    staff = staff_signed_in(app)
    queue = staff.get("/staff/messages")
    rows = [" ".join(r.get_text(" ").split()) for r in queue.soup.select("table tbody tr")]
    assert [r.split(" PR-")[0] for r in rows] == ["Assurance", "Paiements"]
    assert "En retard" in rows[0] and "Dans les délais" in rows[1]
    only = staff.get("/staff/messages?subject=payments").soup.select("table tbody tr")
    assert len(only) == 1 and "Paiements" in only[0].get_text()
    old = staff.get("/staff/messages?age=2d").soup.select("table tbody tr")
    assert len(old) == 1 and "Assurance" in old[0].get_text()
    late = staff.get("/staff/messages?age=overdue").soup.select("table tbody tr")
    assert len(late) == 1 and "Assurance" in late[0].get_text()
    english = staff_signed_in(app, lang="en").get("/staff/messages")
    assert english.h1 == "Messages waiting for an answer" and "Insurance" in english.text


def test_opening_holds_the_conversation_and_another_agent_sees_who(
    app: Flask, services: Services, written: str
) -> None:
    agent(services)
    agent(services, "paul@servicesfinanciersmini.ca", "Paul")
    marie = staff_signed_in(app)
    open_from_queue(marie)
    paul = staff_signed_in(app, "paul@servicesfinanciersmini.ca")
    queue = paul.get("/staff/messages")
    assert "Marie" in queue.soup.select("table tbody tr")[0].get_text()
    page = open_from_queue(paul)
    assert "Un autre agent répond à cette conversation." in page.text
    assert "Marie répond à cette conversation (réservée jusqu'à" in page.text
    # Reading the page (GET) claims nothing; 15 minutes later the hold is over.
    services.clock.advance(timedelta(minutes=16))
    paul = staff_signed_in(app, "paul@servicesfinanciersmini.ca")
    assert "Marie" not in paul.get("/staff/messages").soup.select("table tbody tr")[0].get_text()
    assert "Vous réservez cette conversation" in open_from_queue(paul).text


def test_agents_are_named_by_their_display_name_and_customers_see_the_company(
    app: Flask, services: Services, written: str, jean: int
) -> None:
    staff_member(services, AGENT, role="agent", name="Julie Roy")
    agent(services, "paul@servicesfinanciersmini.ca", "Paul")
    julie = staff_signed_in(app)
    answer_form(open_from_queue(julie)).fill(body=ANSWER).submit("answer")
    services.engine.send(written, "reply", {"body": "Merci!"}, by=TESTER)
    open_from_queue(julie)
    paul = staff_signed_in(app, "paul@servicesfinanciersmini.ca")
    queue = paul.get("/staff/messages")
    assert "Julie Roy" in queue.soup.select("table tbody tr")[0].get_text()
    page = paul.get(f"/staff/instances/{written}")
    authors = [" ".join(h.get_text(" ").split()) for h in page.soup.select(".thread .author")]
    assert "Services financiers MINI · Julie Roy" in authors
    assert "Julie Roy répond à cette conversation" in page.text and AGENT not in page.text
    customer = signed_in(app).get(f"/fr/messages/conversations/{written}")
    mine = [" ".join(h.get_text(" ").split()) for h in customer.soup.select(".thread .author")]
    assert "Services financiers MINI" in mine and "Julie Roy" not in customer.text


def test_while_one_agent_holds_a_conversation_no_other_answers_or_closes_it(
    app: Flask, services: Services, written: str
) -> None:
    agent(services)
    agent(services, "paul@servicesfinanciersmini.ca", "Paul")
    marie = staff_signed_in(app)
    held = open_from_queue(marie)
    paul = staff_signed_in(app, "paul@servicesfinanciersmini.ca")
    page = paul.get(f"/staff/instances/{written}")
    refused = answer_form(page).fill(body="Réponse de Paul").submit("answer")
    assert "Un autre agent répond à cette conversation." in refused.text
    refused = main_form(paul.get(f"/staff/instances/{written}"), 1).submit("close")
    assert "Un autre agent répond à cette conversation." in refused.text
    with services.db.read() as session:
        assert not list(session.scalars(select(Message.body).where(Message.author == "staff")))
    assert services.engine.snapshot(written, by=TESTER).state == "waiting"
    answer_form(held).fill(body=ANSWER).submit("answer")
    assert services.engine.snapshot(written, by=TESTER).state == "answered"
    # Answered, the hold is over: Paul may add to it.
    page = paul.get(f"/staff/instances/{written}")
    answer_form(page).fill(body="Et de Paul.").submit("answer")
    with services.db.read() as session:
        assert len(list(session.scalars(select(Message.id).where(Message.author == "staff")))) == 2


@pytest.mark.parametrize("seen", ["²", "١٢", "-1", "9" * 40])
def test_an_answer_with_a_forged_last_seen_message_is_refused_without_a_crash(
    app: Flask, services: Services, written: str, seen: str
) -> None:
    agent(services)
    page = staff_signed_in(app).get(f"/staff/instances/{written}")
    refused = answer_form(page).fill(body=ANSWER, seen=seen).submit("answer")
    assert refused.status == 200
    assert services.engine.snapshot(written, by=TESTER).state == "waiting"
    textarea = refused.soup.select_one("textarea[name=body]")  # the answer is not lost
    assert textarea is not None and textarea.get_text() == ANSWER


def test_two_agents_answering_at_once_lose_neither_answer_and_the_second_is_told(
    app: Flask, services: Services, written: str
) -> None:
    agent(services)
    agent(services, "paul@servicesfinanciersmini.ca", "Paul")
    browsers = [staff_signed_in(app), staff_signed_in(app, "paul@servicesfinanciersmini.ca")]
    pages = [b.get(f"/staff/instances/{written}") for b in browsers]
    names = ("Marie", "Paul")
    forms = [answer_form(p).fill(body=f"Réponse de {n}") for p, n in zip(pages, names, strict=True)]
    start = threading.Barrier(2)
    answers: list[Page | None] = [None, None]

    def send(index: int) -> None:
        start.wait()
        answers[index] = forms[index].submit("answer")

    workers = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    with services.db.read() as session:
        bodies = list(session.scalars(select(Message.body).where(Message.author == "staff")))
    assert sorted(bodies) == ["Réponse de Marie", "Réponse de Paul"]
    told = [
        p for p in answers if p is not None and "a répondu à cette conversation pendant" in p.text
    ]
    assert len(told) == 1  # the second to get in, whichever it was
    assert "Votre réponse a aussi été envoyée" in told[0].text
    assert services.engine.snapshot(written, by=TESTER).state == "answered"


def test_an_agent_closes_a_conversation(app: Flask, services: Services, written: str) -> None:
    agent(services)
    staff = staff_signed_in(app)
    page = staff.get(f"/staff/instances/{written}")
    close = main_form(page, 1)
    queue = close.submit("close")
    assert queue.path == "/staff/messages" and "Aucune conversation n'attend" in queue.text
    assert services.engine.snapshot(written, by=TESTER).state == "closed"


def test_a_refused_answer_keeps_its_text(app: Flask, services: Services, written: str) -> None:
    agent(services)
    staff = staff_signed_in(app)
    page = staff.get(f"/staff/instances/{written}")
    exe = files(("facture.pdf", b"MZ\x90\x00" + b"\x00" * 64))
    refused = answer_form(page).fill(body=ANSWER, attachment=exe).submit("answer")
    assert refused.field_errors == {
        "attachment": "facture.pdf : ce n'est pas un PDF, un JPEG ou un PNG"
    }
    textarea = refused.soup.select_one("textarea[name=body]")
    assert textarea is not None and textarea.get_text() == ANSWER
    assert services.engine.snapshot(written, by=TESTER).state == "waiting"


def test_script_in_a_message_is_text_for_agents_too(
    app: Flask, services: Services, jean: int
) -> None:
    mine = contract(services, identity_id=jean)
    compose(signed_in(app), mine, "<script>alert(1)</script>")
    agent(services)
    page = staff_signed_in(app).get(f"/staff/instances/{conversation_of(services, jean).id}")
    raw = page.response.get_data(as_text=True)
    assert "<script>alert(1)" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_customers_get_404_and_analysts_403_or_404_and_cannot_answer(
    app: Flask, services: Services, written: str
) -> None:
    with services.db.read() as session:
        attachment = session.scalar(select(Message.id))
    paths = [
        "/staff/messages",
        f"/staff/instances/{written}",
        f"/staff/messages/attachments/{attachment}",
    ]
    customer = signed_in(app)
    for path in paths:
        assert customer.client.get(path).status_code == 404, path
    token = customer.get("/fr/messages").soup.select_one("input[name=csrf_token]")
    assert token is not None
    data = {"csrf_token": token["value"], "event": "answer", "body": "Je réponds moi-même"}
    assert customer.client.post(f"/staff/instances/{written}", data=data).status_code == 404
    # Through the customer's own page, an agent's event is refused by the flow itself.
    page = customer.post(f"/fr/messages/conversations/{written}", data)
    assert "Cette action ne vous est pas permise." in page.notices, page.text

    staff_member(services)  # an analyst
    analyst = staff_signed_in(app, "analyste@servicesfinanciersmini.ca")
    # The agents' pages are closed to analysts; a conversation is none of theirs to see.
    for path, status in zip(paths, (403, 404, 403), strict=True):
        assert analyst.client.get(path).status_code == status, path
    home = analyst.get("/staff/")
    staff_token = home.soup.select_one("input[name=csrf_token]")
    assert staff_token is not None
    data["csrf_token"] = str(staff_token["value"])
    assert analyst.client.post(f"/staff/instances/{written}", data=data).status_code == 404
    analyst_id = staff_member(services, "autre.analyste@servicesfinanciersmini.ca")
    as_analyst = Principal.staff(analyst_id, "analyst")
    with pytest.raises(UnknownInstance):  # a conversation is not an analyst's to see
        services.engine.send(written, "answer", {"body": "x"}, by=as_analyst)

    agent(services)
    marie = staff_signed_in(app)
    assert marie.client.get("/staff/flows").status_code == 403
    assert marie.client.get("/staff/trail").status_code == 403
    with services.db.read() as session:
        staff_bodies = session.scalars(select(Message.body).where(Message.author == "staff"))
        assert list(staff_bodies) == []


def test_staff_forms_need_their_csrf_token_and_get_changes_nothing(
    app: Flask, services: Services, written: str
) -> None:
    agent(services)
    staff = staff_signed_in(app)
    for method in (staff.client.get, staff.client.head):
        assert method(f"/staff/instances/{written}").status_code == 200
    with services.db.read() as session:
        events = list(
            session.scalars(select(AuditRecord.event).where(AuditRecord.instance_id == written))
        )
    assert events == ["start"]  # reading claimed nothing
    for event in ("answer", "claim"):
        response = staff.client.post(
            f"/staff/instances/{written}", data={"event": event, "body": "sans jeton"}
        )
        assert response.status_code == 400, event
    assert services.engine.snapshot(written, by=TESTER).state == "waiting"


# -- what each step confirms on the next page ---------------------------------------------

CONFIRMED = {
    "fr": {
        "reply": "Votre réponse a été envoyée.",
        "answer": "Réponse envoyée à Jean Tremblay.",
        "close": "Conversation fermée.",
    },
    "en": {
        "reply": "Your reply has been sent.",
        "answer": "Answer sent to Jean Tremblay.",
        "close": "Conversation closed.",
    },
}


def status_texts(page: Page) -> list[str]:
    """What the page announces to screen readers (role=status)."""
    return [" ".join(s.get_text(" ").split()) for s in page.soup.select("[role=status]")]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_customers_reply_is_confirmed(
    app: Flask, services: Services, written: str, lang: str
) -> None:
    customer = signed_in(app, lang=lang)
    page = customer.get(f"/{lang}/messages/conversations/{written}")
    assert CONFIRMED[lang]["reply"] not in page.text
    replied = main_form(page).fill(body="Et pour le mois prochain?").submit("reply")
    assert replied.path == f"/{lang}/messages/conversations/{written}"
    assert CONFIRMED[lang]["reply"] in status_texts(replied)
    refused = main_form(replied).fill(body="").submit("reply")
    assert CONFIRMED[lang]["reply"] not in refused.text  # a refused one is not


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_agents_answer_and_close_are_confirmed(
    app: Flask, services: Services, written: str, lang: str
) -> None:
    agent(services)
    staff = staff_signed_in(app, lang=lang)
    page = open_from_queue(staff, "Paiements" if lang == "fr" else "Payments")
    assert CONFIRMED[lang]["answer"] not in page.text
    answered = answer_form(page).fill(body=ANSWER).submit("answer")
    assert CONFIRMED[lang]["answer"] in status_texts(answered)
    closed = main_form(answered, 1).submit("close")
    assert closed.path == "/staff/messages"
    assert CONFIRMED[lang]["close"] in status_texts(closed)
    assert services.engine.snapshot(written, by=TESTER).state == "closed"
    # Said on the page the close leads to, not on every visit after.
    assert CONFIRMED[lang]["close"] not in staff.get("/staff/messages").text


# -- unread answers, counted in the header and on the overview ---------------------------

UNREAD = {
    "fr": ("Afficher la boîte de réception", "1 message non lu", "2 messages non lus"),
    "en": ("View inbox", "1 unread message", "2 unread messages"),
}


def shown_count(page: Page, text: str) -> tuple[str, str]:
    """The link starting with TEXT, as seen («Messages (1)») and as its hidden words say it."""
    link = next(a for a in page.soup.select("a") if a.get_text(" ").strip().startswith(text))
    hidden = " ".join(s.get_text(" ") for s in link.select(".visually-hidden"))
    for span in link.select(".visually-hidden"):
        span.decompose()
    return " ".join(link.get_text(" ").split()), " ".join(hidden.split())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_unread_answers_are_counted_until_read(
    app: Flask, services: Services, written: str, lang: str
) -> None:
    inbox_words, one, two = UNREAD[lang]
    customer = signed_in(app, lang=lang)
    overview = customer.get(f"/{lang}/overview")
    assert shown_count(overview, "Messages") == ("Messages", "")
    assert shown_count(overview, inbox_words) == (inbox_words, "")

    marie = Principal.staff(agent(services), "agent")
    assert services.engine.send(written, "answer", {"body": ANSWER}, by=marie).ok
    overview = customer.get(f"/{lang}/overview")
    assert shown_count(overview, "Messages") == ("Messages (1)", f", {one}")
    assert shown_count(overview, inbox_words) == (f"{inbox_words} (1)", f", {one}")
    assert services.engine.send(written, "answer", {"body": "Aussi: …"}, by=marie).ok
    inbox = customer.get(f"/{lang}/messages")  # the header is on every page
    assert shown_count(inbox, "Messages") == ("Messages (2)", f", {two}")

    thread = main_form(inbox).submit()  # opening it marks its answers read
    assert shown_count(thread, "Messages") == ("Messages", "")
    assert shown_count(customer.get(f"/{lang}/overview"), inbox_words) == (inbox_words, "")


def test_signed_out_pages_count_nothing(app: Flask) -> None:
    home = Browser(app).get("/fr/")
    assert home.status == 200 and "non lu" not in home.text
    assert not [a for a in home.soup.select("header a") if a.get_text().strip() == "Messages"]
