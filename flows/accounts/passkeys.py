"""Passkeys: WebAuthn's two ceremonies, by py_webauthn (a well-kept library: the CBOR, the
COSE keys and the signatures are its, none hand-written here).

A ceremony's challenge is kept in its instance's memory (``CHALLENGE``, with when it was
issued): bound to that instance, single use (dropped once it served) and good for
``CHALLENGE_VALID_FOR``. The relying party is the site's host (``MONCOMPTE_BASE_URL``), the
origin its scheme, host and port; user verification is required and no attestation asked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, generate_challenge
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from storage import passkeys
from storage.models import Identity
from storage.passkeys import Passkey

CHALLENGE_VALID_FOR = timedelta(minutes=5)
TIMEOUT_MS = int(CHALLENGE_VALID_FOR.total_seconds() * 1000)  # what the browser is told
RP_NAME = "Mon Compte MINI"
# What an instance's memory keeps of its ceremony: the challenge, when it was issued, and
# the options the browser (or a tester's authenticator) is handed.
CHALLENGE = "passkey_challenge"
ISSUED_AT = "passkey_issued_at"
OPTIONS = "passkey_options"


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host: a passkey works on this site and no other
    origin: str  # where the ceremony must happen: scheme, host and port


def relying_party(base_url: str) -> RelyingParty:
    parts = urlsplit(base_url)
    return RelyingParty(parts.hostname or "", f"{parts.scheme}://{parts.netloc}")


def user_handle(secret: bytes, identity_id: int) -> bytes:
    """The customer as their passkeys name them: keyed, so it says nothing of who they are."""
    return hmac.new(secret, f"passkey-user:{identity_id}".encode(), hashlib.sha256).digest()[:16]


def offer_registration(
    session: Session,
    memory: dict[str, Any],
    rp: RelyingParty,
    identity: Identity,
    handle: bytes,
    now: datetime,
) -> str:
    """A new challenge to create a passkey with, in MEMORY; the options for the browser."""
    challenge = generate_challenge()
    known = passkeys.of_customer(session, identity.id)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=identity.email,
        user_id=handle,
        user_display_name=f"{identity.first_name} {identity.last_name}".strip(),
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # Not twice on one authenticator.
        exclude_credentials=[_descriptor(p) for p in known],
    )
    return _keep(memory, challenge, options_to_json(options), now)


def offer_sign_in(
    memory: dict[str, Any], rp: RelyingParty, now: datetime, allowed: list[Passkey] | None = None
) -> str:
    """A new challenge to sign in with a passkey, in MEMORY; the options for the browser.

    With no ALLOWED list, the browser offers the passkeys it holds for this site: the page
    says nothing of which MINI IDs have one."""
    challenge = generate_challenge()
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in allowed or []],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return _keep(memory, challenge, options_to_json(options), now)


def _descriptor(row: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(row.credential_id))


def _keep(memory: dict[str, Any], challenge: bytes, options: str, now: datetime) -> str:
    memory.update(
        {CHALLENGE: bytes_to_base64url(challenge), ISSUED_AT: now.isoformat(), OPTIONS: options}
    )
    return options


def challenge_problem(memory: Mapping[str, Any], now: datetime) -> str | None:
    """Why MEMORY's challenge cannot serve (none, used, or too old); None when it can."""
    if CHALLENGE not in memory:
        return "passkey_expired"
    issued = datetime.fromisoformat(memory[ISSUED_AT])
    return "passkey_expired" if now - issued > CHALLENGE_VALID_FOR else None


def challenge_of(memory: Mapping[str, Any]) -> bytes:
    return base64url_to_bytes(memory[CHALLENGE])


def spend(memory: dict[str, Any]) -> None:
    """Take MEMORY's challenge out of it once it served: it serves once."""
    for key in (CHALLENGE, ISSUED_AT, OPTIONS):
        memory.pop(key, None)


def register(
    session: Session,
    identity_id: int,
    credential: str,
    rp: RelyingParty,
    challenge: bytes,
    name: str,
    now: datetime,
) -> tuple[Passkey | None, str | None]:
    """The passkey the browser created in answer to CHALLENGE, named NAME, to keep (not yet
    added to SESSION), or why not (``passkey_not_created``, ``passkey_known``)."""
    try:
        verified = verify_registration_response(
            credential=_parsed(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None, "passkey_not_created"
    credential_id = bytes_to_base64url(verified.credential_id)
    if passkeys.by_credential(session, credential_id) is not None:
        return None, "passkey_known"
    return Passkey(
        identity_id=identity_id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backup_eligible=verified.credential_device_type == "multi_device",
        backed_up=verified.credential_backed_up,
        name=name,
        created_at=now,
        last_used_at=now,
    ), None


def authenticate(
    session: Session,
    identity_id: int | None,
    credential: str,
    rp: RelyingParty,
    challenge: bytes,
    now: datetime,
) -> tuple[Passkey | None, str | None]:
    """The passkey of IDENTITY_ID that signed CHALLENGE (its use noted), or why not:
    ``passkey_unknown`` (no such passkey, or another customer's) or ``passkey_invalid``
    (another challenge, origin or site, no user verification, a counter gone back, a backup
    eligibility that changed)."""
    try:
        found = _parsed(credential)
        row = passkeys.by_credential(session, str(found["id"]))
    except (ValueError, KeyError, TypeError):
        return None, "passkey_invalid"
    if row is None or identity_id is None or row.identity_id != identity_id:
        return None, "passkey_unknown"
    try:
        verified = verify_authentication_response(
            credential=found,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None, "passkey_invalid"
    if (verified.credential_device_type == "multi_device") != row.backup_eligible:
        return None, "passkey_invalid"  # eligible for backup or not: fixed at its creation
    row.sign_count = verified.new_sign_count
    row.backed_up = verified.credential_backed_up
    row.last_used_at = now
    return row, None


def _parsed(credential: str) -> dict[str, Any]:
    found = json.loads(credential)
    if not isinstance(found, dict):
        raise ValueError("a credential is a JSON object")
    return found
