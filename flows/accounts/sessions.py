"""Sessions of customers and staff, as the web keeps them (storage.sessions): created at
sign-in under a new identifier, idle 30 minutes (staff: 15), 12 hours in all, swept once
ended."""

from __future__ import annotations

from storage.sessions import (
    ABSOLUTE,
    IDLE,
    Live,
    create,
    end,
    end_all,
    forget,
    live,
    of_customer,
    one,
    sweep,
    update,
)

__all__ = [
    "ABSOLUTE",
    "IDLE",
    "Live",
    "create",
    "end",
    "end_all",
    "forget",
    "live",
    "of_customer",
    "one",
    "sweep",
    "update",
]
