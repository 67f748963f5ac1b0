"""Payoff quotes looked up by their reference, for agents (and analysts) on the phone.

What the customer was told, as it was kept: contract, customer, dates, amounts, taxes,
language and when it was issued. A GET that only reads.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request

from flows.contracts import quotes
from web.services import current
from web.staff.console import console, staff_required
from web.staff.procedures import read

bp = console(Blueprint("quotes", __name__, url_prefix="/staff/quotes"))


@bp.get("")
@staff_required
def lookup() -> tuple[str, int]:
    typed = request.args.get("reference", "").strip()[:64]
    reference = quotes.parse_reference(typed) if typed else None
    issued = contract = customer = None
    with current().db.read() as session:
        found = quotes.looked_up(session, reference) if reference else None
    if found is not None:
        issued, contract, customer = found
        read(f"quote:{issued.reference}")
    page = render_template(
        "staff/quotes.html",
        typed=typed,
        malformed=bool(typed) and reference is None,
        issued=issued,
        contract=contract,
        customer=customer,
    )
    return page, 404 if typed and issued is None else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
