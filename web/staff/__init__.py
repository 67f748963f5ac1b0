"""The staff console: sign-in and home (console) and its second factor, the analysts'
procedures and their changes, the audit trail, the payoff quotes by reference, the agents'
messages, any procedure's staff page, and the support desk (customers)."""

from __future__ import annotations

from flask import Flask

from web.staff import (
    agent,
    analyst,
    changes,
    console,
    customers,
    procedures,
    quotes,
    second_factor,
    trail,
)


def init_app(app: Flask) -> None:
    parts = (console, second_factor, analyst, changes, trail, quotes, agent, procedures, customers)
    for part in parts:
        part.init_app(app)
