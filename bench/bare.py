"""Bare Flask views: the baselines bench/load.py measures the engine's pages against.

Each does by hand what a page of the site does, with no engine, no definitions and none
of web/customer/overview.py or web/customer/procedures.py: its own SQLAlchemy
``select()`` statements (the same SQL as the page's, built once with bound parameters as
the page's are: a fair baseline), the same template and the same context. They are
registered by bench/wsgi.py only, never by the application.

- ``/fr/bench/bare-overview``: the signed-in customer's contracts, then in one query each
  their 6 latest payments, their payoff quotes and their documents, rendered with
  ``overview/index.html``, like ``GET /fr/overview``.
- ``GET /fr/bench/bare-register/<id>``: the registration form of an instance this browser
  started, rendered with ``registration/details.html``, like ``GET /fr/register/<id>``.
- ``POST /fr/bench/bare-register/<id>``: the form checked by hand (required fields, e-mail
  address), the instance row locked, one audit record and its hourly counts written, the
  errors kept in the session for the next page, 303 — what the engine does for a form it
  refuses. A form this view would accept answers 400: only the refusal is measured.

What is shared with the site is what a hand-written view would use as well: the session
(the cookie, the server-side row read with the signed-in customer), the templates and
their filters, the contract schedule's pure arithmetic (``flows.contracts.schedule``: what
a contract's standing and end date are; ``flows.contracts.payoff.date_window``: its
province's business days a payoff may fall on) and the storage models and ``storage.flow_counts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flows.contracts.payoff import date_window
from flows.contracts.schedule import Standing, end_date, standing
from flows.contracts.schedule import today as local_today
from storage import flow_counts
from storage.contracts import Contract, Document, Payment
from storage.messages import unread_count
from storage.models import AuditRecord, FlowInstance, Identity
from storage.quotes import PayoffQuote
from web.formatting import day, money
from web.services import Services
from web.sessions import DatabaseSession

OVERVIEW = "/<any(fr,en):lang>/bench/bare-overview"
REGISTER = "/<any(fr,en):lang>/bench/bare-register/<instance_id>"
# What the overview shows unfolded.
FIRST_FEW = 3
RECENT_PAYMENTS = 6
# The registration form: its fields and the longest value each takes.
FIELDS = {"first_name": 100, "last_name": 100, "email": 254, "password": 1000}
FIELDS["password_confirm"] = FIELDS["password"]
SECRET_FIELDS = {"password", "password_confirm"}
# "Step 1 of 4": the form is the first of the customer's four screens of registration.
REGISTRATION_PROGRESS = (1, 4)


@dataclass(frozen=True)
class Entry:
    """A line of a contract's documents, as overview/macros.html reads it."""

    day: date
    kind: str
    name: str
    url: str
    note: str | None = None


@dataclass(frozen=True)
class Card:
    """A contract as overview/index.html reads it."""

    contract: Contract
    standing: Standing
    end: date
    payments: list[Row[int, date, int, str]]
    documents: list[Entry]
    window: tuple[date, date]


@dataclass(frozen=True)
class FormState:
    """The state a form is drawn for (its hidden ``state`` field)."""

    id: str


def add_bare_views(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    db = services.db

    @app.get(OVERVIEW, endpoint="bench_bare_overview")
    def bare_overview(lang: str) -> str | Response:
        # The customer was read with the session's row (the session is shared).
        customer = session.accounts.get(Identity) if isinstance(session, DatabaseSession) else None
        if not isinstance(customer, Identity) or customer.status != "active":
            return redirect(f"/{lang}/login", 303)
        g.customer = customer  # what base.html greets
        identity_id = customer.id
        today = local_today(datetime.now(UTC))
        with db.read() as rows:
            owned = rows.scalars(_MINE, {"identity": identity_id}).all()
            cards = _cards(rows, list(owned), identity_id, today)
            g.unread_replies = unread_count(rows, identity_id)  # in the same read, as the page
        return render_template(
            "overview/index.html",
            cards=cards,
            first_few=FIRST_FEW,
        )

    @app.route(REGISTER, methods=["GET", "POST"], endpoint="bench_bare_register")
    def bare_register(lang: str, instance_id: str) -> str | Response:
        if instance_id not in session.get("flows", []):
            abort(404)
        if request.method == "POST":
            return _refuse(services, instance_id)
        with db.read() as rows:
            row = rows.scalar(select(FlowInstance).where(FlowInstance.id == instance_id))
        if row is None or (row.flow, row.state) != ("registration", "details"):
            abort(404)
        outcome = session.get("outcome") or {}
        mine = (outcome.get("id"), outcome.get("state")) == (instance_id, "details")
        errors = dict(outcome.get("errors", {})) if mine else {}
        notice = errors.pop("event", None)
        return render_template(
            "registration/details.html",
            state=FormState("details"),
            errors=errors,
            notice=notice,
            refused=bool(errors or notice),
            values=outcome.get("values", {}) if mine else {},
            action=request.path,
            progress=REGISTRATION_PROGRESS,
        )


# Built once, with bound parameters, as the page's own statements are (storage.contracts,
# storage.quotes): building a select() costs more than running it, so a baseline that
# built them at every request would be slower than the page for no reason of the engine's.
_MINE = (
    select(Contract).where(Contract.identity_id == bindparam("identity")).order_by(Contract.number)
)
_RANK = (
    func.row_number()
    .over(partition_by=Payment.contract_id, order_by=(Payment.paid_on.desc(), Payment.id.desc()))
    .label("rank")
)
_RANKED = (
    select(Payment.id, _RANK)
    .where(Payment.contract_id.in_(bindparam("ids", expanding=True)))
    .subquery()
)
_PAYMENTS = (
    select(Payment.contract_id, Payment.paid_on, Payment.amount_cents, Payment.status)
    .join(_RANKED, _RANKED.c.id == Payment.id)
    .where(_RANKED.c.rank <= bindparam("recent"))
    .order_by(Payment.paid_on.desc(), Payment.id.desc())
)
_DOCUMENTS = (
    select(Document.id, Document.contract_id, Document.kind, Document.issued_on, Document.filename)
    .where(Document.contract_id.in_(bindparam("ids", expanding=True)))
    .order_by(Document.issued_on.desc(), Document.id.desc())
)
_QUOTES = (
    select(
        PayoffQuote.contract_id,
        PayoffQuote.reference,
        PayoffQuote.issued_at,
        PayoffQuote.payoff_date,
        PayoffQuote.total_cents,
    )
    .where(
        PayoffQuote.contract_id.in_(bindparam("ids", expanding=True)),
        PayoffQuote.identity_id == bindparam("identity"),
    )
    .order_by(PayoffQuote.issued_at.desc(), PayoffQuote.id.desc())
)


def _cards(rows: Session, owned: list[Contract], identity_id: int, today: date) -> list[Card]:
    """The contracts' payments, quotes and documents: one query each, as the page does."""
    ids = [c.id for c in owned]
    # Rows, not objects of the session: the page only shows them.
    read = rows.connection().execute
    payments = read(_PAYMENTS, {"ids": ids, "recent": RECENT_PAYMENTS}).all()
    documents = read(_DOCUMENTS, {"ids": ids}).all()
    quotes = read(_QUOTES, {"ids": ids, "identity": identity_id}).all()
    cards = []
    for contract in owned:
        lines = [
            Entry(
                local_today(q.issued_at),
                "payoff_quote",
                q.reference,
                url_for("overview.quote_pdf", reference=q.reference),
                gettext(
                    "To pay off on %(date)s: %(amount)s",
                    date=day(q.payoff_date),
                    amount=money(q.total_cents),
                ),
            )
            for q in quotes
            if q.contract_id == contract.id
        ]
        lines += [
            Entry(d.issued_on, d.kind, d.filename, url_for("overview.download", document_id=d.id))
            for d in documents
            if d.contract_id == contract.id
        ]
        lines.sort(key=lambda e: e.day, reverse=True)  # stable: quotes first on a day
        mine = [p for p in payments if p.contract_id == contract.id]
        window = date_window(today, contract.province)
        cards.append(
            Card(contract, standing(contract, today), end_date(contract), mine, lines, window)
        )
    return cards


def _problems(form: dict[str, str]) -> dict[str, str]:
    """The registration form checked by hand: given, not too long, a real address."""
    errors: dict[str, str] = {}
    for name, longest in FIELDS.items():
        text = form.get(name, "").strip()
        if not text:
            errors[name] = "required"
        elif len(text) > longest:
            errors[name] = "too_long"
    if "email" not in errors:
        try:
            validate_email(form["email"].strip(), check_deliverability=False)
        except EmailNotValidError:
            errors["email"] = "email_invalid"
    return errors


def _refuse(services: Services, instance_id: str) -> Response:
    form = {k: v for k, v in request.form.items() if k in FIELDS}
    errors = _problems(form)
    if not errors:
        abort(400)  # only the refused form is a baseline here
    kept = {k: v.strip() for k, v in form.items() if k not in SECRET_FIELDS and k not in errors}
    now = datetime.now(UTC)
    with services.db.write() as rows:
        row = rows.get(FlowInstance, instance_id, with_for_update=True)
        if row is None:
            abort(404)
        audited = dict(kept)
        if "email" in audited:
            local, _, domain = audited["email"].rpartition("@")
            audited["email"] = f"{local[:1]}***@{domain}"
        record = AuditRecord(
            instance_id=row.id,
            flow=row.flow,
            version=row.version,
            event="submit",
            source=row.state,
            target=None,
            outcome="rejected",
            reasons=errors,
            data=audited,
            actor="customer",
            customer_id=row.customer_id,
            created_at=now,
        )
        rows.add(record)
        flow_counts.add(rows, record)
    session["outcome"] = _outcome(instance_id, errors, kept)
    return redirect(request.path, 303)


def _outcome(instance_id: str, errors: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": instance_id,
        "state": "details",
        "outcome": "rejected",
        "errors": errors,
        "values": values,
    }
