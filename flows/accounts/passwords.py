"""Password hashing (argon2id) and the password rules of SECURITY.md."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn_rs_py import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
# ASVS 5.0 appendix C: argon2id, m = 19 MiB, t = 2, p = 1 at least.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_PBKDF2 = re.compile(r"^\$pbkdf2-sha256\$i=(\d+)\$([A-Za-z0-9+/.=_-]+)\$([A-Za-z0-9+/.=_-]+)$")
IMPORTABLE_FORMATS = "argon2id/argon2i PHC strings, or $pbkdf2-sha256$i=ITERATIONS$SALT$HASH"
# zxcvbn's 10,000 most common passwords, kept as a file: importing zxcvbn's lists (names,
# words, 30,000 passwords) took 12 MiB of each process for a third of one list.
COMMON = Path(__file__).with_name("common_passwords.txt")


def normalize(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return HASHER.hash(normalize(password))


def verify(stored: str, password: str) -> bool:
    """Whether PASSWORD matches STORED (our argon2id, or an imported format)."""
    password = normalize(password)
    if stored.startswith("$pbkdf2-sha256$"):
        return _verify_pbkdf2(stored, password)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Imported formats and weaker argon2 parameters are upgraded at the next sign-in."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def is_importable(stored: str) -> bool:
    """Whether a hash from ConnectedDrive is in a format we can verify."""
    if _PBKDF2.match(stored):
        return True
    if not stored.startswith(("$argon2id$", "$argon2i$")):
        return False
    try:
        extract_parameters(stored)
    except InvalidHashError:
        return False
    return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash("an unused password to spend the same time")


def spend_verify_time(password: str) -> None:
    """Cost the same as a real check, for an address with no MINI ID."""
    verify(_dummy_hash(), password)


def _b64decode(text: str) -> bytes:
    text = text.replace(".", "+").replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _verify_pbkdf2(stored: str, password: str) -> bool:
    match = _PBKDF2.match(stored)
    if not match:
        return False
    iterations, salt, expected = int(match.group(1)), match.group(2), match.group(3)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _b64decode(salt), iterations)
    return hmac.compare_digest(digest, _b64decode(expected))


@lru_cache(maxsize=1)
def common() -> frozenset[str]:
    """The common passwords, lower case (read at the first password judged)."""
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def policy_problem(password: str, personal: list[str]) -> str | None:
    """The reason code for a password that breaks the rules, or None.

    PERSONAL holds the e-mail address and the names; parts of three characters or more
    may not appear in the password (case ignored).
    """
    password = normalize(password)
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    folded = password.casefold()
    parts = _personal_parts(personal)
    if any(part in folded for part in parts):
        return "password_personal"
    if folded in common() or int(zxcvbn(password, user_inputs=sorted(parts)).score) < MIN_SCORE:
        return "password_weak"
    return None


def new_password_problems(
    password: str, confirm: str | None, personal: list[str], current_hash: str | None = None
) -> list[tuple[str, str]]:
    """(field, reason) for each rule a new password and its confirmation break, all at once.

    CONFIRM is None when it was not given (the form says so beside it): only the password
    is judged then.
    """
    found = []
    problem = policy_problem(password, personal)
    if problem:
        found.append(("password", problem))
    elif current_hash and verify(current_hash, password):
        found.append(("password", "password_reused"))
    if confirm is not None and confirm != password:
        found.append(("password_confirm", "password_mismatch"))
    return found


def _personal_parts(personal: list[str]) -> set[str]:
    """The address, its local part and the names, whole and word by word."""
    parts: set[str] = set()
    for item in personal:
        item = normalize(item).casefold().strip()
        local = item.rpartition("@")[0] if "@" in item else item
        parts.update({item, local}, re.split(r"[\s\-'._+]+", local))
    return {p for p in parts if len(p) >= 3}
