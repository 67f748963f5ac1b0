"""«Présentation»: a signed-in customer's contracts, payments, payoff quotes and documents.

Everything reached by id or reference is looked up together with the signed-in customer,
so another customer's contract, document or quote answers 404 like one that does not
exist. Asking for a payoff quote is the procedure payoff_quote (it issues and keeps one);
its page is here, under its reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import (
    Blueprint,
    Flask,
    abort,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flows.contracts import listing as contracts
from flows.contracts import payoff, quotes
from flows.contracts.schedule import Standing, end_date, standing
from flows.contracts.schedule import today as local_today
from flows.records import Contract, DocumentLine, PaymentLine, QuoteLine
from web import files
from web.customer import paying, pdf
from web.customer.auth import current_customer, login_required
from web.customer.messages import count_unread_replies
from web.formatting import day, money
from web.services import current

bp = Blueprint("overview", __name__)
# On a phone the page stays short: payments and documents past these come folded.
FIRST_FEW = 3


@dataclass(frozen=True)
class Entry:
    """A line of a contract's documents: a document of record, an upload, or a quote."""

    day: date
    kind: str  # statement | contract | upload | payoff_quote
    name: str
    url: str
    note: str | None = None


@dataclass(frozen=True)
class ContractCard:
    contract: Contract
    standing: Standing
    end: date
    payments: list[PaymentLine]
    documents: list[Entry]
    window: tuple[date, date]  # the first and last payoff dates: its province's business days


def _customer_id() -> int:
    customer = current_customer()
    assert customer is not None  # login_required
    return customer.id


def _today() -> date:
    return local_today(current().clock())


def _owned(db: Session, contract_id: int) -> Contract:
    contract = contracts.owned(db, contract_id, _customer_id())
    if contract is None:
        abort(404)
    return contract


@bp.get("/<any(fr,en):lang>/overview")
@login_required
def show(lang: str) -> str:
    today = _today()
    customer_id = _customer_id()
    with current().db.read() as db:
        linked = contracts.of_customer(db, customer_id)
        ids = [c.id for c in linked]
        payments = contracts.recent_payments(db, ids)
        kept = contracts.documents(db, ids)
        issued = quotes.of_contracts(db, ids, customer_id)
        count_unread_replies(db, customer_id)
    cards = [
        ContractCard(
            c,
            standing(c, today),
            end_date(c),
            payments[c.id],
            _documents(kept[c.id], issued[c.id]),
            payoff.date_window(today, c.province),
        )
        for c in linked
    ]
    # Offered once, by the step that authorized this device with a code (device_code).
    offer = session.pop("offer", None)
    return render_template("overview/index.html", cards=cards, first_few=FIRST_FEW, offer=offer)


def _documents(kept: list[DocumentLine], issued: list[QuoteLine]) -> list[Entry]:
    """A contract's documents and the customer's quotes on it, newest first."""
    entries = [
        Entry(
            local_today(q.issued_at),
            "payoff_quote",
            q.reference,
            url_for(".quote_pdf", reference=q.reference),
            gettext(
                "To pay off on %(date)s: %(amount)s",
                date=day(q.payoff_date),
                amount=money(q.total_cents),
            ),
        )
        for q in issued
    ] + [
        Entry(d.issued_on, d.kind, d.filename, url_for(".download", document_id=d.id)) for d in kept
    ]
    return sorted(entries, key=lambda e: e.day, reverse=True)  # stable: quotes first


def _issued(reference: str) -> tuple[quotes.Issued, Contract]:
    """The quote by its reference, when it is the signed-in customer's; else 404."""
    wanted = quotes.parse_reference(reference)
    with current().db.read() as db:
        found = quotes.customers(db, wanted, _customer_id()) if wanted else None
    if found is None:
        abort(404)
    return found


@bp.get("/<any(fr,en):lang>/overview/quotes/<reference>")
@login_required
def quote(lang: str, reference: str) -> str:
    issued, contract = _issued(reference)
    return render_template(
        "overview/quote.html",
        issued=issued,
        quote=issued.quote,
        contract=contract,
        issued_on=local_today(issued.issued_at),
        today=_today(),
        notes=paying.notes(issued),
        methods=paying.methods(issued, contract.number, lang),
        contact=paying.contact(),
    )


@bp.get("/<any(fr,en):lang>/overview/quotes/<reference>.pdf")
@login_required
def quote_pdf(lang: str, reference: str) -> Response:
    issued, contract = _issued(reference)
    slug = gettext("payoff-quote")
    name = f"{slug}-{issued.reference}.pdf"
    document = pdf.payoff_quote(contract, issued, lang, _today())
    return files.download(document, "application/pdf", name)


@bp.get("/<any(fr,en):lang>/documents/<id:document_id>")
@login_required
def download(lang: str, document_id: int) -> Response:
    with current().db.read() as db:
        document = contracts.owned_document(db, document_id, _customer_id())
    if document is None:
        abort(404)
    # Kept under a name we generated, never the customer's.
    return files.kept(document.storage_name, document.content_type, document.filename)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
