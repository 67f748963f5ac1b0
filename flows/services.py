"""The parts every channel shares: database, definitions, engine, clock, mailer.

Built once per process by whoever serves (the web application, the command line, a
delivery worker, a test): nothing here needs a web application around it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from flows.engine import Engine
from flows.outbox.mailer import TEMPLATES, TemplateMailer
from flows.registry import ROOT, Registry
from storage import migrate
from storage.db import Database


class Clock:
    """Now, in UTC; tests move it forward to reach expiry instead of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@lru_cache(maxsize=4)
def registry(folders: tuple[Path, ...] = (ROOT,)) -> Registry:
    """Every definition, compiled once per process."""
    return Registry(folders)


def templates_of(folders: tuple[Path, ...]) -> list[Path]:
    """Where the screens and e-mails are: web/templates, and beside other folders' flows."""
    return [TEMPLATES, *(f / "templates" for f in folders if f != ROOT)]


def upgrade_schema(database_url: str) -> None:
    """Create the schema, or migrate it to the newest revision."""
    migrate.upgrade(database_url)


def schema_current(db: Database) -> bool:
    """Whether the database answers with the newest migration's schema (raises when the
    database does not answer)."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        heads = set(MigrationContext.configure(connection).get_current_heads())
    script = ScriptDirectory.from_config(migrate.alembic_config(db.url))
    return heads == set(script.get_heads())


@dataclass
class Services:
    db: Database
    registry: Registry
    engine: Engine
    clock: Clock
    mailer: TemplateMailer

    @classmethod
    def build(
        cls,
        database_url: str,
        *,
        hold_mail: bool,
        base_url: Callable[[], str],
        uploads: Path,
        folders: tuple[Path, ...] = (ROOT,),
        hold_sms: bool | None = None,
        secret_key: str | None = None,
        sms: bool = True,
        support_phone: str = "",
    ) -> Services:
        """The engine and what it needs.

        Without SECRET_KEY, one for this process only (codes issued here check only here).
        Without SMS, no code is offered by text message (no gateway outside development).
        """
        db = Database(database_url)
        clock = Clock()
        mailer = TemplateMailer(
            hold=hold_mail,
            templates=templates_of(folders),
            hold_sms=hold_sms,
            support_phone=support_phone,
        )
        flows = registry(folders)
        secret = (secret_key or secrets.token_hex(32)).encode()
        channels = frozenset({"sms", "email"} if sms else {"email"})
        engine = Engine(flows, db, mailer, clock, base_url, uploads, secret, channels)
        return cls(db, flows, engine, clock, mailer)
