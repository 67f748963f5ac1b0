"""Fixtures of the pages of signed-in customers: a MINI ID, today, the upload folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from flows.contracts.schedule import today as local_today
from tests.factories import identity
from web.services import Services


@pytest.fixture
def uploads(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


@pytest.fixture
def today(services: Services) -> date:
    """Today where MINI Financial Services keeps its books (Eastern time)."""
    return local_today(services.clock())


@pytest.fixture
def jean(services: Services) -> int:
    """The MINI ID of Jean Tremblay, who signs in with tests.factories.PASSWORD."""
    return identity(services)
