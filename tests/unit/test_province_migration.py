"""Migration 0005: the contracts on record before it are Quebec's."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from storage import migrate


def test_contracts_on_record_before_the_province_are_quebecs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0004")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contracts (number, kind, vehicle_model, vehicle_year, vin,"
                " first_name, last_name, email, phone, customer_number, start_date,"
                " term_months, payment_cents, frequency, last_payment_cents,"
                " last_payment_date, created_at, updated_at) VALUES ('PR-1', 'loan',"
                " 'MINI', 2024, '1M8GDM9AXKP042788', 'Jean', 'Roy', 'j@example.com',"
                " '+15145550123', 'MM1', '2024-01-15', 60, 45678, 'monthly', 45678,"
                " '2025-01-15', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            )
        )
    migrate.upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT province FROM contracts")).scalar_one() == "QC"
    engine.dispose()
