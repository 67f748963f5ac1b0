"""«Présentation»: a signed-in customer's contracts, payments, payoff quotes and documents.

Everything reached by id is looked up together with the signed-in customer, so another
customer's contract or document answers 404 like one that does not exist.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flows.contracts import payoff, values
from flows.contracts.schedule import Standing, end_date, standing
from flows.contracts.schedule import today as local_today
from storage import contracts
from storage.contracts import Contract, Document, Payment
from web import pdf
from web.auth import current_customer, login_required
from web.services import current

bp = Blueprint("overview", __name__)


@dataclass(frozen=True)
class ContractCard:
    contract: Contract
    standing: Standing
    end: date
    payments: list[Payment]
    documents: list[Document]


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
    with current().db.read() as db:
        cards = [
            ContractCard(
                c,
                standing(c, today),
                end_date(c),
                contracts.recent_payments(db, c.id),
                contracts.documents(db, c.id),
            )
            for c in contracts.of_customer(db, _customer_id())
        ]
    return render_template(
        "overview/index.html",
        cards=cards,
        **_date_limits(today),
    )


def _date_limits(today: date) -> dict[str, Any]:
    first, last = payoff.date_window(today)
    return {"today": first, "last_day": last}


def _quote(contract: Contract, today: date) -> tuple[payoff.Quote | None, str | None]:
    """The quote for the date asked for (?date=), or the reason it cannot be given."""
    text = request.args.get("date", "")
    if not text:
        return None, None
    try:
        return payoff.quote(contract, values.parse_date(text[:20]), today), None
    except values.BadValue:
        return None, "date_invalid"
    except payoff.PayoffDateRefused as refused:
        return None, refused.reason


@bp.get("/<any(fr,en):lang>/overview/contracts/<id:contract_id>/payoff")
@login_required
def payoff_quote(lang: str, contract_id: int) -> str:
    today = _today()
    with current().db.read() as db:
        contract = _owned(db, contract_id)
    quote, error = _quote(contract, today)
    return render_template(
        "overview/payoff.html",
        contract=contract,
        quote=quote,
        error=error,
        chosen=request.args.get("date", today.isoformat())[:20],
        **_date_limits(today),
    )


@bp.get("/<any(fr,en):lang>/overview/contracts/<id:contract_id>/payoff.pdf")
@login_required
def payoff_pdf(lang: str, contract_id: int) -> Response:
    today = _today()
    with current().db.read() as db:
        contract = _owned(db, contract_id)
    quote, _error = _quote(contract, today)
    if quote is None:
        target = url_for(".payoff_quote", contract_id=contract_id, date=request.args.get("date"))
        return redirect(target, 303)
    slug = gettext("payoff-quote")
    name = f"{slug}-{contract.number}-{quote.payoff_date.isoformat()}.pdf"
    return _attachment(pdf.payoff_quote(contract, quote, today, lang), "application/pdf", name)


def _attachment(content: bytes | Path, mimetype: str, name: str) -> Response:
    body = content if isinstance(content, Path) else io.BytesIO(content)
    response = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


@bp.get("/<any(fr,en):lang>/documents/<id:document_id>")
@login_required
def download(lang: str, document_id: int) -> Response:
    with current().db.read() as db:
        document = contracts.owned_document(db, document_id, _customer_id())
    if document is None:
        abort(404)
    path = upload_folder() / document.storage_name  # a name we generated, never the customer's
    if not path.is_file():
        abort(404)
    return _attachment(path, document.content_type, document.filename)


def customer_contracts() -> list[Contract]:
    """The signed-in customer's contracts, for a form that asks which one."""
    customer = current_customer()
    if customer is None:
        return []
    with current().db.read() as db:
        return contracts.of_customer(db, customer.id)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["customer_contracts"] = customer_contracts
