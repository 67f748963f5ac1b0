"""The staff's second factor: an authenticator's TOTP key, and recovery codes.

TOTP as RFC 6238 and every authenticator app have it (pyotp): 6 digits, 30 s steps, one
step either side accepted (a phone's clock a little off, a code typed as it turned). A
step whose code was taken is never taken again, nor any older one (replay).

The key is kept encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from
the application's secret key (HKDF-SHA256), so that a copy of the database alone yields
no key. Recovery codes are kept as an HMAC-SHA256 under another derived key: a copy of
the database alone cannot be searched for them either. Changing MONCOMPTE_SECRET_KEY
therefore makes both unusable: the staff enrol again (``moncompte staff reset-2fa``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Mon Compte MINI"
WINDOW = 1  # steps accepted either side of now
RECOVERY_CODES = 10
# Ten characters of 31 that cannot be mistaken for one another (no 0/o, 1/l/i): 49 bits,
# tried only through the sign-in form and its delays (the digest is keyed).
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 10
_RECOVERY_SHAPE = re.compile(f"[{_RECOVERY_ALPHABET}]{{{_RECOVERY_LENGTH}}}")
_TOTP_SHAPE = re.compile(r"[0-9]{6}")
_SEPARATORS = re.compile(r"[\s-]")
_KEY_PURPOSE = b"moncompte staff totp key"
_RECOVERY_PURPOSE = b"moncompte staff recovery code"


def new_key() -> str:
    """A fresh key: 160 bits from the operating system's CSPRNG, in base32 (RFC 4226)."""
    return pyotp.random_base32(32)


def _fernet(secret: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE)
    return Fernet(base64.urlsafe_b64encode(derived.derive(secret)))


def seal(key: str, secret: bytes) -> str:
    """KEY as kept in the database."""
    return _fernet(secret).encrypt(key.encode()).decode()


def unseal(sealed: str, secret: bytes) -> str | None:
    """The key kept as SEALED; None when another secret key sealed it."""
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def uri(key: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(key).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(key: str) -> str:
    """KEY in groups of 4, as a person types it into an app."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def shape(typed: str) -> str | None:
    """What TYPED looks like: ``totp`` (6 digits), ``recovery`` (a recovery code, spaces,
    hyphens and letter case aside), or None."""
    if _TOTP_SHAPE.fullmatch(typed):
        return "totp"
    return "recovery" if _RECOVERY_SHAPE.fullmatch(_bare(typed)) else None


def step(key: str, code: str, now: datetime, last: int | None) -> tuple[int | None, str | None]:
    """The time step CODE is KEY's for, around NOW, with None; or None and why not:
    ``code`` (no step's) or ``replay`` (a step already taken, or older: LAST)."""
    totp = pyotp.TOTP(key)
    current = totp.timecode(now)
    replayed = False
    for counter in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            if last is None or counter > last:
                return counter, None
            replayed = True
    return None, "replay" if replayed else "code"


def new_recovery_codes() -> list[str]:
    """Codes to show once, each as ``xxxxx-xxxxx``."""
    codes = []
    for _ in range(RECOVERY_CODES):
        bare = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{bare[:5]}-{bare[5:]}")
    return codes


def recovery_digest(code: str, secret: bytes) -> str:
    """What is kept of a recovery code (and compared): a keyed digest of it, bare."""
    key = hmac.new(secret, _RECOVERY_PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, _bare(code).encode(), hashlib.sha256).hexdigest()


def _bare(typed: str) -> str:
    return _SEPARATORS.sub("", typed).lower()
