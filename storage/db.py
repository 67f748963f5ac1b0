"""Database access: one engine per process, short explicit transactions."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, stored naive in UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy own SQLite transactions, so a writer can take the lock up front.

    pysqlite's own BEGIN is deferred: two writers that both read first deadlock and one
    fails with "database is locked". A write transaction here begins IMMEDIATE instead,
    so concurrent writers queue on the lock (busy timeout) and see each other's commits.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A connection back in the pool for longer than this is pinged before it is lent again.
PING_AFTER_IDLE = 10.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection that sat in the pool a while before lending it again.

    pool_pre_ping checks every connection lent, a round trip each time (two per page). One
    given back a moment ago worked a moment ago; one idle for a while may have been cut
    (the database restarted, a firewall forgot it) and is replaced here, unseen. A cut
    that comes sooner fails that request with a 503, and SQLAlchemy replaces every
    connection of the pool made before it.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError from error  # the pool takes another connection


class Database:
    """The engine and the three kinds of transaction the application uses: write, read, scan."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(url, pool_size=10, max_overflow=40)
            _sqlite_transactions(self.engine)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20)
            _ping_when_idle(self.engine)
        # PostgreSQL (READ COMMITTED) gives each statement of a transaction its own snapshot:
        # a read there runs each statement on its own, without the two round trips of BEGIN
        # and COMMIT. SQLite's reads keep their transaction (one snapshot for all).
        reads = self.engine
        if not self.is_sqlite:
            reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = sessionmaker(reads, expire_on_commit=False)
        self._scanner = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(write=True), expire_on_commit=False
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that will write: committed at the end, rolled back on error."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Reads, and nothing else: no lock, no write, no cursor kept open (see scan)."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def scan(self) -> Iterator[Session]:
        """A read transaction that streams its rows (yield_per): PostgreSQL keeps the
        server-side cursor this takes only within a transaction."""
        with self._scanner() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def serialise(session: Session, key: str) -> None:
    """Hold KEY until SESSION's transaction ends: another transaction asking for the same
    key waits, then sees what this one committed.

    For a limit counted over rows that no single row stands for (the codes sent to one
    phone number, whichever MINI ID asked). PostgreSQL: a transaction-scoped advisory
    lock on a 64-bit digest of KEY (two keys sharing one only wait for each other).
    SQLite: a write transaction already holds the whole database (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    session.execute(_ADVISORY_LOCK, {"key": number})


def utcnow() -> datetime:
    return datetime.now(UTC)
