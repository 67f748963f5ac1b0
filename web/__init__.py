"""The Flask application: a thin layer that renders whichever state an instance is in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from web import (
    api,
    auth,
    delivery,
    devices,
    errors,
    formatting,
    i18n,
    labels,
    messages,
    ops,
    overview,
    pages,
    procedures,
    security,
    sessions,
    staff,
)
from web import config as configuration
from web.services import Services


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(configuration.from_environment(Path(app.instance_path), config or {}))
    app.config.update(
        MAX_CONTENT_LENGTH=35 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        TEMPLATES_AUTO_RELOAD=False,
    )
    base_url = (config or {}).get("BASE_URL", app.config["BASE_URL"])
    # Secure cookies wherever the site is served over HTTPS; plain HTTP is local development.
    app.config["SESSION_COOKIE_SECURE"] = bool(base_url and base_url.startswith("https://"))
    app.config.update(config or {})

    Services.init_app(app)
    parts = (
        sessions,
        i18n,
        security,
        errors,
        delivery,
        auth,
        formatting,
        labels,
        pages,
        procedures,
        overview,
        devices,
        messages,
        api,
        staff,
        ops,
    )
    for part in parts:
        part.init_app(app)
    return app
