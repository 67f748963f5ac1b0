"""The engine's parts (flows.services) for this application: built once at start-up from
its configuration, found again by every view (``current()``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from jinja2 import FileSystemLoader

from flows.registry import ROOT
from flows.services import Services, templates_of
from web.config import sms_delivered

__all__ = ["Services", "current", "init_app"]


def init_app(app: Flask) -> None:
    # More procedures from other folders laid out as flows/, templates beside (a test's toy).
    folders = (ROOT, *(Path(f) for f in app.config.get("FLOW_FOLDERS", ())))
    if len(folders) > 1:
        app.jinja_loader = FileSystemLoader(templates_of(folders))

    def base_url() -> str:
        if app.config["BASE_URL"]:
            return str(app.config["BASE_URL"])
        # Development only (web.config.check): the host is a loopback TRUSTED_HOSTS one.
        if has_request_context() and request.host:
            return request.host_url
        # Outside a request (the demo data, the workers): where `moncompte run` serves.
        return str(app.config.get("SERVED_AT") or "http://127.0.0.1:5000/")

    app.extensions["moncompte"] = Services.build(
        app.config["DATABASE_URL"],
        hold_mail=not app.config["SMTP_URL"],
        hold_sms=not app.config["SMS_WEBHOOK_URL"],
        sms=sms_delivered(app.config),
        secret_key=str(app.config["SECRET_KEY"]),
        support_phone=str(app.config["SUPPORT_PHONE"]),
        base_url=base_url,
        uploads=Path(app.config.setdefault("UPLOAD_FOLDER", app.instance_path + "/uploads")),
        folders=folders,
    )


def current() -> Services:
    services: Services = current_app.extensions["moncompte"]
    return services
