"""The staff console: sign-in and home (console), the analysts' procedures, the audit trail."""

from __future__ import annotations

from flask import Flask

from web.staff import agent, analyst, console, trail


def init_app(app: Flask) -> None:
    for part in (console, analyst, trail, agent):
        part.init_app(app)
