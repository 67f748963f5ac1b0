"""Pages that are not a procedure: the language choice and the home page."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from web.i18n import preferred_language

bp = Blueprint("pages", __name__)


@bp.get("/")
def root() -> Response:
    return redirect(url_for("pages.home", lang=preferred_language()), 302)


@bp.get("/<any(fr,en):lang>/")
def home(lang: str) -> str:
    return render_template("home.html", notice=session.pop("notice", None))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
