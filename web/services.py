"""The parts the application shares: database, definitions, engine, clock, mailer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import Flask, current_app, has_request_context, request

from flows.engine import Engine
from flows.registry import Registry
from storage.db import Database
from web.mailer import TemplateMailer


class Clock:
    """Now, in UTC; tests move it forward to reach expiry instead of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every definition, compiled once per process."""
    return Registry()


@dataclass
class Services:
    db: Database
    registry: Registry
    engine: Engine
    clock: Clock
    mailer: TemplateMailer

    @classmethod
    def init_app(cls, app: Flask) -> None:
        db = Database(app.config["DATABASE_URL"])
        clock = Clock()
        mailer = TemplateMailer(app)

        def base_url() -> str:
            if app.config["BASE_URL"]:
                return str(app.config["BASE_URL"])
            # Development only (web.config.check): the host is a loopback TRUSTED_HOSTS one.
            if has_request_context() and request.host:
                return request.host_url
            return "http://127.0.0.1:5000/"

        engine = Engine(registry(), db, mailer, clock, base_url)
        app.extensions["moncompte"] = cls(db, registry(), engine, clock, mailer)


def current() -> Services:
    services: Services = current_app.extensions["moncompte"]
    return services
