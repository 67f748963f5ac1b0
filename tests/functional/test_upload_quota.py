"""A customer's uploads are limited by day (count and bytes), documents and message
attachments together, so no one fills the disk."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from flows.contracts import files as kept
from storage.contracts import Document
from tests.factories import PDF, contract, identity
from tests.functional.test_documents import upload
from tests.functional.test_overview import signed_in
from tests.functional.test_secure_message import compose, conversation_of, files, main_form
from web.services import Services

MB = 1024 * 1024
RECEIVED = {"fr": "Document reçu", "en": "Document received"}
REFUSED = {
    "files": {
        "fr": "Vous avez envoyé le nombre maximal de fichiers permis en 24 heures (20, "
        "documents et pièces jointes ensemble). Réessayez demain.",
        "en": "You have sent the most files allowed in 24 hours (20, documents and "
        "attachments together). Try again tomorrow.",
    },
    "bytes": {
        "fr": "Les fichiers envoyés dans les dernières 24 heures dépasseraient ainsi le volume "
        "maximal permis (100 Mo, documents et pièces jointes ensemble). Réessayez demain.",
        "en": "This would take the files you sent in the last 24 hours past the most allowed "
        "(100 MB, documents and attachments together). Try again tomorrow.",
    },
}


def uploaded(services: Services, customer: int) -> tuple[int, int]:
    with services.db.read() as session:
        count, total = session.execute(
            select(func.count(), func.coalesce(func.sum(Document.size), 0)).where(
                Document.uploaded_by == customer
            )
        ).one()
    return int(count), int(total)


def earlier_uploads(
    services: Services, contract_id: int, customer: int, sizes: list[int], ago: timedelta
) -> None:
    """Uploads the customer made AGO (their rows; their files do not matter here)."""
    when = services.clock() - ago
    with services.db.write() as session:
        for size in sizes:
            session.add(
                Document(
                    contract_id=contract_id,
                    kind="upload",
                    issued_on=when.date(),
                    filename="earlier.pdf",
                    storage_name=f"{secrets.token_hex(16)}.pdf",
                    content_type="application/pdf",
                    size=size,
                    uploaded_by=customer,
                    created_at=when,
                )
            )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_twenty_documents_a_day(
    app: Flask, services: Services, jean: int, uploads: Path, lang: str
) -> None:
    assert kept.UPLOADS_PER_DAY == 20
    mine = contract(services, identity_id=jean)
    browser = signed_in(app, lang=lang)
    earlier_uploads(services, mine, jean, [1000] * 19, timedelta(hours=23))
    assert upload(browser, mine, PDF, "vingtième.pdf", lang).h1 == RECEIVED[lang]
    refused = upload(browser, mine, PDF, "vingt-et-unième.pdf", lang)
    assert refused.field_errors == {"document": REFUSED["files"][lang]}
    assert uploaded(services, jean)[0] == 20 and len(list(uploads.iterdir())) == 1
    services.clock.advance(timedelta(hours=1, minutes=1))  # the 19 are a day old now
    browser = signed_in(app, lang=lang)  # the session has idled out meanwhile
    assert upload(browser, mine, PDF, "le lendemain.pdf", lang).h1 == RECEIVED[lang]
    assert uploaded(services, jean)[0] == 21


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_hundred_megabytes_a_day(
    app: Flask, services: Services, jean: int, uploads: Path, lang: str
) -> None:
    assert kept.UPLOAD_BYTES_PER_DAY == 100 * MB
    mine = contract(services, identity_id=jean)
    earlier_uploads(services, mine, jean, [10 * MB] * 9 + [5 * MB], timedelta(hours=2))
    browser = signed_in(app, lang=lang)
    big = PDF + b"\x00" * (6 * MB)
    refused = upload(browser, mine, big, "gros.pdf", lang)
    assert refused.field_errors == {"document": REFUSED["bytes"][lang]}
    assert not uploads.exists() or not any(uploads.iterdir())
    fits = PDF + b"\x00" * (5 * MB - len(PDF))  # exactly up to the limit
    assert upload(browser, mine, fits, "juste.pdf", lang).h1 == RECEIVED[lang]
    assert uploaded(services, jean) == (11, 100 * MB)


def test_each_customer_has_a_quota_of_their_own(app: Flask, services: Services, jean: int) -> None:
    mine = contract(services, identity_id=jean)
    earlier_uploads(services, mine, jean, [1000] * 20, timedelta(hours=1))
    marie = identity(services, "marie@example.com", first_name="Marie")
    hers = contract(services, "PR-25-000002", identity_id=marie)
    page = upload(signed_in(app, "marie@example.com"), hers, PDF, "relevé.pdf")
    assert page.h1 == RECEIVED["fr"]
    assert uploaded(services, marie)[0] == 1


def test_documents_and_message_attachments_share_one_allowance(
    app: Flask, services: Services, jean: int, uploads: Path
) -> None:
    mine = contract(services, identity_id=jean)
    earlier_uploads(services, mine, jean, [1000] * 18, timedelta(hours=3))
    browser = signed_in(app)
    three = files(*[(f"page-{n}.pdf", PDF) for n in range(3)])
    refused = compose(browser, mine, attached=three)
    assert refused.field_errors == {"attachment": REFUSED["files"]["fr"]}
    sent = main_form(refused).fill(attachment=files(("page-1.pdf", PDF))).submit()
    assert sent.h1 == "Message envoyé"  # 19 files today
    conversation = conversation_of(services, jean).id
    thread = browser.get(f"/fr/messages/conversations/{conversation}")
    reply = main_form(thread).fill(body="Et la page 2.", attachment=files(("page-2.pdf", PDF)))
    assert not reply.submit("reply").field_errors  # 20
    assert upload(browser, mine, PDF, "une de trop.pdf").field_errors == {
        "document": REFUSED["files"]["fr"]
    }
