"""Migration 0007 makes exactly the tables of storage.messages, and comes undone cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage import messages, migrate
from storage.models import Base

TABLES = {"conversations", "conversation_messages", "message_attachments"}


def test_the_migration_matches_the_models_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'messages.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # the models, as migrated
    assert messages.Conversation.__tablename__ in inspect(engine).get_table_names()
    migrate.downgrade(url, "0007-1")
    assert TABLES.isdisjoint(inspect(engine).get_table_names())
    migrate.upgrade(url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
