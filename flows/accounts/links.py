"""Single-use links sent by e-mail: random, stored hashed, newest only, expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from storage.models import FlowInstance, Token

# Built once: each use of a link runs them.
_FIND = select(Token).where(Token.token_hash == bindparam("digest"))
_INSTANCE = (
    select(FlowInstance)
    .join(Token, Token.instance_id == FlowInstance.id)
    .where(Token.token_hash == bindparam("digest"))
    .with_for_update(of=FlowInstance)
)


def path(language: str, route: str, token: str) -> str:
    """Where an e-mailed link leads: a page that confirms with a POST."""
    return f"/{language}/{route}/link/{token}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(
    session: Session,
    *,
    purpose: str,
    instance_id: str,
    identity_id: int | None,
    now: datetime,
    valid_for: timedelta,
    supersede: bool = True,
) -> str:
    """A new link token; every older one of the same identity and purpose stops working
    (unless not SUPERSEDE: each stays good until used, revoked or expired)."""
    owner = (
        Token.identity_id == identity_id
        if identity_id is not None
        else Token.instance_id == instance_id
    )
    if supersede:
        session.execute(
            update(Token)
            .where(
                owner, Token.purpose == purpose, Token.used_at.is_(None), Token.revoked_at.is_(None)
            )
            .values(revoked_at=now)
        )
    token = secrets.token_urlsafe(32)  # 256 bits
    session.add(
        Token(
            token_hash=digest(token),
            purpose=purpose,
            instance_id=instance_id,
            identity_id=identity_id,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return token


def revoke_newer(
    session: Session, identity_id: int, purpose: str, than: Token, now: datetime
) -> None:
    """The unused links of IDENTITY_ID and PURPOSE issued after THAN stop working."""
    session.execute(
        update(Token)
        .where(
            Token.identity_id == identity_id,
            Token.purpose == purpose,
            Token.id > than.id,
            Token.used_at.is_(None),
            Token.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def find(session: Session, token: str) -> Token | None:
    return session.scalar(_FIND, {"digest": digest(token)})


def locked_instance(session: Session, token: str) -> FlowInstance | None:
    """The instance TOKEN was sent by, locked, in one query; the link itself is not
    loaded: the step's guard loads it once the instance is locked, so it judges the link
    as it is then."""
    return session.scalar(_INSTANCE, {"digest": digest(token)})


def check(
    session: Session, token: str, *, purpose: str, instance_id: str, now: datetime
) -> tuple[Token | None, str | None]:
    """The link behind TOKEN, and why it cannot be used (None when it can)."""
    row = find(session, token)
    return row, problem(row, purpose=purpose, instance_id=instance_id, now=now)


def problem(row: Token | None, *, purpose: str, instance_id: str, now: datetime) -> str | None:
    """Why the link cannot be used (a reason code), or None when it can."""
    if row is None or row.purpose != purpose or row.instance_id != instance_id:
        return "link_invalid"
    if row.used_at is not None:
        return "link_used"
    if row.revoked_at is not None:
        return "link_superseded"
    if now >= row.expires_at:
        return "link_expired"
    return None
