"""The testers' API under /api/v1: drive any procedure's instances without pages.

Only parsing and answering live here: every decision is the engine's, so the API gets the
same guards and the same rejections as the web pages. Registered only when API_TOKEN is
set; every call carries it as a bearer token. Answers are JSON, errors included, with
messages in the caller's language (Accept-Language: fr, the default, or en).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from flows import fields, reasons
from flows.access import Principal
from flows.accounts import people
from flows.analysis import change, change_report, describe
from flows.definition import Definition
from flows.engine import Forbidden, Outcome, Result, UnknownInstance
from flows.fields import FieldSpec
from flows.outbox import listing
from flows.reasons import N_
from flows.registry import UnknownFlow
from web.api import openapi
from web.config import api_allowed
from web.i18n import current_language, preferred_language, use_language
from web.labels import file_problems
from web.security import csrf
from web.services import current

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
TESTER = Principal.tester("api")
MAX_BODY = 64 * 1024
# The top-level members of request bodies, checked by the engine's own field rules.
START = {
    "flow": FieldSpec("flow", "string", required=True, max_length=64),
    "customer": FieldSpec("customer", "email"),
}
EVENT = {"event": FieldSpec("event", "string", required=True, max_length=64)}
AS = {"as": FieldSpec("as", "email")}
TO = {"to": FieldSpec("to", "string", max_length=254)}
VERSIONS = {
    "from": FieldSpec("from", "string", max_length=16),
    "to": FieldSpec("to", "string", max_length=16),
}

MESSAGES = {
    "unauthorized": N_("A valid bearer token is required (Authorization: Bearer …)."),
    "bad_json": N_("The body must be a JSON object."),
    "invalid_request": N_("The request is not valid: see errors."),
    "too_large": N_("The request body is too large."),
    "not_found": N_("There is nothing at this address."),
    "method_not_allowed": N_("This method is not allowed at this address."),
    "unknown_flow": N_("There is no procedure by this name."),
    "unknown_instance": N_("There is no instance with this id."),
    "unknown_customer": N_("No MINI ID has this e-mail address."),
    "unknown_principal": N_("No MINI ID nor staff member has this e-mail address."),
    "forbidden": N_("This is not open to the one the call acts as: see errors."),
    "unknown_version": N_("No version of this procedure by this name ran here."),
    "unreadable_version": N_("This version of the procedure can no longer be read."),
    "not_allowed": N_("This event is not allowed in the instance's current state."),
    "rejected": N_("The event was rejected: see errors."),
    "internal": N_("Something went wrong on our side."),
    "unavailable": N_("The service is unavailable for a moment: try again in a minute."),
}
HTTP_CODES = {
    400: "bad_json",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    503: "unavailable",
}

bp = Blueprint("api", __name__, url_prefix=PREFIX)


class ApiError(Exception):
    """An answer other than success: HTTP status, error code, reasons by field."""

    def __init__(
        self,
        status: int,
        code: str,
        errors: Mapping[str, str] | None = None,
        snapshot: dict[str, Any] | None = None,
        details: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
        files: Mapping[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.errors = errors
        self.snapshot = snapshot
        self.details = details or {}
        self.files = files or {}


def init_app(app: Flask) -> None:
    if not app.config.get("API_TOKEN"):
        return
    if not api_allowed(app.config):
        log.warning(
            "MONCOMPTE_API_TOKEN is set, but the testers' API stays off on a site outside "
            "development; set MONCOMPTE_API_IN_PRODUCTION=1 to run it (a staging site)"
        )
        return
    csrf.exempt(bp)
    app.register_blueprint(bp)


# -- the calls -------------------------------------------------------------------------


@bp.get("/definitions")
def definitions() -> Response:
    return answer({"definitions": [describe.summary(d, gettext) for d in current().registry]})


@bp.get("/definitions/<name>")
def definition(name: str) -> Response:
    return answer(describe.detail(_definition(name), gettext))


@bp.get("/definitions/<name>/diff")
def definition_diff(name: str) -> Response:
    """What changed from one version to another (by default: the one before, the current)."""
    _definition(name)
    given = _checked(VERSIONS, request.args)
    services = current()
    try:
        found = change.between(
            services.db, services.registry, name, given.get("from"), given.get("to")
        )
    except change.VersionError as exc:
        field = "from" if exc.version == given.get("from") else "to"
        raise ApiError(422, "invalid_request", {field: exc.code}) from None
    return answer(change_report.diff_json(found, gettext))


@bp.post("/flows")
def start() -> Response:
    values = _checked(START, _body())
    customer_id = _customer(values.get("customer"))
    try:  # a procedure only another's step starts is no procedure to start here
        snapshot = current().engine.start(
            values["flow"], by=TESTER, language=current_language(), customer_id=customer_id
        )
    except UnknownFlow:
        raise ApiError(422, "invalid_request", {"flow": "unknown_flow"}) from None
    except Forbidden as refused:
        raise ApiError(403, "forbidden", {"flow": refused.reason}) from None
    response = answer(snapshot.as_json(), 201)
    response.headers["Location"] = url_for(".flow", instance_id=snapshot.id)
    return response


@bp.get("/flows/<instance_id>")
def flow(instance_id: str) -> Response:
    try:
        return answer(current().engine.snapshot(instance_id, by=_as(request.args)).as_json())
    except UnknownInstance:
        raise ApiError(404, "unknown_instance") from None


@bp.post("/flows/<instance_id>/events")
def send(instance_id: str) -> Response:
    body = _body()
    event = _checked(EVENT, body)["event"]
    data = body.get("data")
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", {"data": "invalid"})
    by = _as(body)
    try:
        result = current().engine.send(instance_id, event, data, by=by)
    except UnknownInstance:
        raise ApiError(404, "unknown_instance") from None
    return _answer(result)


@bp.get("/flows/<instance_id>/history")
def history(instance_id: str) -> Response:
    try:
        records = current().engine.history(instance_id, by=_as(request.args))
    except UnknownInstance:
        raise ApiError(404, "unknown_instance") from None
    return answer({"id": instance_id, "history": records})


@bp.get("/outbox")
def messages() -> Response:
    to = _checked(TO, request.args).get("to")
    with current().db.read() as session:
        found = [listing.as_json(m) for m in listing.newest(session, to)]
    return answer({"messages": found})


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return answer(openapi.document(current().registry))


# -- parsing ---------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # absurdly nested JSON
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json")
    return body


def _checked(specs: Mapping[str, FieldSpec], raw: Mapping[str, Any]) -> dict[str, Any]:
    checked = fields.check(specs, raw)
    if checked.errors:
        raise ApiError(422, "invalid_request", checked.errors)
    return checked.values


def _definition(name: str) -> Definition:
    try:
        return current().registry.get(name)
    except UnknownFlow:
        raise ApiError(404, "unknown_flow") from None


def _as(given: Mapping[str, Any]) -> Principal:
    """Who a call acts as: the tester, or (``"as": EMAIL``) a MINI ID or a staff member,
    to see and send what they would, and be refused what they would."""
    email = _checked(AS, given).get("as")
    if email is None:
        return TESTER
    with current().db.read() as session:
        found = people.principal(session, email)
    if found is None:
        raise ApiError(422, "invalid_request", {"as": "unknown_principal"})
    return found


def _customer(email: str | None) -> int | None:
    if email is None:
        return None
    with current().db.read() as session:
        found = people.customer_id(session, email)
    if found is None:
        raise ApiError(422, "invalid_request", {"customer": "unknown_customer"})
    return found


def _answer(result: Result) -> Response:
    snapshot = result.snapshot.as_json()
    if result.outcome is Outcome.TAKEN:
        # What the step handed to its sender (a remembered device's token) and told it
        # (where to go next), this once.
        handed = {k: v for k, v in (("client", result.client), ("told", result.told)) if v}
        return answer({**snapshot, **handed})
    if result.outcome is Outcome.REJECTED:
        raise ApiError(422, "rejected", result.errors, snapshot, result.details, result.files)
    if result.outcome is Outcome.FORBIDDEN:
        raise ApiError(403, "forbidden", result.errors, snapshot)
    code = "expired" if result.outcome is Outcome.EXPIRED else "not_allowed"
    raise ApiError(409, code, None, snapshot)


# -- answers ---------------------------------------------------------------------------


@bp.before_request
def _authorize() -> None:
    use_language(preferred_language())
    request.max_content_length = MAX_BODY
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    token = str(current_app.config["API_TOKEN"])
    # Constant time, so the answer's timing does not tell how much of a guess was right.
    good = hmac.compare_digest(given.strip().encode(), token.encode())
    if scheme.lower() != "bearer" or not good:
        raise ApiError(401, "unauthorized")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Answers carry links and codes: no cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return http_error(error)


def _from_http(error: HTTPException) -> ApiError:
    status = error.code or 500
    return ApiError(status, HTTP_CODES.get(status, "internal" if status >= 500 else "bad_request"))


def answer(value: Any, status: int = 200) -> Response:
    """JSON as a person reads it in a terminal: indented, accents as they are."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return current_app.response_class(text, status=status, mimetype="application/json")


def message(code: str, details: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The message for an error or reason code, in the caller's language, naming what
    DETAILS name (a day, a holiday)."""
    text = str(gettext(MESSAGES.get(code) or current().registry.reason_message(code)))
    return reasons.say(text, details, current_language())


def error_response(error: ApiError) -> Response:
    body: dict[str, Any] = {"error": error.code, "message": message(error.code)}
    if error.errors is not None:
        body["errors"] = {
            name: {"reason": reason, "message": message(reason, error.details.get(name))}
            | _files(error.files.get(name))
            for name, reason in error.errors.items()
        }
    if error.snapshot is not None:
        body["snapshot"] = error.snapshot
    response = answer(body, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="moncompte"'
    return response


def _files(problems: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Of a file field, every refused file with its reason: {"files": [{name, reason,
    message}…]} (a file named nowhere, such as too many files, has no name)."""
    return {"files": file_problems(problems)} if problems else {}


def answers(path: str) -> bool:
    """Whether PATH is the API's, on an application that serves it."""
    return "api" in current_app.blueprints and (path == PREFIX or path.startswith(PREFIX + "/"))


def http_error(error: HTTPException) -> Response:
    """An HTTP error (no route, wrong method, body too large…) as the API answers it."""
    use_language(preferred_language())
    response = error_response(_from_http(error))
    allow = dict(error.get_headers()).get("Allow")
    if allow:
        response.headers["Allow"] = allow
    return response
