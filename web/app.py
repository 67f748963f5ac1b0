"""The application factory: configuration, the engine's parts, and every part of the site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, IntegerConverter, Map

from web import (
    api,
    errors,
    formatting,
    i18n,
    labels,
    logs,
    ops,
    security,
    services,
    sessions,
    staff,
)
from web import config as configuration
from web.customer import auth, messages, overview, pages, procedures, profile


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to 2^63 - 1; past what a database column holds, not found."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**63 - 1)


class KeyConverter(BaseConverter):
    """``<key:name>``: an instance's or a conversation's id (hex, URL-safe base64); any
    other text (a NUL byte, which PostgreSQL refuses) is not found."""

    regex = "[A-Za-z0-9_-]{1,64}"


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
    # There the session cookie is __Host- prefixed: Secure, the whole site, this host only.
    https = bool(base_url and base_url.startswith("https://"))
    app.config["SESSION_COOKIE_SECURE"] = https
    if https:
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.config.update(config or {})
    configuration.check(app.config)
    if configuration.development(app.config) and not app.config["TRUSTED_HOSTS"]:
        # Links are built from the request's host only here: so it must be this machine.
        app.config["TRUSTED_HOSTS"] = configuration.LOOPBACK_HOSTS

    if proxies := app.config.get("TRUSTED_PROXIES"):
        # The client's address and scheme as the proxies in front saw them (rate limits,
        # the development mailbox's loopback check, the audit trail), never as a client
        # claims them: only the last PROXIES hops of X-Forwarded-For are believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["key"] = KeyConverter
    services.init_app(app)
    parts = (
        logs,
        sessions,
        i18n,
        security,
        errors,
        auth,
        formatting,
        labels,
        pages,
        procedures,
        overview,
        profile,
        messages,
        api,
        staff,
        ops,
    )
    for part in parts:
        part.init_app(app)
    return app
