"""Registration: the data that satisfies the guards at each step."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD
from tests.paths import Steps, Walk
from tests.paths.steps import ACTIVATION


def details(walk: Walk) -> dict[str, Any]:
    return {
        "first_name": "Émilie",
        "last_name": "Gagnon",
        "email": f"emilie.{walk.id.lower()}@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }


STEPS: Steps = {("details", "submit"): details, **ACTIVATION}
