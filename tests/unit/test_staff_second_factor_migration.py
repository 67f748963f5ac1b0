"""Migration 0010: staff accounts on record before it have no authenticator (they enrol at
their next sign-in); it comes undone cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text

from storage import migrate


def staff_on_record_at(tmp_path: Path, revision: str) -> tuple[str, Engine]:
    """A database at REVISION with one agent on record: what a later migration finds."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO staff (email, email_key, password_hash, role, status, created_at)"
                " VALUES ('a@example.com', 'a@example.com', 'x', 'agent', 'active',"
                " '2024-01-01 00:00:00')"
            )
        )
    return url, engine


def test_staff_on_record_before_enrol_and_the_migration_comes_undone(tmp_path: Path) -> None:
    url, engine = staff_on_record_at(tmp_path, "0009")
    migrate.upgrade(url, "0010")
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT totp_secret, totp_enrolled_at, totp_last_counter FROM staff")
        ).one()
    assert tuple(row) == (None, None, None)
    assert "staff_recovery_codes" in inspect(engine).get_table_names()
    migrate.downgrade(url, "0009")
    assert "staff_recovery_codes" not in inspect(engine).get_table_names()
    assert "totp_secret" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    engine.dispose()
