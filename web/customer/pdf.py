"""The payoff quote as a PDF, in the customer's language.

Its page's HTML printed by WeasyPrint as a tagged PDF (PDF/UA-1), in DejaVu Sans
(web/customer/fonts/): the built-in PDF fonts know neither every French letter nor the
no-break spaces of fr-CA amounts. The demo's statements use the same fonts (web.cli.papers).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import render_template

from flows.contracts.quotes import Issued
from flows.contracts.schedule import today as local_today
from flows.records import Contract
from web.customer import paying
from web.i18n import in_language

FONTS = Path(__file__).parent / "fonts"


def payoff_quote(contract: Contract, issued: Issued, lang: str, today: date) -> bytes:
    """The quote as issued, from the HTML of its page (overview/_quote.html): its
    reference, amounts and taxes, how to pay, whom to call; a tagged PDF (PDF/UA-1) a
    screen reader reads in order, in LANG, its title shown in the reader's window."""
    with in_language(lang):
        html = render_template(
            "overview/quote_pdf.html",
            lang=lang,
            issued=issued,
            quote=issued.quote,
            contract=contract,
            issued_on=local_today(issued.issued_at),
            today=today,
            notes=paying.notes(issued, lang),
            methods=paying.methods(issued, contract.number, lang),
            contact=paying.contact(),
        )
    # Imported at the first quote printed, not at start-up: WeasyPrint (Pango, its fonts)
    # takes 43 MiB of a process, which a worker that never prints a quote is spared.
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(FONTS) + "/")
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1"))
