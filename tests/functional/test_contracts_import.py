"""`moncompte contracts import` and `import-payments`: the system of record, checked row by row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from storage import contracts
from storage.contracts import Contract, Payment
from tests.factories import identity
from tests.functional.test_cli import run
from web.services import Services

HEADER = (
    "contract_number,kind,first_name,last_name,email,phone,vin,customer_number,"
    "last_payment_amount,last_payment_date,vehicle_model,vehicle_year,start_date,term_months,"
    "payment_amount,payment_frequency,balance,rate,residual_value,km_allowance\n"
)
LOAN = (
    "pr-25-000101,loan,Émilie,Gagnon,emilie@example.com,514-555-0142,1hgcm82633a004352,"
    "MM4820193,628.83,2025-10-15,MINI Cooper S 5 portes,2023,2023-09-15,72,628.83,monthly,"
    "26031.64,5.49,,\n"
)
LEASE = (
    "LO-25-000202,lease,David,Chen,david@example.com,+1 416 555 0199,1M8GDM9AXKP042788,"
    "MM5530718,538.90,2025-10-15,MINI Cooper SE,2025,2025-02-15,36,538.90,monthly,,,"
    "19425.00,16000\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(services: Services, table: type[Contract] | type[Payment]) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_good_file_is_loaded_normalized(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    csv = write(tmp_path, "contracts.csv", HEADER + LOAN + LEASE)
    assert run(app, "contracts", "import", str(csv)) == (
        0,
        "Imported 2 new contract(s), updated 0.\n",
    )
    with services.db.read() as session:
        loan = contracts.by_number(session, "PR-25-000101")
        lease = contracts.by_number(session, "LO-25-000202")
        assert loan is not None and lease is not None
        assert (loan.vin, loan.phone, loan.customer_number) == (
            "1HGCM82633A004352",
            "+15145550142",
            "MM4820193",
        )
        assert (loan.balance_cents, loan.rate_bp, loan.last_payment_cents) == (
            26_031_64,
            549,
            628_83,
        )
        assert loan.last_payment_date == date(2025, 10, 15) and loan.first_name == "Émilie"
        assert (lease.residual_cents, lease.km_allowance, lease.balance_cents) == (
            19_425_00,
            16_000,
            None,
        )
        assert lease.phone == "+14165550199" and lease.identity_id is None


def test_importing_again_updates_and_keeps_the_link(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    run(app, "contracts", "import", str(write(tmp_path, "a.csv", HEADER + LOAN + LEASE)))
    owner = identity(services, "emilie@example.com")
    with services.db.write() as session:
        found = contracts.by_number(session, "PR-25-000101")
        assert found is not None
        found.identity_id = owner
    newer = LOAN.replace("26031.64", "25402.81").replace("2025-10-15", "2025-11-15")
    code, output = run(
        app, "contracts", "import", str(write(tmp_path, "b.csv", HEADER + newer + LEASE))
    )
    assert (code, output) == (0, "Imported 0 new contract(s), updated 2.\n")
    assert count(services, Contract) == 2
    with services.db.read() as session:
        loan = contracts.by_number(session, "PR-25-000101")
        assert loan is not None and loan.balance_cents == 25_402_81
        assert loan.last_payment_date == date(2025, 11, 15) and loan.identity_id == owner


def test_every_bad_row_is_reported_and_nothing_is_loaded(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    bad_vin = LEASE.replace("1M8GDM9AXKP042788", "1M8GDM9A1KP042788").replace("LO-25", "LO-26")
    bad_values = (
        "PR-25-000303,credit,,Roy,not-an-address,555-01,1HGCM8263IA004352,MM1,12.345,"
        "2025-13-01,MINI,1899,2023-09-15,0,-5,daily,,,,\n"
    )
    wrong_kind = LOAN.replace("pr-25-000101", "PR-25-000404").replace(",,\n", ",9000.00,\n")
    text = HEADER + LOAN + bad_vin + bad_values + wrong_kind + LOAN
    code, output = run(app, "contracts", "import", str(write(tmp_path, "bad.csv", text)))
    assert code == 1
    assert "line 3: vin check digit (9th character) does not match" in output
    line4 = next(line for line in output.splitlines() if line.startswith("line 4:"))
    for problem in (
        "kind must be one of loan, lease",
        "first_name is required",
        "email is not a valid e-mail address",
        "phone is not",
        "vin must be 17 letters and digits, without I, O or Q",
        "last_payment_amount must be an amount such as 512.37",
        "last_payment_date must be a date such as 2025-03-15",
        "vehicle_year must be a whole number from 1959 to 2100",
        "term_months must be a whole number from 1 to 120",
        "payment_amount must be an amount such as 512.37",
        "payment_frequency must be one of monthly, biweekly, weekly",
    ):
        assert problem in line4, problem
    assert "line 5: residual_value, km_allowance must be empty for a loan" in output
    assert "line 6: this contract_number is already on line 2" in output
    assert "Nothing imported: 4 bad row(s)." in output
    assert count(services, Contract) == 0


def test_a_file_without_the_columns_is_refused(app: Flask, tmp_path: Path) -> None:
    csv = write(tmp_path, "cols.csv", "contract_number,kind\nPR-1,loan\n")
    code, output = run(app, "contracts", "import", str(csv))
    assert code == 1 and "line 1: missing column(s): first_name, last_name, email" in output


def test_payments_are_loaded_once(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    run(app, "contracts", "import", str(write(tmp_path, "c.csv", HEADER + LOAN + LEASE)))
    payments = (
        "contract_number,date,amount,status\n"
        "PR-25-000101,2025-09-15,628.83,paid\n"
        "PR-25-000101,2025-10-15,628.83,returned\n"
        "LO-25-000202,2025-10-15,538.90,paid\n"
    )
    path = write(tmp_path, "p.csv", payments)
    assert run(app, "contracts", "import-payments", str(path)) == (
        0,
        "Imported 3 new payment(s), updated 0.\n",
    )
    path.write_text(payments.replace("returned", "paid"), encoding="utf-8")
    assert run(app, "contracts", "import-payments", str(path)) == (
        0,
        "Imported 0 new payment(s), updated 3.\n",
    )
    assert count(services, Payment) == 3
    with services.db.read() as session:
        statuses = set(session.scalars(select(Payment.status)))
    assert statuses == {"paid"}


def test_payments_of_unknown_contracts_or_bad_rows_load_nothing(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    run(app, "contracts", "import", str(write(tmp_path, "c.csv", HEADER + LOAN)))
    payments = (
        "contract_number,date,amount,status\n"
        "PR-25-000101,2025-09-15,628.83,paid\n"
        "PR-99-999999,2025-09-15,628.83,paid\n"
        "PR-25-000101,2025-09-15,1.00,paid\n"
        "PR-25-000101,15/10/2025,628.83,late\n"
    )
    code, output = run(app, "contracts", "import-payments", str(write(tmp_path, "p.csv", payments)))
    assert code == 1
    assert "line 3: no contract PR-99-999999" in output
    assert "line 4: a payment of that day is already on line 2" in output
    assert "line 5: date must be a date such as 2025-03-15; status must be one of" in output
    assert count(services, Payment) == 0


def test_the_province_column_is_optional_and_checked(app: Flask, tmp_path: Path) -> None:
    """Without the column (or with it blank) a new contract is Quebec's; an update keeps
    the province it had; a code that is no province or territory is refused."""
    services: Services = app.extensions["moncompte"]
    run(app, "contracts", "import", str(write(tmp_path, "a.csv", HEADER + LOAN + LEASE)))
    with_province = HEADER.replace("\n", ",province\n")
    text = with_province + LOAN.replace("\n", ",\n") + LEASE.replace("\n", ",on\n")
    assert run(app, "contracts", "import", str(write(tmp_path, "b.csv", text)))[0] == 0
    run(app, "contracts", "import", str(write(tmp_path, "c.csv", HEADER + LOAN + LEASE)))
    with services.db.read() as session:
        loan = contracts.by_number(session, "PR-25-000101")
        lease = contracts.by_number(session, "LO-25-000202")
        assert loan is not None and lease is not None
        assert (loan.province, lease.province) == ("QC", "ON")
    bad = with_province + LEASE.replace("\n", ",XX\n")
    code, output = run(app, "contracts", "import", str(write(tmp_path, "d.csv", bad)))
    assert code == 1
    assert "line 2: province must be a province or territory code such as QC, ON or BC" in output
