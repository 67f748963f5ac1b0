"""A passkey authenticator in software, for the tests and the testers' API.

It answers the options the site hands out (``passkey_options``) as a browser with a
platform authenticator would: ES256 keys (cryptography), "none" attestation, CBOR by cbor2,
the answer in the JSON of ``PublicKeyCredential.toJSON()``. User presence and verification
are always on; the signature counter goes up by one at each use.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


@dataclass
class Credential:
    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


class SoftAuthenticator:
    def __init__(self, origin: str, *, synced: bool = False) -> None:
        self.origin = origin
        self.synced = synced  # a passkey copied to the customer's other devices
        self.credentials: list[Credential] = []

    def create(
        self,
        options: str | dict[str, Any],
        *,
        origin: str | None = None,
        credential: Credential | None = None,
    ) -> str:
        """navigator.credentials.create(): a new passkey for the options' site and user (or
        CREDENTIAL again, as a broken authenticator would)."""
        found = _options(options)
        if credential is None:
            key = ec.generate_private_key(ec.SECP256R1())
            credential = Credential(
                os.urandom(32), key, found["rp"]["id"], base64url_to_bytes(found["user"]["id"])
            )
            self.credentials.append(credential)
        numbers = credential.key.public_key().public_numbers()
        cose = cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        attested = len(credential.id).to_bytes(2, "big") + credential.id + cose
        data = self._data(credential, AT) + bytes(16) + attested
        client = self._client("webauthn.create", found["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        response = {"clientDataJSON": _b64(client), "attestationObject": _b64(attestation)}
        return self._answer(credential, {**response, "transports": ["internal"]})

    def get(
        self,
        options: str | dict[str, Any],
        *,
        origin: str | None = None,
        credential: Credential | None = None,
    ) -> str:
        """navigator.credentials.get(): the newest passkey for the options' site (or
        CREDENTIAL), signing their challenge."""
        found = _options(options)
        chosen = credential or next(
            c for c in reversed(self.credentials) if c.rp_id == found["rpId"]
        )
        chosen.sign_count += 1
        data = self._data(chosen, 0)
        client = self._client("webauthn.get", found["challenge"], origin)
        signed = chosen.key.sign(data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": _b64(client),
            "authenticatorData": _b64(data),
            "signature": _b64(signed),
            "userHandle": _b64(chosen.user_handle),
        }
        return self._answer(chosen, response)

    def _data(self, credential: Credential, flags: int) -> bytes:
        flags |= UP | UV | ((BE | BS) if self.synced else 0)
        rp_hash = hashlib.sha256(credential.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + credential.sign_count.to_bytes(4, "big")

    def _client(self, kind: str, challenge: str, origin: str | None) -> bytes:
        where = origin or self.origin
        return json.dumps({"type": kind, "challenge": challenge, "origin": where}).encode()

    @staticmethod
    def _answer(credential: Credential, response: dict[str, Any]) -> str:
        return json.dumps(
            {
                "id": _b64(credential.id),
                "rawId": _b64(credential.id),
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )


def _options(options: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(options) if isinstance(options, str) else options


def _b64(data: bytes) -> str:
    return bytes_to_base64url(data)
