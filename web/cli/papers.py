"""The demo's documents of record: monthly statements and contract summaries.

Stand-ins for what the system of record sends (flows.demo.Papers), drawn with fpdf2 in the
holder's language, in DejaVu Sans (web/customer/fonts/) like the payoff quote. Only the
demo's loader imports this module: fpdf2 and fontTools take 28 MiB of a process, which the
site's workers are spared.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from flows.records import Contract, Payment
from web.customer.pdf import FONTS
from web.formatting import day, money
from web.i18n import in_language
from web.labels import label

FONT = "DejaVu"
INK = (26, 26, 26)
MUTED = (92, 92, 92)


class Letter(FPDF):
    """A page of MINI Financial Services with its header and footer."""

    def __init__(self, title: str, lang: str) -> None:
        super().__init__(format="Letter")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_lang("fr-CA" if lang == "fr" else "en-CA")
        self.set_author(gettext("MINI Financial Services"))
        self.set_margins(20, 20, 20)
        self.footer_text = gettext("MINI Financial Services Canada")
        self.add_page()
        self.set_font(FONT, "B", 16)
        self.cell(0, 8, "MINI", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)
        self.set_text_color(*MUTED)
        self.cell(0, 6, gettext("Mon Compte MINI"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)
        self.set_text_color(*INK)
        self.set_font(FONT, "B", 18)
        self.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text, align="C")

    def facts(self, rows: list[tuple[str, str]]) -> None:
        self.set_font(FONT, "", 11)
        for name, value in rows:
            self.set_text_color(*MUTED)
            self.cell(70, 7, name)
            self.set_text_color(*INK)
            self.multi_cell(0, 7, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def amounts(self, rows: list[tuple[str, str]]) -> None:
        self.set_font(FONT, "", 11)
        with self.table(
            col_widths=(120, 56),
            text_align=("LEFT", "RIGHT"),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=8,
        ) as table:
            for name, value in rows:
                table.row((name, value))
        self.set_font(FONT, "", 10)
        self.ln(4)


def _contract_facts(contract: Contract) -> list[tuple[str, str]]:
    return [
        (gettext("Contract"), f"{contract.number} · {label('kind', contract.kind)}"),
        (gettext("Vehicle"), f"{contract.vehicle_model} {contract.vehicle_year}"),
        (gettext("Holder"), f"{contract.first_name} {contract.last_name}"),
    ]


def statement(contract: Contract, month_end: date, payments: list[Payment], lang: str) -> bytes:
    """A monthly statement: the demo's stand-in for what the system of record sends."""
    with in_language(lang):
        pdf = Letter(gettext("Account statement"), lang)
        pdf.facts([*_contract_facts(contract), (gettext("Period ending"), day(month_end, lang))])
        pdf.amounts(
            [
                (
                    f"{day(p.paid_on, lang)} · {label('payment', p.status)}",
                    money(p.amount_cents, lang),
                )
                for p in payments
            ]
            or [(gettext("No payment in this period."), "")]
        )
        return bytes(pdf.output())


def contract_document(contract: Contract, lang: str) -> bytes:
    """The demo's summary of the contract's terms."""
    with in_language(lang):
        pdf = Letter(gettext("Contract summary"), lang)
        rows = [
            *_contract_facts(contract),
            (gettext("Start date"), day(contract.start_date, lang)),
            (gettext("Term"), gettext("%(months)s months", months=contract.term_months)),
            (gettext("Payment"), money(contract.payment_cents, lang)),
            (gettext("Frequency"), label("frequency", contract.frequency)),
        ]
        pdf.facts(rows)
        return bytes(pdf.output())
