"""The staff's second factor, its parts alone: keys kept encrypted, the time steps taken
(one either side of now, never one already taken), recovery codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from flows.accounts import totp

SECRET = b"test-secret-key"
KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 3, 2, 14, 0, 10, tzinfo=UTC)


def code_at(delta_steps: int) -> str:
    return pyotp.TOTP(KEY).at(NOW + timedelta(seconds=30 * delta_steps))


def test_a_key_is_kept_encrypted_and_read_only_with_its_secret_key() -> None:
    sealed = totp.seal(KEY, SECRET)
    assert KEY not in sealed and totp.seal(KEY, SECRET) != sealed  # a fresh IV each time
    assert totp.unseal(sealed, SECRET) == KEY
    assert totp.unseal(sealed, b"another-secret-key") is None
    assert totp.unseal("not a token", SECRET) is None


def test_new_keys_are_160_bits_of_base32() -> None:
    keys = {totp.new_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) == 32 and k.isupper() for k in keys)


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_a_step_either_side_of_now_is_taken(delta: int) -> None:
    counter, why = totp.step(KEY, code_at(delta), NOW, None)
    assert why is None and counter == pyotp.TOTP(KEY).timecode(NOW) + delta


@pytest.mark.parametrize("delta", [-3, -2, 2, 3])
def test_steps_further_away_are_wrong(delta: int) -> None:
    assert totp.step(KEY, code_at(delta), NOW, None) == (None, "code")


def test_a_step_already_taken_or_older_is_a_replay() -> None:
    now_step = pyotp.TOTP(KEY).timecode(NOW)
    assert totp.step(KEY, code_at(0), NOW, now_step) == (None, "replay")
    assert totp.step(KEY, code_at(-1), NOW, now_step) == (None, "replay")
    assert totp.step(KEY, code_at(1), NOW, now_step) == (now_step + 1, None)


def test_the_uri_and_the_key_as_people_read_them() -> None:
    uri = totp.uri(KEY, "agent@servicesfinanciersmini.ca")
    assert uri.startswith("otpauth://totp/Mon%20Compte%20MINI:agent%40servicesfinanciersmini.ca?")
    assert f"secret={KEY}" in uri and "issuer=Mon%20Compte%20MINI" in uri
    assert totp.grouped(KEY) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_recovery_codes_are_told_apart_from_codes_and_compared_bare() -> None:
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == totp.RECOVERY_CODES
    first = codes[0]
    assert totp.shape(first) == totp.shape(first.upper().replace("-", " ")) == "recovery"
    digest = totp.recovery_digest(first, SECRET)
    assert digest == totp.recovery_digest(f" {first.upper()} ", SECRET)
    assert digest != totp.recovery_digest(first, b"another-secret-key")
    assert totp.shape("123456") == "totp"
    for typed in ("12345", "1234567", "abcdef", "0oil1-0oil1", "1234567890"):
        assert totp.shape(typed) is None, typed
