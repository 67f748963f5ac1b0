"""Passkeys (WebAuthn credentials): a device that signs in with nothing to type.

Nothing here is a secret: a passkey's public key and its credential id are what the
authenticator shows anyone who asks; the private key never leaves the device.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import utcnow
from storage.models import Base, BigId


class Passkey(Base):
    """A passkey a customer created on a device, named by them."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    identity_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    # The credential's id, base64url (1,023 bytes at most: 1,364 characters).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE, as registered
    # The authenticator's signature counter (0 when it keeps none): a lower one is a clone.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whether the passkey may be copied to the customer's other devices (a synced one), and
    # whether it was, at its last use.
    backup_eligible: Mapped[bool] = mapped_column(default=False)
    backed_up: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)  # created: used once

    __table_args__ = (Index("ix_passkeys_identity", "identity_id"),)


def of_customer(session: Session, identity_id: int) -> list[Passkey]:
    """A customer's passkeys, the most recently created first."""
    query = select(Passkey).where(Passkey.identity_id == identity_id)
    return list(session.scalars(query.order_by(Passkey.created_at.desc(), Passkey.id.desc())))


def by_credential(session: Session, credential_id: str) -> Passkey | None:
    """The passkey of this credential id, locked: its counter changes with each use."""
    query = select(Passkey).where(Passkey.credential_id == credential_id)
    return session.scalar(query.with_for_update())


def remove(session: Session, identity_id: int, passkey_id: int | None = None) -> int:
    """Remove one passkey of the customer (or all of them); how many were removed."""
    query = delete(Passkey).where(Passkey.identity_id == identity_id)
    if passkey_id is not None:
        query = query.where(Passkey.id == passkey_id)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)
