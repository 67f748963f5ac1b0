"""Device codes, remembered devices and identity checks (account association, sign-in).

Nothing here holds a secret in clear: a code is kept as a keyed hash, a remembered
device's token as its SHA-256.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import utcnow
from storage.models import Base, BigId


class DeviceChallenge(Base):
    """One code sent to authorize a device: valid 10 minutes, once, 5 tries."""

    __tablename__ = "device_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32))
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    # The phone number or address the code went to, as a keyed digest (flows.accounts.codes):
    # codes are counted by recipient too, whichever MINI ID asked. None before 0009.
    recipient_key: Mapped[str | None] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256, keyed (flows.codes)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Superseded by a newer code, or worn out by wrong tries.
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_device_challenges_instance", "instance_id", "id"),
        Index("ix_device_challenges_identity", "identity_id", "created_at"),
        Index("ix_device_challenges_recipient", "recipient_key", "created_at"),
    )


class RememberedDevice(Base):
    """A browser a customer asked to remember: no code at its next sign-ins (90 days)."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    browser: Mapped[str] = mapped_column(String(100))
    system: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    __table_args__ = (Index("ix_remembered_devices_identity", "identity_id"),)


class SeenDevice(Base):
    """A browser a customer has signed in with: a sign-in from any other is told by e-mail.
    One browser (its cookie's token) may be seen by several MINI IDs (a family's computer)."""

    __tablename__ = "seen_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    browser: Mapped[str] = mapped_column(String(100))
    system: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_seen_devices_identity", "identity_id"),
        UniqueConstraint("token_hash", "identity_id", name="uq_seen_devices_token_identity"),
    )


class IdentityCheck(Base):
    """One attempt at account association's identity verification, kept or failed."""

    __tablename__ = "identity_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    # The contract of record the attempt named (by its VIN or customer number), if any:
    # failures are counted against it too, whoever tries.
    contract_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contracts.id", ondelete="SET NULL")
    )
    matched: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An agent lifted the lock this failure was part of: it no longer counts.
    lifted_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_identity_checks_identity", "identity_id", "created_at"),
        Index("ix_identity_checks_contract", "contract_id", "created_at"),
    )


def failed_checks(session: Session, identity_id: int, since: datetime) -> int:
    """The MINI ID's failed identity checks since SINCE."""
    query = select(func.count(IdentityCheck.id)).where(
        IdentityCheck.identity_id == identity_id,
        IdentityCheck.matched.is_(False),
        IdentityCheck.lifted_at.is_(None),
        IdentityCheck.created_at >= since,
    )
    return session.scalar(query) or 0


def failures_since(session: Session, identity_id: int, since: datetime) -> list[datetime]:
    """When each failed identity check of the MINI ID since SINCE happened, oldest first."""
    query = (
        select(IdentityCheck.created_at)
        .where(
            IdentityCheck.identity_id == identity_id,
            IdentityCheck.matched.is_(False),
            IdentityCheck.lifted_at.is_(None),
            IdentityCheck.created_at >= since,
        )
        .order_by(IdentityCheck.created_at)
    )
    return list(session.scalars(query))


def lift_checks(session: Session, identity_id: int, contract_ids: list[int], now: datetime) -> None:
    """The failures of the MINI ID, and those against CONTRACT_IDS, no longer count."""
    whose = IdentityCheck.identity_id == identity_id
    if contract_ids:
        whose = whose | IdentityCheck.contract_id.in_(contract_ids)
    session.execute(
        update(IdentityCheck)
        .where(whose, IdentityCheck.matched.is_(False), IdentityCheck.lifted_at.is_(None))
        .values(lifted_at=now)
    )


def failed_checks_against(session: Session, contract_ids: list[int], since: datetime) -> int:
    """The failed identity checks that named one of these contracts since SINCE, by anyone."""
    query = select(func.count(IdentityCheck.id)).where(
        IdentityCheck.contract_id.in_(contract_ids),
        IdentityCheck.matched.is_(False),
        IdentityCheck.lifted_at.is_(None),
        IdentityCheck.created_at >= since,
    )
    return session.scalar(query) or 0


def newest_challenge(
    session: Session, instance_id: str, *, lock: bool = True
) -> DeviceChallenge | None:
    """The instance's newest code, locked for the step that checks it (LOCK) or only read."""
    query = (
        select(DeviceChallenge)
        .where(DeviceChallenge.instance_id == instance_id)
        .order_by(DeviceChallenge.id.desc())
        .limit(1)
    )
    return session.scalar(query.with_for_update() if lock else query)


def challenges_since(session: Session, identity_id: int, since: datetime) -> list[datetime]:
    """When each code of this MINI ID since SINCE was sent, oldest first."""
    query = (
        select(DeviceChallenge.created_at)
        .where(DeviceChallenge.identity_id == identity_id, DeviceChallenge.created_at >= since)
        .order_by(DeviceChallenge.created_at)
    )
    return list(session.scalars(query))


def codes_to(session: Session, recipient_key: str, since: datetime) -> list[datetime]:
    """When each code to this recipient since SINCE was sent, oldest first."""
    query = (
        select(DeviceChallenge.created_at)
        .where(DeviceChallenge.recipient_key == recipient_key, DeviceChallenge.created_at >= since)
        .order_by(DeviceChallenge.created_at)
    )
    return list(session.scalars(query))


def devices_of(session: Session, identity_id: int, now: datetime) -> list[RememberedDevice]:
    """A customer's remembered devices still in force, the most recently used first."""
    query = (
        select(RememberedDevice)
        .where(RememberedDevice.identity_id == identity_id, RememberedDevice.expires_at > now)
        .order_by(RememberedDevice.last_used_at.desc(), RememberedDevice.id.desc())
    )
    return list(session.scalars(query))


def device_by_hash(session: Session, token_hash: str) -> RememberedDevice | None:
    query = select(RememberedDevice).where(RememberedDevice.token_hash == token_hash)
    return session.scalar(query.with_for_update())


def forget(session: Session, identity_id: int, device_id: int | None = None) -> int:
    """Forget one device of the customer (or all of them); how many were forgotten."""
    query = delete(RememberedDevice).where(RememberedDevice.identity_id == identity_id)
    if device_id is not None:
        query = query.where(RememberedDevice.id == device_id)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)


def seen_device(session: Session, token_hash: str, identity_id: int) -> SeenDevice | None:
    query = select(SeenDevice).where(
        SeenDevice.token_hash == token_hash, SeenDevice.identity_id == identity_id
    )
    return session.scalar(query)


def has_seen_devices(session: Session, identity_id: int) -> bool:
    query = select(SeenDevice.id).where(SeenDevice.identity_id == identity_id).limit(1)
    return session.scalar(query) is not None
