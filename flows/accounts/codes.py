"""Codes that authorize a device: 6 digits, one challenge each, 10 minutes, once, 5 tries.

A code is the HOTP value (pyotp) of a fresh 160-bit secret from the operating system's
CSPRNG, used once and thrown away. It is kept only as an HMAC-SHA256 keyed with a key
derived from the application's secret key, over a random salt and the code: a database
copy alone cannot be searched for the code (a million candidates would fall in a second
to any unkeyed hash, however slow), and checking costs nothing, so guessing through the
form is held back by the 5 tries, not by the server's time. Compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import devices
from storage.devices import DeviceChallenge

VALID_FOR = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_GAP = timedelta(seconds=60)
PER_HOUR = 5
_PURPOSE = b"moncompte device code"


def _digest(secret: bytes, salt: str, code: str) -> str:
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, challenge: DeviceChallenge, code: str) -> bool:
    """Whether CODE is the challenge's, in constant time."""
    typed = _digest(secret, challenge.salt, code).encode()
    return hmac.compare_digest(typed, challenge.code_hash.encode())


def throttled(session: Session, identity_id: int, now: datetime) -> str | None:
    """Why no code may be sent to this MINI ID now (a reason code), or None.

    Counted by MINI ID, whatever the procedure or instance: starting again does not
    give anyone more messages to send to someone's phone.
    """
    sent = devices.challenges_since(session, identity_id, now - timedelta(hours=1))
    if sent and now - sent[-1] < RESEND_GAP:
        return "code_too_soon"
    if len(sent) >= PER_HOUR:
        return "code_too_many"
    return None


def issue(
    session: Session,
    *,
    secret: bytes,
    instance_id: str,
    identity_id: int,
    channel: str,
    now: datetime,
) -> str:
    """A new code for this instance; the instance's older ones stop working."""
    session.execute(
        update(DeviceChallenge)
        .where(
            DeviceChallenge.instance_id == instance_id,
            DeviceChallenge.used_at.is_(None),
            DeviceChallenge.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    code = pyotp.HOTP(pyotp.random_base32()).at(0)
    salt = secrets.token_hex(16)
    session.add(
        DeviceChallenge(
            instance_id=instance_id,
            identity_id=identity_id,
            channel=channel,
            salt=salt,
            code_hash=_digest(secret, salt, code),
            attempts=0,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    return code


def check(
    session: Session, *, secret: bytes, instance_id: str, code: str, now: datetime
) -> tuple[DeviceChallenge | None, str | None]:
    """The instance's newest challenge and why CODE does not authorize (None when it does).

    A wrong code counts a try; the fifth ends the challenge, so a new code must be sent.
    """
    challenge = devices.newest_challenge(session, instance_id)
    if challenge is None or challenge.used_at is not None:
        return challenge, "code_ended"
    if challenge.ended_at is not None:
        return challenge, "code_exhausted" if challenge.attempts >= MAX_TRIES else "code_ended"
    if now >= challenge.expires_at:
        return challenge, "code_expired"
    if matches(secret, challenge, code):
        return challenge, None
    challenge.attempts += 1
    if challenge.attempts >= MAX_TRIES:
        challenge.ended_at = now
        return challenge, "code_exhausted"
    return challenge, "code_wrong"
