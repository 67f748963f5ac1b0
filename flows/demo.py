"""The demo data set: MINI IDs, loans and leases with a year of payments, and documents.

Dates follow today's, so the overview always looks current. Contracts and payments go
through the import's own code; loading again updates them and adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.access import Principal
from flows.accounts import passwords
from flows.accounts import staff as staff_accounts
from flows.contracts import documents, files
from flows.contracts.contract_import import Record, save_contract, save_payment
from flows.contracts.schedule import add_months, amortized, due_dates
from flows.contracts.schedule import today as local_today
from flows.contracts.values import vin_check_digit
from flows.csv_import import Report
from flows.services import Services
from storage import identities, messages
from storage import staff as staff_store
from storage.contracts import Contract, Document, Payment
from storage.models import Identity

# Printed by `moncompte run` for anyone to try the demo: not a secret.
PASSWORD = "Mini Cooper sous la neige"  # noqa: S105


@dataclass(frozen=True)
class Customer:
    email: str
    first_name: str
    last_name: str
    language: str
    phone: str
    customer_number: str
    province: str


EMILIE = Customer(
    "emilie.gagnon@example.com", "Émilie", "Gagnon", "fr", "+15145550142", "MM4820193", "QC"
)
DAVID = Customer("david.chen@example.com", "David", "Chen", "en", "+14165550199", "MM5530718", "ON")
# A MINI ID whose contract is on record but not linked yet: «Associez votre compte».
SOPHIE = Customer(
    "sophie.tremblay@example.com", "Sophie", "Tremblay", "fr", "+14185550117", "MM6120455", "QC"
)
CUSTOMERS = (EMILIE, DAVID, SOPHIE)
# An agent of the staff console, who answered one of Émilie's messages.
AGENT = "agent.demo@servicesfinanciersmini.ca"


@dataclass(frozen=True)
class DemoMessage:
    holder: Customer
    contract: str
    subject: str
    question: str
    answer: str | None = None  # an agent's, not read yet


MESSAGES = (
    DemoMessage(
        EMILIE, "PR-23-048173", "payments",
        "Bonjour,\nEst-il possible de devancer mon prélèvement mensuel au 5 du mois, à partir "
        "du mois prochain?\nMerci,\nÉmilie Gagnon",
        "Bonjour Madame Gagnon,\nC'est possible : votre prélèvement aura lieu le 5 de chaque "
        "mois à partir du mois prochain. Aucuns frais ne s'appliquent.\nCordialement,\n"
        "Services financiers MINI",
    ),
    DemoMessage(
        EMILIE, "LO-24-019284", "end_of_lease",
        "Bonjour,\nQuelles sont mes options à la fin de ma location : racheter le véhicule ou "
        "le rendre? Comment les kilomètres excédentaires sont-ils facturés?",
    ),
    DemoMessage(
        DAVID, "LO-25-027716", "payments",
        "Hello,\nOne of my payments came back although my account had the funds. Will there "
        "be a fee, and do I need to do anything?",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class DemoContract:
    number: str
    holder: Customer
    linked: bool
    kind: str
    vehicle_model: str
    vehicle_year: int
    vin16: str  # the VIN without its check digit (position 9)
    months_ago: int
    term_months: int
    financed_cents: int = 0  # loans: amount financed, amortized at rate_bp
    rate_bp: int = 0
    payment_cents: int = 0  # leases: the payment; loans: computed
    residual_cents: int = 0
    km_allowance: int = 0


CONTRACTS = (
    DemoContract(
        "PR-23-048173", EMILIE, True, "loan", "MINI Cooper S 5 portes", 2023,
        "WMW53DK0P2T48173", 26, 72, financed_cents=38_500_00, rate_bp=549,
    ),
    DemoContract(
        "LO-24-019284", EMILIE, True, "lease", "MINI Countryman ALL4", 2024,
        "WMZ23GA0R7N19284", 14, 48, payment_cents=612_45, residual_cents=21_860_00,
        km_allowance=20_000,
    ),
    DemoContract(
        "LO-25-027716", DAVID, True, "lease", "MINI Cooper SE", 2025,
        "WMW13DJ0S2V27716", 9, 36, payment_cents=538_90, residual_cents=19_425_00,
        km_allowance=16_000,
    ),
    DemoContract(
        "PR-22-061530", SOPHIE, False, "loan", "MINI Clubman", 2022,
        "WMWLV7C0N2R61530", 40, 60, financed_cents=31_200_00, rate_bp=429,
    ),
)  # fmt: skip


def vin(body: str) -> str:
    """A VIN with its check digit, from the 16 other characters."""
    draft = body[:8] + "0" + body[8:]
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def record(spec: DemoContract, today: date) -> Record:
    """The contract as the system of record would send it, with its last payment."""
    start = add_months(date(today.year, today.month, 15), -spec.months_ago)
    payment = spec.payment_cents
    if spec.kind == "loan":
        payment, _ = amortized(spec.financed_cents, spec.rate_bp, spec.term_months, 0)
    draft = Contract(start_date=start, term_months=spec.term_months, frequency="monthly")
    paid = [d for d in due_dates(draft) if d <= today]
    values: Record = {
        "number": spec.number,
        "kind": spec.kind,
        "vehicle_model": spec.vehicle_model,
        "vehicle_year": spec.vehicle_year,
        "vin": vin(spec.vin16),
        "first_name": spec.holder.first_name,
        "last_name": spec.holder.last_name,
        "email": spec.holder.email,
        "phone": spec.holder.phone,
        "customer_number": spec.holder.customer_number,
        "province": spec.holder.province,
        "start_date": start,
        "term_months": spec.term_months,
        "payment_cents": payment,
        "frequency": "monthly",
        "last_payment_cents": payment,
        "last_payment_date": paid[-1] if paid else start,
    }
    if spec.kind == "loan":
        _, left = amortized(spec.financed_cents, spec.rate_bp, spec.term_months, len(paid))
        return {**values, "rate_bp": spec.rate_bp, "balance_cents": left}
    return {**values, "residual_cents": spec.residual_cents, "km_allowance": spec.km_allowance}


def payments(contract: Contract, today: date) -> list[Record]:
    """A year of payments, each on its due date; one came back and was paid again."""
    year_ago = today - timedelta(days=365)
    due = [d for d in due_dates(contract) if year_ago < d <= contract.last_payment_date]
    amount = contract.payment_cents
    rows: list[Record] = [{"paid_on": d, "amount_cents": amount, "status": "paid"} for d in due]
    if contract.email == DAVID.email and len(due) > 4:
        rows[-4]["status"] = "returned"
        rows.append(
            {"paid_on": due[-4] + timedelta(days=3), "amount_cents": amount, "status": "paid"}
        )
    return rows


class Papers(Protocol):
    """Who writes the demo's documents of record (web.cli.papers: in the holder's language)."""

    def contract_document(self, contract: Contract, lang: str) -> bytes: ...

    def statement(
        self, contract: Contract, issued: date, payments: list[Payment], lang: str
    ) -> bytes: ...


def load(services: Services, uploads: Path, papers: Papers) -> Report:
    """Load (or refresh) the demo; the report counts contracts and payments. PAPERS
    writes the contract summaries and statements."""
    now: datetime = services.clock()
    today = local_today(now)
    report = Report()
    with services.db.write() as session:
        ids = {c.email: _identity(session, c, now) for c in CUSTOMERS}
        for spec in CONTRACTS:
            contract = save_contract(session, record(spec, today), now, report)
            if spec.linked and contract.identity_id is None:
                contract.identity_id = ids[spec.holder.email]
            for row in payments(contract, today):
                save_payment(session, contract.id, row, Report())
            if spec.linked:
                _documents(session, contract, spec.holder.language, uploads, now, papers)
    _conversations(services, ids)
    return report


def _agent(services: Services) -> int:
    with services.db.read() as session:
        found = staff_store.by_email(session, AGENT)
    if found is not None:
        return found.id
    now = services.clock()
    return staff_accounts.add(
        services.db, AGENT, role="agent", password=PASSWORD, now=now, display_name="Julie Roy"
    ).id


def _conversations(services: Services, ids: dict[str, int]) -> None:
    """A few secure messages, written and answered through the engine like real ones."""
    engine, agent = services.engine, Principal.staff(_agent(services), "agent")
    with services.db.read() as session:
        loaded = {c for c in ids.values() if messages.of_customer(session, c)}
    for demo_message in MESSAGES:
        customer = ids[demo_message.holder.email]
        if customer in loaded:
            continue  # loaded before
        with services.db.read() as session:
            contract = session.scalar(
                select(Contract.id).where(Contract.number == demo_message.contract)
            )
        language = demo_message.holder.language
        by = Principal.customer(customer)
        draft = engine.start("secure_message", by=by, language=language)
        data = {
            "subject": demo_message.subject,
            "contract": contract,
            "body": demo_message.question,
        }
        sent = engine.send(draft.id, "submit", data, by=by)
        if demo_message.answer and sent.ok:
            conversation = str(sent.snapshot.display["conversation_id"])
            engine.send(conversation, "answer", {"body": demo_message.answer}, by=agent)


def _identity(session: Session, customer: Customer, now: datetime) -> int:
    found = identities.by_email(session, customer.email)
    if found is not None:
        return found.id
    identity = Identity(
        email=customer.email,
        email_key=identities.email_key(customer.email),
        first_name=customer.first_name,
        last_name=customer.last_name,
        password_hash=passwords.hash_password(PASSWORD),
        status="active",
        language=customer.language,
        source="demo",
        created_at=now,
        activated_at=now,
    )
    session.add(identity)
    session.flush()
    return identity.id


def _documents(
    session: Session, contract: Contract, lang: str, uploads: Path, now: datetime, papers: Papers
) -> None:
    """The contract summary, and a statement for each of the last three months."""
    today = local_today(now)
    wanted = [("contract", contract.start_date)]
    month_start = date(today.year, today.month, 1)
    for _ in range(3):
        month_end = month_start - timedelta(days=1)
        wanted.append(("statement", month_end))
        month_start = date(month_end.year, month_end.month, 1)
    query = select(Document.kind, Document.issued_on).where(Document.contract_id == contract.id)
    have = {(kind, issued) for kind, issued in session.execute(query)}
    for kind, issued in wanted:
        if (kind, issued) not in have:
            content, name = _pdf(session, contract, kind, issued, lang, papers)
            accepted = files.of_record(content, name)
            documents.add(session, contract.id, kind, issued, accepted, uploads, now=now)


def _pdf(
    session: Session, contract: Contract, kind: str, issued: date, lang: str, papers: Papers
) -> tuple[bytes, str]:
    if kind == "contract":
        return papers.contract_document(contract, lang), f"{contract.number}.pdf"
    month = [
        p
        for p in session.scalars(select(Payment).where(Payment.contract_id == contract.id))
        if (p.paid_on.year, p.paid_on.month) == (issued.year, issued.month)
    ]
    return papers.statement(contract, issued, month, lang), f"{contract.number}-{issued:%Y-%m}.pdf"


def to_link(spec: DemoContract) -> tuple[str, str, str]:
    """What its holder types to link a contract: the VIN, the last payment (as a French
    customer types it), or the customer number."""
    payment = spec.payment_cents
    if spec.kind == "loan":
        payment, _ = amortized(spec.financed_cents, spec.rate_bp, spec.term_months, 0)
    amount = f"{payment // 100},{payment % 100:02d}"
    return vin(spec.vin16), amount, spec.holder.customer_number


def describe(customer: Customer) -> str:
    """What a demo customer shows, for whoever picks one to sign in with."""
    linked = [c for c in CONTRACTS if c.holder == customer and c.linked]
    waiting = [c for c in CONTRACTS if c.holder == customer and not c.linked]
    if not linked and waiting:
        number, amount, customer_number = to_link(waiting[0])
        return (
            f"no linked contract yet: “Associez votre compte” with the VIN {number} and the "
            f"last payment {amount} $, or the customer ID {customer_number}"
        )
    kinds = ", ".join(f"{c.kind} {c.number}" for c in linked)
    return f"{'French' if customer.language == 'fr' else 'English'}; {kinds}"
