"""«Gérer vos documents»: listed per contract, downloaded by their owner only, uploads checked."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from flows import fields
from storage.contracts import Document
from storage.models import AuditRecord
from tests.factories import PDF, contract, document, identity
from tests.functional.test_overview import long_date, rows, signed_in
from tests.support import Browser, Page
from web.cli import main
from web.services import Services

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def upload(
    browser: Browser, contract_id: int, content: bytes | None, name: str, lang: str = "fr"
) -> Page:
    """The overview's form under the contract: choose a file, send it."""
    overview = browser.get(f"/{lang}/overview")
    form = overview.soup.select_one(f"#contract-{contract_id} form.upload")
    assert form is not None and form["enctype"] == "multipart/form-data"
    data: dict[str, object] = {
        str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")
    }
    if content is not None:
        data["document"] = (io.BytesIO(content), name)
    response = browser.client.post(str(form["action"]), data=data)
    assert response.status_code == 303
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
    assert page.h1 == "Document reçu"
    assert page.notices == [
        "Votre document photo du compteur.png a été ajouté au contrat PR-25-000001."
    ]
    back = page.link("Retour à la présentation")
    assert back == f"/fr/overview#documents-{mine}"
    page = browser.get("/fr/overview")
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
            "relevé.pdf : ce n'est pas un PDF, un JPEG ou un PNG",
        ),
        (
            b"GIF89a" + b"\x00" * 32,
            "image.gif",
            "image.gif : ce n'est pas un PDF, un JPEG ou un PNG",
        ),
        (PDF + b"\x00" * fields.MAX_FILE_BYTES, "gros.pdf", "gros.pdf : plus de 10 Mo"),
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
    assert page.h1 == "Envoyer un document"
    assert page.field_errors == {"document": message}
    chosen = page.soup.select_one("select[name=contract] option[selected]")
    assert chosen is not None and chosen["value"] == str(mine)
    with services.db.read() as session:
        assert session.scalar(select(Document)) is None
    assert not uploads.exists() or not any(uploads.iterdir())


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", ["Envoyez un seul fichier : vous en avez choisi 2.",
                "facture.exe : ce n'est pas un PDF, un JPEG ou un PNG",
                "scan.pdf : plus de 10 Mo"]),
        ("en", ["Send one file only: you chose 2.",
                "facture.exe: not a PDF, a JPEG or a PNG",
                "scan.pdf: larger than 10 MB"]),
    ],
)  # fmt: skip
def test_an_upload_names_each_file_and_each_reason_at_once(
    app: Flask, services: Services, jean: int, uploads: Path, lang: str, said: list[str]
) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app, lang=lang)
    overview = browser.get(f"/{lang}/overview")
    form = overview.soup.select_one(f"#contract-{mine} form.upload")
    assert form is not None
    data: dict[str, object] = {
        str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")
    }
    big = PDF + b"\x00" * fields.MAX_FILE_BYTES
    data["document"] = [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "facture.exe"),
                        (io.BytesIO(big), "scan.pdf")]  # fmt: skip
    response = browser.client.post(str(form["action"]), data=data)
    page = browser.get(urlsplit(response.headers["Location"]).path)
    shown = [" ".join(li.get_text(" ").split()) for li in page.soup.select(".error-summary li")]
    assert shown == said
    beside = [" ".join(li.get_text(" ").split()) for li in page.soup.select("#document-error li")]
    assert beside == said
    with services.db.read() as session:
        assert session.scalar(select(Document)) is None
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_upload_needs_its_csrf_token(app: Flask, services: Services, jean: int) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app)
    response = browser.client.post(
        "/fr/send-document", data={"contract": str(mine), "document": (io.BytesIO(PDF), "x.pdf")}
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


def test_an_upload_is_in_the_audit_trail_without_its_content(
    app: Flask, services: Services, jean: int
) -> None:
    mine = contract(services, identity_id=jean)
    upload(signed_in(app), mine, PDF, "relevé.pdf")
    with services.db.read() as session:
        record = session.scalar(select(AuditRecord).where(AuditRecord.event == "upload"))
        assert record is not None and record.outcome == "taken" and record.customer_id == jean
    assert record.data == {
        "contract": mine,
        "document": [
            {
                "name": "relevé.pdf",
                "type": "application/pdf",
                "size": len(PDF),
                "sha256": hashlib.sha256(PDF).hexdigest(),
            }
        ],
    }


def test_someone_elses_contract_is_refused_like_one_that_does_not_exist(
    app: Flask, services: Services, jean: int, uploads: Path
) -> None:
    mine = contract(services, identity_id=jean)
    other = identity(services, "marie@example.com")
    theirs = contract(services, "PR-25-000002", identity_id=other)
    browser = signed_in(app)
    page = browser.get("/fr/send-document")
    offered = [o["value"] for o in page.soup.select("select[name=contract] option")]
    assert offered == [str(mine)]
    form = page.form(-1).fill(contract=str(theirs))  # the first is sign-out
    form.values["document"] = (io.BytesIO(PDF), "x.pdf")
    refused = form.submit()
    assert refused.field_errors == {"contract": "Choisissez un de vos contrats."}
    with services.db.read() as session:
        assert session.scalar(select(Document)) is None


def test_sending_a_document_needs_a_signed_in_customer(app: Flask) -> None:
    page = Browser(app).get("/fr/send-document")
    assert page.path == "/fr/login"


def test_testers_send_a_document_through_the_api_and_the_command_line(
    make_app: Any, services: Services, tmp_path: Path
) -> None:
    """Files in the API are base64 objects; on the command line, document=@PATH."""
    app = make_app(API_TOKEN="t" * 32)
    services = app.extensions["moncompte"]
    jean = identity(services, "jean.t@example.com")
    mine = contract(services, identity_id=jean)
    client, auth = app.test_client(), {"Authorization": "Bearer " + "t" * 32}
    started = client.post(
        "/api/v1/flows",
        json={"flow": "document_upload", "customer": "jean.t@example.com"},
        headers=auth,
    ).json
    assert started is not None
    wrong = {"name": "x.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00").decode()}
    refused = client.post(
        f"/api/v1/flows/{started['id']}/events",
        json={"event": "upload", "data": {"contract": str(mine), "document": [wrong]}},
        headers=auth,
    )
    assert refused.status_code == 422 and refused.json is not None
    assert refused.json["errors"]["document"]["reason"] == "file_type"
    # Two files where one is taken, both wrong: each problem, with the message a page shows.
    empty = {"name": "vide.pdf", "content_base64": ""}
    both = client.post(
        f"/api/v1/flows/{started['id']}/events",
        json={"event": "upload", "data": {"contract": str(mine), "document": [wrong, empty]}},
        headers={**auth, "Accept-Language": "en"},
    ).json
    assert both is not None
    assert both["errors"]["document"]["files"] == [
        {"name": None, "reason": "file_too_many", "message": "Send one file only: you chose 2."},
        {"name": "x.pdf", "reason": "file_type", "message": "x.pdf: not a PDF, a JPEG or a PNG"},
        {"name": "vide.pdf", "reason": "file_required", "message": "vide.pdf: the file is empty"},
    ]
    good = {"name": "relevé.pdf", "content_base64": base64.b64encode(PDF).decode()}
    taken = client.post(
        f"/api/v1/flows/{started['id']}/events",
        json={"event": "upload", "data": {"contract": str(mine), "document": [good]}},
        headers=auth,
    )
    assert taken.status_code == 200 and taken.json is not None
    assert taken.json["state"] == "received"

    runner = app.test_cli_runner()
    start = ["flows", "start", "document_upload", "--customer", "jean.t@example.com", "--json"]
    (tmp_path / "scan.exe").write_bytes(b"MZ\x90\x00")
    instance = json.loads(runner.invoke(main, start).output)["id"]
    refused_here = runner.invoke(
        main,
        ["flows", "send", instance, "upload", f"contract={mine}",
         f"document=@{tmp_path / 'scan.exe'}"],
    )  # fmt: skip
    assert "    scan.exe: not a PDF, a JPEG or a PNG [file_type]" in refused_here.output
    (tmp_path / "scan.png").write_bytes(PNG)
    out = runner.invoke(main, start)
    instance = json.loads(out.output)["id"]
    sent = runner.invoke(
        main,
        [
            "flows",
            "send",
            instance,
            "upload",
            f"contract={mine}",
            f"document=@{tmp_path / 'scan.png'}",
        ],
    )
    assert sent.exit_code == 0, sent.output
    with services.db.read() as session:
        names = sorted(d.filename for d in session.scalars(select(Document)))
    assert names == ["relevé.pdf", "scan.png"]
