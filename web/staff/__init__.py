"""The staff console: sign-in and home (console), the analysts' procedures and their
changes, the audit trail, the payoff quotes by reference."""

from __future__ import annotations

from flask import Flask

from web.staff import agent, analyst, changes, console, procedures, quotes, trail


def init_app(app: Flask) -> None:
    for part in (console, analyst, changes, trail, quotes, agent, procedures):
        part.init_app(app)
