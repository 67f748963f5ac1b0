"""Pages that are not a procedure: the language choice, the home page, the FAQ and the
privacy page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flows import formatting, retention
from flows.analysis import faq
from flows.formatting import tel
from web.customer.auth import current_customer
from web.i18n import current_language, preferred_language
from web.services import current

bp = Blueprint("pages", __name__)


@bp.get("/")
def root() -> Response:
    return redirect(url_for("pages.home", lang=preferred_language()), 302)


@bp.get("/<any(fr,en):lang>/")
def home(lang: str) -> Response:
    return public(render_template("home.html", notice=session.pop("notice", None)))


@bp.get("/<any(fr,en):lang>/privacy")
def privacy(lang: str) -> Response:
    schedule = [kind.words(gettext) for kind in retention.SCHEDULE]
    return public(render_template("privacy.html", schedule=schedule))


@bp.get("/<any(fr,en):lang>/faq")
def questions(lang: str) -> Response:
    body = render_template("faq.html", questions=faq.questions(), step_labels=step_labels)
    return public(body)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """For browsers that ask before reading the page's icon link."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


def public(body: str) -> Response:
    """A page the same for every visitor: a browser may keep it, and asks each time whether
    it changed (ETag: a 304 when not). Signed in, it shows the customer's menu: kept
    nowhere, as every other page."""
    response = make_response(body)
    if current_customer() is None:
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Vary"] = "Cookie"
        response.add_etag()
        response.make_conditional(request)
    return response


def procedure_url(route: str | None) -> str | None:
    """Where ROUTE's procedure or page starts, when this version of the site has it."""
    if not route:
        return None
    definition = current().registry.by_route.get(route)
    if definition is not None:
        return url_for("flows.start", flow=definition.name)
    path = f"/{current_language()}/{route}"
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return path


def step_labels(question: faq.Question) -> list[tuple[str, str]]:
    """(label, text) of each step as the FAQ numbers them: Step 1, 2…, an alternative
    to a step («1a»), and what happens later."""
    shown: list[tuple[str, str]] = []
    numbers = faq.numbers(question)
    number = 0
    for step in question.steps:
        if step.step in numbers:
            number = numbers[step.step]
            name = gettext("Step %(number)s:", number=number)
        elif step.step == "later":
            name = gettext("Later:")
        else:
            name = gettext("Step %(number)s (alternative):", number=number)
        shown.append((name, step.text[current_language()]))
    return shown


class SupportPhone:
    """The support number, written as the page's language writes it."""

    def __init__(self, number: str) -> None:
        self.number = number

    def __str__(self) -> str:
        return formatting.phone(self.number, current_language())

    def __html__(self) -> str:
        return str(escape(str(self)))


def init_app(app: Flask) -> None:
    # The one support number, on every page, quote and e-mail that names it.
    app.jinja_env.globals["support_phone"] = SupportPhone(app.config["SUPPORT_PHONE"])
    app.jinja_env.globals["support_tel"] = tel(app.config["SUPPORT_PHONE"])
    app.jinja_env.globals["privacy_officer"] = app.config["PRIVACY_OFFICER"]
    app.register_blueprint(bp)
    app.jinja_env.globals["procedure_url"] = procedure_url
