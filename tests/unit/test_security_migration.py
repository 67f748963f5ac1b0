"""Migration 0006 clears the messages delivered before it, as delivery now does."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from storage import migrate


def test_messages_delivered_before_lose_their_bodies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0004")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO outbox (channel, recipient, recipient_key, kind, language, subject,"
        " body_text, body_html, extras, status, attempts, next_attempt_at, created_at)"
        " VALUES ('email', 'a@example.com', 'a@example.com', 'registration/email_activate',"
        " 'fr', 'Activez', 'https://x/fr/register/link/SECRET', '<a>SECRET</a>',"
        ' \'{"link": "https://x/fr/register/link/SECRET"}\', :status, 1,'
        " '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    with engine.begin() as conn:
        for status in ("sent", "held", "pending"):
            conn.execute(insert, {"status": status})
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, subject, body_text, body_html, extras FROM outbox ORDER BY id")
        ).all()
    engine.dispose()
    assert rows[0] == ("sent", "Activez", "", None, "{}")
    assert [r[0] for r in rows[1:]] == ["held", "pending"]
    assert all("SECRET" in r[2] and "SECRET" in r[4] for r in rows[1:])
