"""«Gérer vos documents»: listed per contract, downloaded by their owner only, uploads checked."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from flows.contracts import files
from storage.contracts import Document
from tests.factories import contract, document
from tests.functional.test_overview import long_date, rows, signed_in
from tests.support import Browser, Page
from web.services import Services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def upload(
    browser: Browser, contract_id: int, content: bytes | None, name: str, lang: str = "fr"
) -> Page:
    overview = browser.get(f"/{lang}/overview")
    form = overview.soup.select_one(f"#contract-{contract_id} form.upload")
    assert form is not None and form["enctype"] == "multipart/form-data"
    token = form.select_one("input[name=csrf_token]")
    assert token is not None
    data: dict[str, object] = {"csrf_token": token["value"]}
    if content is not None:
        data["document"] = (io.BytesIO(content), name)
    response = browser.client.post(str(form["action"]), data=data)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).fragment == f"documents-{contract_id}"
    return browser.get(urlsplit(response.headers["Location"]).path)


@pytest.mark.parametrize(
    ("lang", "kind", "headers"),
    [("fr", "Relevé de compte", ["Date", "Document"]), ("en", "Statement", None)],
)
def test_documents_are_listed_and_downloaded_by_their_owner(
    app: Flask,
    services: Services,
    jean: int,
    uploads: Path,
    lang: str,
    kind: str,
    headers: list[str] | None,
) -> None:
    mine = contract(services, identity_id=jean)
    statement = document(services, mine, uploads, name="relevé 2025-10.pdf", content=PDF)
    browser = signed_in(app, lang=lang)
    page = browser.get(f"/{lang}/overview")
    table = page.soup.select_one(f"#contract-{mine} table.documents")
    assert table is not None
    if headers:
        assert [th.get_text(strip=True) for th in table.select("thead th")] == headers
    with services.db.read() as session:
        issued = session.get(Document, statement)
        assert issued is not None
    assert rows(page, f"#contract-{mine} table.documents") == [
        [long_date(issued.issued_on, lang), f"{kind} relevé 2025-10.pdf"]
    ]
    response = browser.client.get(page.link("relevé 2025-10.pdf"))
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]


def test_an_upload_is_kept_under_a_generated_name(
    app: Flask, services: Services, jean: int, uploads: Path
) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app)
    page = upload(browser, mine, PNG, "../../photo du compteur.PNG")
    assert page.path == "/fr/overview"
    assert "Votre document a été ajouté." in page.notices
    [(_day, listed)] = rows(page, f"#contract-{mine} table.documents")
    assert listed == "Document que vous avez envoyé photo du compteur.png"
    with services.db.read() as session:
        kept = session.scalar(select(Document))
        assert kept is not None and kept.uploaded_by == jean
    assert [p.name for p in uploads.iterdir()] == [kept.storage_name]
    assert kept.storage_name != "photo du compteur.png" and kept.content_type == "image/png"
    download = browser.client.get(page.link("photo du compteur.png"))
    assert download.data == PNG
    assert 'filename="photo du compteur.png"' in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "relevé.pdf",
            "Envoyez un fichier PDF, JPEG ou PNG.",
        ),
        (b"GIF89a" + b"\x00" * 32, "image.gif", "Envoyez un fichier PDF, JPEG ou PNG."),
        (PDF + b"\x00" * files.MAX_BYTES, "gros.pdf", "Le fichier dépasse 10 Mo."),
        (None, "", "Choisissez un fichier à envoyer."),
    ],
)
def test_refused_uploads_say_why_and_keep_nothing(
    app: Flask,
    services: Services,
    jean: int,
    uploads: Path,
    content: bytes | None,
    name: str,
    message: str,
) -> None:
    mine = contract(services, identity_id=jean)
    page = upload(signed_in(app), mine, content, name)
    assert page.notices == [message]
    field = page.soup.select_one(f"#contract-{mine} form.upload .field")
    assert field is not None and "has-error" in field["class"]
    with services.db.read() as session:
        assert session.scalar(select(Document)) is None
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_upload_needs_its_csrf_token(app: Flask, services: Services, jean: int) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app)
    response = browser.client.post(
        f"/fr/overview/contracts/{mine}/documents",
        data={"document": (io.BytesIO(PDF), "x.pdf")},
    )
    assert response.status_code == 400
    with services.db.read() as session:
        assert session.scalar(select(Document)) is None


def test_downloads_are_for_signed_in_owners(
    app: Flask, services: Services, jean: int, uploads: Path
) -> None:
    mine = contract(services, identity_id=jean)
    kept = document(services, mine, uploads)
    assert Browser(app).get(f"/fr/documents/{kept}").path == "/fr/login"
