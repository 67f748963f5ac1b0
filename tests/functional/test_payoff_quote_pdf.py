"""The payoff quote's PDF is a tagged PDF (PDF/UA-1) a screen reader reads: a structure
tree of headings, a table and paragraphs in reading order, the document's language, and
its title shown in the reader's window; its content is the quote's, to the cent."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pikepdf
import pytest
from flask import Flask

from tests.functional.test_payoff_quote import issued, pdf_text
from web.services import Services

WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        "lang": "fr-CA",
        "title": "Citation de remboursement {} — Services financiers MINI",
        # In the order a reader reads them.
        "order": [
            "Citation de remboursement",
            "Référence",
            "Titulaire Jean Tremblay",
            "Valeur résiduelle 18 250,00 $",
            "Frais d'option d'achat 350,00 $",
            "TPS 5 % sur 18 600,00 $ 930,00 $",
            "TVQ 9,975 % sur 18 600,00 $ 1 855,35 $",
            "Montant à payer 21 385,35 $",
            "Comment payer",
            "Services bancaires en ligne",
            "Bénéficiaire Services financiers MINI",
            "Chèque",
            "Virement télégraphique",
            "Nous joindre",
            "1 866 555-0164",
        ],
    },
    "en": {
        "lang": "en-CA",
        "title": "Payoff quote {} — MINI Financial Services",
        "order": [
            "Payoff quote",
            "Reference",
            "Holder Jean Tremblay",
            "Residual value $18,250.00",
            "Purchase option fee $350.00",
            "GST 5% on $18,600.00 $930.00",
            "QST 9.975% on $18,600.00 $1,855.35",
            "Amount to pay $21,385.35",
            "How to pay",
            "Online banking",
            "Payee MINI Financial Services",
            "Cheque",
            "Wire transfer",
            "Contact us",
            "1-866-555-0164",
        ],
    },
}


def tags(node: pikepdf.Object) -> list[str]:
    """The structure elements' types under NODE, in the tree's (the reading) order."""
    found: list[str] = []
    if not isinstance(node, pikepdf.Dictionary):
        return found
    if "/S" in node:
        found.append(str(node.S)[1:])
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary):
            found += tags(kid)
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_quote_pdf_is_tagged_for_screen_readers(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    words = WORDS[lang]
    browser, _, reference = issued(app, services, jean, today, lang)
    data = browser.client.get(f"/{lang}/overview/quotes/{reference}.pdf").data

    document = pikepdf.open(io.BytesIO(data))
    root = document.Root
    assert bool(root.MarkInfo.Marked)
    assert str(root.Lang) == words["lang"]
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    title = words["title"].format(reference)
    assert str(document.docinfo.Title) == title
    with document.open_metadata() as xmp:
        assert xmp["dc:title"] == title
        assert xmp["pdfuaid:part"] == "1"  # it says it is PDF/UA-1

    structure = tags(root.StructTreeRoot)
    headings = [t for t in structure if t in ("H1", "H2", "H3")]
    # The quote, how to pay (online banking, cheque, wire), whom to call.
    assert headings == ["H1", "H2", "H2", "H3", "H3", "H3", "H2"]
    table = structure[structure.index("Table") :]
    assert table[:2] == ["Table", "TBody"] and "TFoot" in table
    assert structure.count("TH") == 6 and structure.count("TD") == 6  # 5 lines and the total
    assert structure.count("P") >= 8 and "L" in structure  # the notes; the details to copy

    text = pdf_text(data)
    missing = [part for part in [*words["order"], reference] if part not in text]
    assert not missing
    positions = [text.find(part) for part in words["order"]]
    assert positions == sorted(positions)  # in reading order
    assert text.find(reference) < text.find(words["order"][3])  # the reference first
