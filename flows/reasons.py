"""What each reason code means to a customer (English msgids, translated by the catalogs)."""

from __future__ import annotations


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
    "password_too_short": N_("Use at least 12 characters."),
    "password_too_long": N_("Use at most 128 characters."),
    "password_weak": N_(
        "This password is too easy to guess. Try a longer phrase of unrelated words."
    ),
    "password_personal": N_("Your password may not contain your name or e-mail address."),
    "password_mismatch": N_("The two passwords do not match."),
    "password_reused": N_("Choose a password different from your current one."),
    "credentials": N_(
        "The e-mail address or the password is incorrect. After several attempts, wait a few "
        "minutes before trying again, or reset your password."
    ),
    "link_invalid": N_("This link is not valid. Check that you copied it whole."),
    "link_used": N_("This link has already been used."),
    "link_superseded": N_("A newer e-mail was sent: use the link in the most recent one."),
    "link_expired": N_("This link has expired."),
    "too_soon": N_("An e-mail was sent less than a minute ago. Wait a moment, then try again."),
    "too_many": N_("Too many e-mails were sent in the last hour. Try again later."),
    "not_allowed": N_("This step has already been completed."),
    "moved_on": N_("This step has already been completed."),
    "expired": N_("This procedure has expired. Please start again."),
    "refused": N_("This request could not be accepted."),
    "date_invalid": N_("Enter a date such as 2025-03-15."),
    "payoff_date_past": N_("Choose today or a later date."),
    "payoff_date_too_far": N_("Choose a date within the next 30 days."),
    "file_required": N_("Choose a file to send."),
    "file_too_large": N_("The file is larger than 10 MB."),
    "file_type": N_("Send a PDF, JPEG or PNG file."),
    "file_too_many": N_("Send at most 3 files."),
    "contract_unknown": N_("Choose one of your contracts."),
    "vin_format": N_("Enter the 17 characters of the VIN: letters and digits, never I, O or Q."),
    "vin_check_digit": N_(
        "This is not a valid VIN: check each character (the 9th one is a check digit)."
    ),
    "amount_format": N_("Enter an amount in dollars and cents, for example 512.37."),
    "identity_mismatch": N_(
        "This information does not match our records. Check the spelling of your names and "
        "what you entered, then try again. After 3 unsuccessful attempts in 24 hours, "
        "verification is locked."
    ),
    "channel_unavailable": N_(
        "Codes cannot be sent by text message at the moment: choose the e-mail address."
    ),
    "code_too_soon": N_("A code was sent less than a minute ago. Wait a moment, then try again."),
    # Said alike whichever limit was hit: the MINI ID's, or the phone's or address's.
    "code_too_many": N_("Too many codes have been sent. Try again later."),
    "code_recipient_limit": N_("Too many codes have been sent. Try again later."),
    "code_wrong": N_("This code is not correct. Check it and try again."),
    "code_exhausted": N_("Too many wrong tries: this code no longer works. Send a new code."),
    "code_expired": N_("This code has expired. Send a new code."),
    "code_ended": N_("This code no longer works. Send a new code."),
    "upload_quota_files": N_(
        "You have sent the most files allowed in 24 hours (20, documents and attachments "
        "together). Try again tomorrow."
    ),
    "upload_quota_bytes": N_(
        "This would take the files you sent in the last 24 hours past the most allowed "
        "(100 MB, documents and attachments together). Try again tomorrow."
    ),
    # A principal refused (flows.access), told alike by pages, the API and the CLI.
    "not_for_you": N_("This action is not open to you."),
    "sign_in_required": N_("Sign in to continue."),
    "signed_in": N_("You are already signed in."),
    "claimed": N_("Another agent is answering this conversation."),
}


def message(reason: str) -> str:
    return MESSAGES.get(reason, MESSAGES["refused"])
