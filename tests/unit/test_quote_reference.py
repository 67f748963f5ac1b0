"""Quote references: readable aloud, unguessable, typed back in any reasonable way."""

from __future__ import annotations

import re
from itertools import pairwise

from flows.contracts import quotes

FORMAT = re.compile(r"^Q-2026-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def test_a_reference_has_no_look_alike_characters_and_does_not_repeat() -> None:
    made = [quotes.new_reference(2026) for _ in range(2000)]
    assert all(FORMAT.match(r) for r in made)
    body = "".join(r[7:].replace("-", "") for r in made)
    assert not set(body) & set("01ILO")
    assert len(set(made)) == len(made)  # 31⁸ values: 2000 draws would repeat 1 time in 400 000
    # Not sequential: neighbours differ in most places, not in the last character alone.
    differing = [sum(a != b for a, b in zip(x, y, strict=True)) for x, y in pairwise(made)]
    assert sum(differing) / len(differing) > 6


def test_a_reference_is_read_back_however_it_is_typed() -> None:
    assert quotes.parse_reference("Q-2026-7KX3-MP9D") == "Q-2026-7KX3-MP9D"
    assert quotes.parse_reference(" q 2026 7kx3 mp9d ") == "Q-2026-7KX3-MP9D"
    assert quotes.parse_reference("Q–2026–7KX3–MP9D") == "Q-2026-7KX3-MP9D"  # en dashes
    for wrong in ("", "Q-2026-7KX3", "Q-2026-7KX3-MP9O", "X-2026-7KX3-MP9D", "Q-26-7KX3-MP9D"):
        assert quotes.parse_reference(wrong) is None, wrong
