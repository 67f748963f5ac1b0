"""The parts the application shares: database, definitions, engine, clock, mailer."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from jinja2 import FileSystemLoader

from flows.engine import Engine
from flows.registry import ROOT, Registry
from storage.db import Database
from web.config import sms_delivered
from web.mailer import TEMPLATES, TemplateMailer


class Clock:
    """Now, in UTC; tests move it forward to reach expiry instead of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@lru_cache(maxsize=4)
def registry(folders: tuple[Path, ...] = (ROOT,)) -> Registry:
    """Every definition, compiled once per process."""
    return Registry(folders)


@dataclass
class Services:
    db: Database
    registry: Registry
    engine: Engine
    clock: Clock
    mailer: TemplateMailer

    @classmethod
    def build(
        cls,
        database_url: str,
        *,
        hold_mail: bool,
        base_url: Callable[[], str],
        uploads: Path,
        folders: tuple[Path, ...] = (ROOT,),
        hold_sms: bool | None = None,
        secret_key: str | None = None,
        sms: bool = True,
    ) -> Services:
        """The engine and what it needs, without a web application (tests of models, CLI).

        Without SECRET_KEY, one for this process only (codes issued here check only here).
        Without SMS, no code is offered by text message (no gateway outside development).
        """
        db = Database(database_url)
        clock = Clock()
        templates = [TEMPLATES, *(f / "templates" for f in folders if f != ROOT)]
        mailer = TemplateMailer(hold=hold_mail, templates=templates, hold_sms=hold_sms)
        flows = registry(folders)
        secret = (secret_key or secrets.token_hex(32)).encode()
        channels = frozenset({"sms", "email"} if sms else {"email"})
        engine = Engine(flows, db, mailer, clock, base_url, uploads, secret, channels)
        return cls(db, flows, engine, clock, mailer)

    @classmethod
    def init_app(cls, app: Flask) -> None:
        # More procedures from other folders laid out as flows/, templates beside (a test's toy).
        folders = (ROOT, *(Path(f) for f in app.config.get("FLOW_FOLDERS", ())))
        if len(folders) > 1:
            templates = [TEMPLATES, *(f / "templates" for f in folders[1:])]
            app.jinja_loader = FileSystemLoader(templates)

        def base_url() -> str:
            if app.config["BASE_URL"]:
                return str(app.config["BASE_URL"])
            # Development only (web.config.check): the host is a loopback TRUSTED_HOSTS one.
            if has_request_context() and request.host:
                return request.host_url
            return "http://127.0.0.1:5000/"

        app.extensions["moncompte"] = cls.build(
            app.config["DATABASE_URL"],
            hold_mail=not app.config["SMTP_URL"],
            hold_sms=not app.config["SMS_WEBHOOK_URL"],
            sms=sms_delivered(app.config),
            secret_key=str(app.config["SECRET_KEY"]),
            base_url=base_url,
            uploads=Path(app.config.setdefault("UPLOAD_FOLDER", app.instance_path + "/uploads")),
            folders=folders,
        )


def current() -> Services:
    services: Services = current_app.extensions["moncompte"]
    return services
