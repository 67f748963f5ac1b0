"""A customer's uploads are limited by day (count and bytes), so no one fills the disk."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from flows.contracts import documents
from storage.contracts import Document
from tests.factories import contract, identity
from tests.functional.test_documents import PDF, upload
from tests.functional.test_overview import signed_in
from web.services import Services

MB = 1024 * 1024
RECEIVED = {"fr": "Document reçu", "en": "Document received"}
REFUSED = {
    "files": {
        "fr": "Vous avez envoyé le nombre maximal de documents permis en 24 heures (20). "
        "Réessayez demain.",
        "en": "You have sent the most documents allowed in 24 hours (20). Try again tomorrow.",
    },
    "bytes": {
        "fr": "Ce fichier porterait vos documents des dernières 24 heures au-delà du volume "
        "maximal permis (100 Mo). Réessayez demain.",
        "en": "This file would take your documents of the last 24 hours past the most allowed "
        "(100 MB). Try again tomorrow.",
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
    assert documents.UPLOADS_PER_DAY == 20
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
    assert documents.UPLOAD_BYTES_PER_DAY == 100 * MB
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
