"""What the codes of the system of record are called, in the customer's language."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext, ngettext

from flows.contracts.payoff import Line
from web.formatting import money


def N_(message: str) -> str:
    return message


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
    },
    "frequency": {
        "monthly": N_("Monthly"),
        "biweekly": N_("Every two weeks"),
        "weekly": N_("Weekly"),
    },
}


def label(group: str, code: str) -> str:
    return str(gettext(LABELS[group][code]))


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


LINES = {
    "principal": N_("Outstanding principal"),
    "residual": N_("Residual value"),
    "purchase_option_fee": N_("Purchase option fee"),
}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["line_text"] = line_text
