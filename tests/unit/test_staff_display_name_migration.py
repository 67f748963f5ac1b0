"""Migration 0014: staff accounts on record before it have no display name (the consoles
greet them by their address); it comes undone cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from storage import migrate


def test_staff_on_record_before_have_no_display_name_and_it_comes_undone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0013")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO staff (email, email_key, password_hash, role, status, created_at)"
                " VALUES ('a@example.com', 'a@example.com', 'x', 'agent', 'active',"
                " '2024-01-01 00:00:00')"
            )
        )
    migrate.upgrade(url, "0014")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email, display_name FROM staff")).one() == (
            "a@example.com",
            None,
        )
    migrate.downgrade(url, "0013")
    assert "display_name" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    engine.dispose()
