"""Unit tests drive the engine and the models without a web application around them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import empty_database
from web.services import Services


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """The engine on a real, empty database, with a real outbox; no Flask app."""
    empty_database(database_url)
    built = Services.build(
        database_url,
        hold_mail=True,
        base_url=lambda: "http://127.0.0.1:5000/",
        uploads=tmp_path / "uploads",
    )
    yield built
    built.db.dispose()
