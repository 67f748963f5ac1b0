"""Migration 0014: staff accounts on record before it have no display name (the consoles
greet them by their address); it comes undone cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from storage import migrate
from tests.unit.test_staff_second_factor_migration import staff_on_record_at


def test_staff_on_record_before_have_no_display_name_and_it_comes_undone(tmp_path: Path) -> None:
    url, engine = staff_on_record_at(tmp_path, "0013")
    migrate.upgrade(url, "0014")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email, display_name FROM staff")).one() == (
            "a@example.com",
            None,
        )
    migrate.downgrade(url, "0013")
    assert "display_name" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    engine.dispose()
