"""What the codes of the system of record are called, in the customer's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import gettext, ngettext

from flows import fields
from flows.contracts.payoff import Line
from flows.contracts.taxes import Tax
from flows.reasons import N_
from web.formatting import money, percent
from web.i18n import translate
from web.services import current

LABELS: dict[str, dict[str, str]] = {
    "kind": {"loan": N_("Loan"), "lease": N_("Lease")},
    "status": {
        "current": N_("In good standing"),
        "past_due": N_("Payment past due"),
        "completed": N_("All payments made"),
    },
    "payment": {"paid": N_("Paid"), "pending": N_("Pending"), "returned": N_("Returned")},
    "document": {
        "statement": N_("Statement"),
        "contract": N_("Contract document"),
        "upload": N_("Document you sent"),
        "payoff_quote": N_("Payoff quote"),
    },
    "frequency": {
        "monthly": N_("Monthly"),
        "biweekly": N_("Every two weeks"),
        "weekly": N_("Weekly"),
    },
    "tax": {
        "GST": N_("GST"),
        "HST": N_("HST"),
        "QST": N_("QST"),
        "PST": N_("PST"),
        "RST": N_("RST"),
    },
    "identity": {
        "pending": N_("Waiting for activation"),
        "active": N_("Active"),
        "disabled": N_("Disabled"),
        "closed": N_("Closed by the customer"),
        "anonymised": N_("Closed; personal data removed"),
    },
    "found_by": {
        "email": N_("E-mail address"),
        "name": N_("Name"),
        "contract": N_("Contract number"),
        "customer_number": N_("Customer number"),
        "vin": N_("VIN"),
        "reference": N_("Case reference"),
    },
    "sent": {
        "waiting": N_("Waiting"),
        "retrying": N_("Retrying"),
        "delivered": N_("Delivered"),
        "failed": N_("Failed"),
    },
    "channel": {"email": N_("E-mail"), "sms": N_("Text message")},
    "language": {"fr": N_("French"), "en": N_("English")},
    "outcome": {
        "taken": N_("Taken"),
        "rejected": N_("Refused by its checks"),
        "not_allowed": N_("Not allowed in this state"),
        "forbidden": N_("Not allowed for this sender"),
        "expired": N_("Expired"),
    },
    "province": {
        "AB": N_("Alberta"),
        "BC": N_("British Columbia"),
        "MB": N_("Manitoba"),
        "NB": N_("New Brunswick"),
        "NL": N_("Newfoundland and Labrador"),
        "NS": N_("Nova Scotia"),
        "NT": N_("Northwest Territories"),
        "NU": N_("Nunavut"),
        "ON": N_("Ontario"),
        "PE": N_("Prince Edward Island"),
        "QC": N_("Quebec"),
        "SK": N_("Saskatchewan"),
        "YT": N_("Yukon"),
    },
}


def label(group: str, code: str) -> str:
    return translate(LABELS[group][code])


def line_text(line: Line) -> str:
    """One part of a payoff quote, with what it is made of."""
    count = line.count or 0
    if line.item == "interest":
        return str(
            ngettext(
                "Interest accrued over %(num)d day", "Interest accrued over %(num)d days", count
            )
        )
    if line.item == "remaining_payments":
        return str(
            ngettext(
                "%(num)d remaining payment of %(amount)s",
                "%(num)d remaining payments of %(amount)s",
                count,
                amount=money(line.each_cents or 0),
            )
        )
    return str(gettext(LINES[line.item]))


def tax_text(tax: Tax, lang: str | None = None) -> str:
    """A tax line of a payoff quote: its name, its rate and what it is charged on."""
    return str(
        gettext(
            "%(tax)s %(rate)s on %(amount)s",
            tax=label("tax", tax.tax),
            rate=percent(tax.percent, lang),
            amount=money(tax.base_cents, lang),
        )
    )


LINES = {
    "principal": N_("Outstanding principal"),
    "residual": N_("Residual value"),
    "purchase_option_fee": N_("Purchase option fee"),
}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["line_text"] = line_text
    app.jinja_env.globals["tax_text"] = tax_text


def file_problem(problem: dict[str, Any], say: Callable[[str], str] = gettext) -> str:
    """A refused file's problem in the reader's language (SAY translates an English
    msgid): «facture.exe : ce n'est pas un PDF, un JPEG ou un PNG»; without a name, its
    reason's message."""
    said = fields.file_problem_message(problem)
    if said is None:
        return str(say(current().registry.reason_message(str(problem.get("reason")))))
    message, values = said
    return str(say(message)) % values


def file_problems(
    problems: list[dict[str, Any]], say: Callable[[str], str] = gettext
) -> list[dict[str, Any]]:
    """Refused files as JSON (the testers' API, the command line): each file's name (none
    for the files together, such as too many), reason code and message."""
    return [
        {"name": p.get("name") or None, "reason": p["reason"], "message": file_problem(p, say)}
        for p in problems
    ]
