"""Migration 0004 counts the audit records written before it, as the engine would."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from storage import migrate

TWICE_REQUIRED = '{"first_name": "required", "last_name": "required"}'
RECORDS = [
    ("start", "details", "details", "taken", "{}", "2024-01-01 10:15:00"),
    ("submit", "details", None, "rejected", TWICE_REQUIRED, "2024-01-01 10:20:00"),
    ("submit", "details", None, "rejected", '{"password": "password_weak"}', "2024-01-01 11:05:00"),
]


def test_records_written_before_the_counts_are_counted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0002")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO audit_records (instance_id, flow, version, event, source, target, outcome,"
        " reasons, data, actor, created_at) VALUES ('i', 'registration', 'v1', :event, :source,"
        " :target, :outcome, :reasons, '{}', 'c', :at)"
    )
    names = ("event", "source", "target", "outcome", "reasons", "at")
    with engine.begin() as conn:
        conn.execute(insert, [dict(zip(names, r, strict=True)) for r in RECORDS])
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT substr(hour, 12, 2), event, outcome, reason, count FROM flow_counts")
        ).all()
    engine.dispose()
    assert sorted(rows) == [
        ("10", "start", "taken", "", 1),
        ("10", "submit", "rejected", "", 1),
        ("10", "submit", "rejected", "required", 1),  # once per record, not per field
        ("11", "submit", "rejected", "", 1),
        ("11", "submit", "rejected", "password_weak", 1),
    ]
