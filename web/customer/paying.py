"""What a payoff quote tells the customer besides its amounts, the same on the page and
in the PDF: when the amount holds, the taxes, how to pay, and whom to call."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext

from flows import formatting
from flows.contracts import remittance
from flows.contracts.quotes import Issued
from web.formatting import day, money
from web.i18n import current_language
from web.labels import label


@dataclass(frozen=True)
class Method:
    """One way to pay: a title, a sentence, and the details to copy (name, value)."""

    title: str
    text: str
    details: list[tuple[str, str]]


def notes(issued: Issued, lang: str | None = None) -> list[str]:
    """When the amount holds, what a scheduled payment changes, and the taxes."""
    quote = issued.quote
    when = day(quote.good_until, lang)
    found = [
        gettext(
            "This amount is valid only for a payment received on %(date)s. Paid on another "
            "day, it would differ: ask for a new quote for that day.",
            date=when,
        )
    ]
    if quote.per_diem_cents is not None:
        found.append(
            gettext("Interest per day: %(amount)s.", amount=money(quote.per_diem_cents, lang))
        )
    found.append(
        gettext(
            "If a scheduled payment is taken from your account before %(date)s, it is applied "
            "to your contract: pay this amount all the same, and whatever you pay beyond what "
            "you owe is refunded to you. You may also ask for a new quote once that payment "
            "is taken.",
            date=when,
        )
    )
    found.append(taxes_note(issued, lang))
    return [str(n) for n in found]


def taxes_note(issued: Issued, lang: str | None = None) -> str:
    """The rule of flows.contracts.taxes, in words."""
    quote = issued.quote
    if not quote.taxed:
        return str(
            gettext("A loan payoff carries no sales tax: repaying a loan is not a purchase.")
        )
    return str(
        gettext(
            "Sales taxes: buying your leased vehicle is a purchase, taxed in %(province)s at "
            "the rates in force on the payoff date. They apply to the residual value and the "
            "purchase option fee. The remaining payments are not taxed again: each lease "
            "payment already carries its taxes.",
            province=label("province", quote.province),
        )
    )


def methods(issued: Issued, contract_number: str, lang: str) -> list[Method]:
    """Online banking, cheque and wire, with this quote's amount and reference."""
    amount = money(issued.quote.total_cents, lang)
    reference = issued.reference
    wire = remittance.WIRE
    return [
        Method(
            str(gettext("Online banking")),
            str(
                gettext(
                    "In your bank's online banking, add the payee “%(payee)s” with your contract "
                    "number as the account number, then pay %(amount)s.",
                    payee=remittance.PAYEE[lang],
                    amount=amount,
                )
            ),
            [
                (str(gettext("Payee")), remittance.PAYEE[lang]),
                (str(gettext("Account number")), contract_number),
            ],
        ),
        Method(
            str(gettext("Cheque")),
            str(
                gettext(
                    "Make a cheque for %(amount)s payable to “%(payee)s”, write the contract "
                    "number and the reference %(reference)s on the back, and mail it in time "
                    "for us to receive it on the payoff date.",
                    amount=amount,
                    payee=remittance.PAYEE[lang],
                    reference=reference,
                )
            ),
            [
                (str(gettext("Payable to")), remittance.PAYEE[lang]),
                (str(gettext("Mailing address")), "\n".join(remittance.MAILING_ADDRESS[lang])),
            ],
        ),
        Method(
            str(gettext("Wire transfer")),
            str(
                gettext(
                    "Ask your bank to wire %(amount)s to the account below, with the reference "
                    "%(reference)s and the contract number in the message. We never send new "
                    "banking details by e-mail: if you receive any, call us before paying.",
                    amount=amount,
                    reference=reference,
                )
            ),
            [
                (str(gettext("Beneficiary")), wire.beneficiary[lang]),
                (str(gettext("Bank")), wire.bank),
                (str(gettext("Institution")), wire.institution),
                (str(gettext("Transit")), wire.transit),
                (str(gettext("Account")), wire.account),
            ],
        ),
    ]


def contact() -> str:
    return str(
        gettext(
            "Questions about this quote? Call us at %(phone)s, Monday to Friday from 8 a.m. "
            "to 8 p.m. and Saturday from 9 a.m. to 5 p.m. (Eastern time), with your contract "
            "number and the quote's reference at hand.",
            phone=formatting.phone(current_app.config["SUPPORT_PHONE"], current_language()),
        )
    )
