"""Every reason a definition can give has its own message, in both languages.

A message is found by its code (Registry.reason_message): in flows/reasons.py for the
reasons every procedure may give, else where the procedure declares it (its YAML, a shared
model class). An unknown code falls back to "refused", which would hide a missing message
from a customer: this test finds it first.
"""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from flows import fields
from flows.registry import Registry
from tests.unit.test_translations import ROOT

REGISTRY = Registry()
ENGINE = {"not_allowed", "moved_on", "expired", "refused", "not_for_you"}
DECLARED = sorted(
    {r for d in REGISTRY for g in d.guards.values() for r in g.reasons}
    | fields.FIELD_REASONS
    | ENGINE
)


@pytest.mark.parametrize("reason", DECLARED)
def test_every_declared_reason_has_a_message(reason: str) -> None:
    assert reason in REGISTRY.reasons, f"no message for {reason!r}: declare it in its YAML"


@pytest.mark.parametrize("locale", ["fr_CA", "en_CA"])
def test_every_reasons_message_is_translated(locale: str) -> None:
    path = ROOT / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    for code, text in REGISTRY.reasons.items():
        message = catalog.get(text)
        assert message is not None and message.string, f"{locale}: {code} is not translated"
        if locale == "fr_CA":
            assert message.string != text, f"{code} is still in English"
