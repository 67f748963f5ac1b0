"""The application factory: configuration, the engine's parts, and every part of the site."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask.globals import _cv_request
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


class Site(Flask):
    """Flask, remembering the URLs it built for pages: a page builds thirty, mostly the same
    on every page, and werkzeug takes 8 to 14 µs for each.

    A URL built within a request, without scheme and host, is a function of its endpoint
    and values, the request's blueprint (a relative endpoint), the language (web.i18n adds
    it) and the address the site answers at; the cache is keyed on all of them. Anything
    else (a scheme, an external URL, a value that cannot be a key) is built each time.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built = lru_cache(maxsize=4096)(self._build)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        ctx = _cv_request.get(None)
        adapter = ctx.url_adapter if ctx is not None else None
        if ctx is None or adapter is None or _scheme is not None or _external:
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        blueprint = ctx.request.blueprint if endpoint[:1] == "." else None
        where = (adapter.url_scheme, adapter.server_name, adapter.script_name, adapter.subdomain)
        key = (endpoint, blueprint, _anchor, _method, i18n.current_language(), where)
        try:
            return self._built((*key, tuple(sorted(values.items()))))
        except TypeError:  # a value that is no key (a list): built each time
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)

    def _build(self, key: tuple[Any, ...]) -> str:
        endpoint, _blueprint, anchor, method, _language, _where, values = key
        return super().url_for(endpoint, _anchor=anchor, _method=method, **dict(values))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Site(__name__, instance_relative_config=True)
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
