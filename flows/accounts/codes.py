"""Codes that authorize a device: 6 digits, one challenge each, 10 minutes, once, 5 tries.

A code is the HOTP value (pyotp) of a fresh 160-bit secret from the operating system's
CSPRNG, used once and thrown away. It is kept only as an HMAC-SHA256 keyed with a key
derived from the application's secret key, over a random salt and the code: a database
copy alone cannot be searched for the code (a million candidates would fall in a second
to any unkeyed hash, however slow), and checking costs nothing, so guessing through the
form is held back by the 5 tries, not by the server's time. Compared in constant time.

Sending is limited by MINI ID (60 s apart, 5 an hour) and by recipient (5 an hour and 10
a day to one phone number or address, whichever MINI ID or procedure asks), each counted
and decided under a lock held until the step commits: requests sent at the same moment
are judged one after the other (SMS pumping: OWASP, NIST SP 800-63B §5.2.2).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import devices
from storage.db import serialise
from storage.devices import DeviceChallenge
from storage.models import Identity

VALID_FOR = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_GAP = timedelta(seconds=60)
PER_HOUR = 5
TO_RECIPIENT_PER_HOUR = 5
TO_RECIPIENT_PER_DAY = 10
_PURPOSE = b"moncompte device code"
_RECIPIENT = b"moncompte code recipient"


def _digest(secret: bytes, salt: str, code: str) -> str:
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def recipient_key(secret: bytes, channel: str, address: str) -> str:
    """Where a code goes, as compared and kept: a keyed digest of the channel and the
    phone number (E.164) or the address (lower case), never the number itself."""
    key = hmac.new(secret, _RECIPIENT, hashlib.sha256).digest()
    text = f"{channel}:{address.strip().lower()}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, challenge: DeviceChallenge, code: str) -> bool:
    """Whether CODE is the challenge's, in constant time."""
    typed = _digest(secret, challenge.salt, code).encode()
    return hmac.compare_digest(typed, challenge.code_hash.encode())


def throttled(session: Session, identity_id: int, recipient: str, now: datetime) -> str | None:
    """Why no code may go from this MINI ID to RECIPIENT (a recipient_key) now, or None.

    Counted by MINI ID, whatever the procedure or instance: starting again does not give
    anyone more messages to send. Then by recipient, whoever asks: new MINI IDs do not
    either. The locks taken here are held until the step commits its code.
    """
    session.get(Identity, identity_id, with_for_update=True)
    sent = devices.challenges_since(session, identity_id, now - timedelta(hours=1))
    if sent and now - sent[-1] < RESEND_GAP:
        return "code_too_soon"
    if len(sent) >= PER_HOUR:
        return "code_too_many"
    serialise(session, f"code recipient {recipient}")
    to_recipient = devices.codes_to(session, recipient, now - timedelta(days=1))
    last_hour = [t for t in to_recipient if now - t < timedelta(hours=1)]
    if len(last_hour) >= TO_RECIPIENT_PER_HOUR or len(to_recipient) >= TO_RECIPIENT_PER_DAY:
        return "code_recipient_limit"
    return None


def wait_before_next(session: Session, identity_id: int, now: datetime) -> int:
    """Seconds before this MINI ID may be sent another code (0: it may now), by the 60 s
    between two codes; read only, for the page that says so."""
    sent = devices.challenges_since(session, identity_id, now - RESEND_GAP)
    if not sent:
        return 0
    return max(0, math.ceil((sent[-1] + RESEND_GAP - now).total_seconds()))


def issue(
    session: Session,
    *,
    secret: bytes,
    instance_id: str,
    identity_id: int,
    channel: str,
    recipient: str,
    now: datetime,
) -> str:
    """A new code for this instance, to RECIPIENT (a recipient_key); the instance's older
    ones stop working."""
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
            recipient_key=recipient,
            salt=salt,
            code_hash=_digest(secret, salt, code),
            attempts=0,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    return code


def tries_left(session: Session, instance_id: str, now: datetime) -> int | None:
    """How many more tries the instance's code takes, once one was wrong (None before
    that, or when the code no longer works: the page then asks for a new one)."""
    challenge = devices.newest_challenge(session, instance_id, lock=False)
    if challenge is None or not challenge.attempts or challenge.ended_at or challenge.used_at:
        return None
    return None if now >= challenge.expires_at else MAX_TRIES - challenge.attempts


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
