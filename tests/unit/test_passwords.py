"""The password rules and hashing of SECURITY.md."""

from __future__ import annotations

import base64
import hashlib

import pytest
from argon2 import PasswordHasher, extract_parameters

from flows.accounts import passwords

PERSONAL = ["jean.tremblay@example.com", "Jean", "Tremblay"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "password_too_short"),
        ("a" * 11, "password_too_short"),
        ("x" * 129, "password_too_long"),
        ("password1234", "password_weak"),
        ("aaaaaaaaaaaa", "password_weak"),
        ("qwertyuiopas", "password_weak"),
        ("JeanEstContent42!", "password_personal"),
        ("mon TREMBLAY à moi 2024", "password_personal"),
        ("jean.tremblay@example.com!", "password_personal"),
    ],
)
def test_refused(password: str, reason: str) -> None:
    assert passwords.policy_problem(password, PERSONAL) == reason


@pytest.mark.parametrize(
    "password",
    [
        "vélo rouge sous la pluie",
        "correct horse battery staple",
        "Ça-gèle-à-Chicoutimi-en-janvier",
        "密码很长而且很难猜测的句子吧",  # any Unicode
        "w" + "8Fq!zL0p#Tn2vR5@" * 7 + "abcdefghijkl"[:15],  # long, 128 max
    ],
)
def test_accepted(password: str) -> None:
    password = password[:128]
    assert passwords.policy_problem(password, PERSONAL) is None


def test_a_common_password_is_refused_whatever_its_length() -> None:
    assert passwords.policy_problem("1234567890123", []) == "password_weak"


def test_the_common_passwords_are_the_head_of_zxcvbn_s_list() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    top = FREQUENCY_LISTS["passwords"][:10000]
    assert passwords.common() == frozenset(top), (
        "zxcvbn's list changed: write its first 10,000 passwords, one a line, under the"
        f" comment at the top of {passwords.COMMON}"
    )
    assert len(passwords.common()) == 10000 and "123456" in passwords.common()


def test_hash_is_argon2id_with_asvs_parameters() -> None:
    stored = passwords.hash_password("vélo rouge sous la pluie")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism == 1
    assert passwords.verify(stored, "vélo rouge sous la pluie")
    assert not passwords.verify(stored, "velo rouge sous la pluie")
    assert not passwords.needs_rehash(stored)


def test_unicode_forms_of_one_password_match() -> None:
    stored = passwords.hash_password("caf\u00e9 au lait chaud!")
    assert passwords.verify(stored, "cafe\u0301 au lait chaud!")


def test_weaker_parameters_are_upgraded() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("x" * 12)
    assert passwords.verify(weak, "x" * 12)
    assert passwords.needs_rehash(weak)


def test_imported_pbkdf2_hashes_verify_and_are_upgraded() -> None:
    salt = b"connecteddrive!!"
    digest = hashlib.pbkdf2_hmac("sha256", b"old password here", salt, 100_000)
    stored = "$pbkdf2-sha256$i=100000${}${}".format(
        base64.b64encode(salt).decode().rstrip("="), base64.b64encode(digest).decode().rstrip("=")
    )
    assert passwords.is_importable(stored)
    assert passwords.verify(stored, "old password here")
    assert not passwords.verify(stored, "old password HERE")
    assert passwords.needs_rehash(stored)


@pytest.mark.parametrize("stored", ["plaintext", "$2b$12$abc", "$argon2id$broken", ""])
def test_unknown_formats_are_not_importable(stored: str) -> None:
    assert not passwords.is_importable(stored)
    assert not passwords.verify(stored or "x", "anything")
