"""What the reason codes every procedure may give mean to a customer (English msgids,
translated by the catalogs): those of the field checks, the engine, e-mailed links, the
password rules, and refused principals. A procedure's own reasons are declared with it
(``procedure.reasons`` in its YAML, ``REASONS`` on a shared model class), and the
registry finds any of them by code (Registry.reason_message)."""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    return message


MESSAGES: dict[str, str] = {
    "required": N_("This field is required."),
    "too_long": N_("This is too long."),
    "invalid": N_("This value is not valid."),
    "invalid_characters": N_("This contains characters that are not allowed."),
    "invalid_choice": N_("Choose one of the options offered."),
    "email_invalid": N_("Enter a valid e-mail address, for example name@example.com."),
    "code_format": N_("Enter the 6 digits of the code."),
    # The staff's second factor (flows.accounts.second_factor).
    "staff_code_format": N_(
        "Enter the 6 digits your authenticator app shows, or one of your recovery codes."
    ),
    "staff_code_wrong": N_(
        "This code is not correct. After several attempts, wait a few minutes before trying again."
    ),
    "staff_code_used": N_(
        "This code has already been used. Wait for your authenticator app to show the next one."
    ),
    "staff_code_ended": N_("The time to type the code has run out. Sign in again."),
    "password_too_short": N_("Use at least 12 characters."),
    "password_too_long": N_("Use at most 128 characters."),
    "password_weak": N_(
        "This password is too easy to guess. Try a longer phrase of unrelated words."
    ),
    "password_personal": N_("Your password may not contain your name or e-mail address."),
    "password_mismatch": N_("The two passwords do not match."),
    "password_reused": N_("Choose a password different from your current one."),
    "link_invalid": N_("This link is not valid. Check that you copied it whole."),
    "link_used": N_("This link has already been used."),
    "link_superseded": N_("A newer e-mail was sent: use the link in the most recent one."),
    "link_expired": N_("This link has expired."),
    "not_allowed": N_("This step has already been completed."),
    "moved_on": N_("This step has already been completed."),
    "expired": N_("This procedure has expired. Please start again."),
    "refused": N_("This request could not be accepted."),
    "date_invalid": N_("Enter a date such as 2025-03-15."),
    "file_required": N_("Choose a file to send."),
    "file_too_large": N_("The file is larger than 10 MB."),
    "file_type": N_("Send a PDF, JPEG or PNG file."),
    "file_too_many": N_("Send at most 3 files."),
    # A principal refused (flows.access), told alike by pages, the API and the CLI.
    "not_for_you": N_("This action is not open to you."),
    "sign_in_required": N_("Sign in to continue."),
    "signed_in": N_("You are already signed in."),
    "customer_required": N_("Name the customer this is for."),
}


def message(reason: str) -> str:
    return MESSAGES.get(reason, MESSAGES["refused"])


def say(message: str, details: Mapping[str, Mapping[str, str]] | None, lang: str) -> str:
    """MESSAGE (already translated into LANG) with what its refusal names (a day, a
    holiday), as LANG writes them: ``Result.details`` of the field."""
    named = (details or {}).get(lang)
    if named:
        return message % named
    # Where no refusal is at hand (the analysts' list of a guard's reasons): "…".
    return message % _Unnamed() if "%(" in message else message


class _Unnamed(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"
