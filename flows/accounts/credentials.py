"""The password check every sign-in shares (customers' MINI ID, staff accounts).

Every failure looks the same from outside: unknown address, wrong password, an address
waiting out its delay, a locked account. Each costs one password verification, and each
counts against the address (known or not): after 5 consecutive failures the address
waits 30 s, doubling each time up to 15 min; after 100 the account is locked until its
password is set again (NIST SP 800-63B §5.2.2). A staff member's codes (the second
step) count on the same counter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from flows.accounts import passwords
from storage import sign_in_failures
from storage.models import SignInFailure

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
LOCK_AFTER = 100


class Account(Protocol):
    password_hash: str
    status: str


A = TypeVar("A", bound=Account)


def active(account: Account | None) -> bool:
    """Whether ACCOUNT may be signed in to (a session of a disabled one is worth nothing)."""
    return account is not None and account.status == "active"


def delay_after(failures: int) -> timedelta:
    """How long an address waits after FAILURES consecutive failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 10)  # 30 s × 2^10 is well past the longest
    delay: timedelta = min(FIRST_DELAY * 2**doublings, LONGEST_DELAY)
    return delay


def check(
    session: Session,
    *,
    failure_key: str,
    find: Callable[[], A | None],
    password: str,
    usable: Collection[str],
    now: datetime,
    clear: bool = True,
) -> A | None:
    """The account FIND returns, when PASSWORD is right and the address may try now.

    FAILURE_KEY names the address's failure counter, locked before FIND runs; an account
    whose status is not in USABLE is refused like an unknown address. Without CLEAR, a
    right password leaves the counter as it is: a second step follows, which clears it
    (else each right password would give a second factor's guesser 5 free tries again).
    """
    failures = sign_in_failures.counter(session, failure_key, now)
    account = find()
    may_try = account is not None and account.status in usable
    if account is not None and may_try and not blocked(failures, now):
        valid = passwords.verify(account.password_hash, password)
    else:
        passwords.spend_verify_time(password)
        valid = False
    settle(session, failures, valid, now, clear=clear)
    return account if valid else None


def blocked(failures: SignInFailure, now: datetime) -> bool:
    """Whether the address may not try now: it waits out its delay, or it is locked."""
    return _waiting(failures, now) or failures.count >= LOCK_AFTER


def settle(
    session: Session, failures: SignInFailure, valid: bool, now: datetime, *, clear: bool = True
) -> None:
    """Count a failure against the address (not during its delay), or clear its counter."""
    if valid:
        if clear:
            sign_in_failures.clear(session, failures.email_key)
    elif not _waiting(failures, now):  # a try during the delay is refused without counting
        failures.count += 1
        failures.last_failed_at = now


def _waiting(failures: SignInFailure, now: datetime) -> bool:
    return now < failures.last_failed_at + delay_after(failures.count)
