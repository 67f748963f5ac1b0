"""The agents' console: the conversations waiting for an answer, and answering them.

Agents only (analysts get 403, everyone else 404). Every change is an event of the
conversation sent as "staff:<id>", so the audit trail names the agent: opening one from
the queue claims it (a POST), answering and closing are its events. GET only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from flows.access import Principal
from flows.contracts.schedule import standing
from flows.contracts.schedule import today as local_today
from flows.engine import Result
from flows.messaging import SUBJECTS, targets, threads
from storage import messages
from storage.contracts import Contract
from storage.messages import Conversation
from storage.models import FlowInstance, Identity, Staff
from web.messages import send_attachment
from web.procedures import _form as form_data  # the form and its files, as the event data
from web.services import current
from web.staff.console import console, current_staff

F = TypeVar("F", bound=Callable[..., Any])
bp = console(Blueprint("agent", __name__, url_prefix="/staff/messages"))
AGES = {"1d": timedelta(days=1), "2d": timedelta(days=2)}  # and "overdue"
OUTCOME = "agent_outcome"
MAX_ID = 2**63 - 1


def agent_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        member = current_staff()
        if member is None:
            abort(404)
        if member.role != "agent":
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _me() -> Staff:
    member = current_staff()
    assert member is not None  # agent_required
    return member


def me() -> Principal:
    """The agent, as the engine knows who sends."""
    member = _me()
    return Principal.staff(member.id, member.role)


@bp.get("")
@agent_required
def queue() -> str:
    subject = request.args.get("subject", "")
    subject = subject if subject in SUBJECTS else ""
    age = request.args.get("age", "")
    age = age if age in {*AGES, "overdue"} else ""
    now = current().clock()
    since_before = now - AGES[age] if age in AGES else None
    with current().db.read() as db:
        found = messages.waiting(db, now, subject=subject or None, since_before=since_before)
    rows = [(w, targets.wait(w.conversation.waiting_since or now, now)) for w in found]
    if age == "overdue":
        rows = [(w, wait) for w, wait in rows if wait.overdue]
    return render_template("staff/queue.html", rows=rows, subject=subject, age=age)


@bp.post("/<key:conversation_id>/claim")
@agent_required
def claim(conversation_id: str) -> Response:
    """Open a conversation from the queue: the agent holds it for 15 minutes."""
    _conversation(conversation_id)
    result = current().engine.send(conversation_id, "claim", by=me())
    _keep(conversation_id, result)
    return redirect(url_for(".show", conversation_id=conversation_id), 303)


@bp.get("/<key:conversation_id>")
@agent_required
def show(conversation_id: str) -> str:
    conversation = _conversation(conversation_id)
    now = current().clock()
    with current().db.read() as db:
        state = db.get(FlowInstance, conversation.id)
        thread = messages.thread(db, conversation.id)
        customer = db.get(Identity, conversation.customer_id)
        contract = db.get(Contract, conversation.contract_id) if conversation.contract_id else None
        ids = {m.staff_id for m in thread if m.staff_id} | {conversation.claimed_by or 0}
        names = {i: _name(s) for i, s in messages.staff_names(db, ids).items()}
    outcome = session.pop(OUTCOME, None) or {}
    if outcome.get("id") != conversation.id:
        outcome = {}
    holder = threads.holder(conversation, now)
    return render_template(
        "staff/conversation.html",
        conversation=conversation,
        state=state.state if state else "",
        thread=thread,
        names=names,
        customer=customer,
        contract=contract,
        standing=standing(contract, local_today(now)) if contract else None,
        holder=holder,
        held_by_me=holder == _me().id,
        wait=targets.wait(conversation.waiting_since, now) if conversation.waiting_since else None,
        errors=outcome.get("errors", {}),
        notice=outcome.get("notice"),
        values=outcome.get("values", {}),
        meanwhile=outcome.get("meanwhile", []),
    )


@bp.post("/<key:conversation_id>")
@agent_required
def act(conversation_id: str) -> Response:
    """Answer or close, as the form's button says."""
    _conversation(conversation_id)
    event = request.form.get("event", "")
    event = event if event in {"answer", "close"} else "answer"
    # Read before anything is sent: nothing may fail once the answer is committed.
    seen = request.form.get("seen", "")
    last_seen = min(int(seen), MAX_ID) if seen.isascii() and seen.isdigit() else None
    result = current().engine.send(conversation_id, event, form_data(), by=me())
    _keep(conversation_id, result)
    if result.ok and event == "answer" and last_seen is not None:
        with current().db.read() as db:
            others = threads.others_since(db, conversation_id, last_seen, _me().id)
            names = sorted(_name(s) for s in messages.staff_names(db, others).values())
        if names:
            session[OUTCOME] = {"id": conversation_id, "meanwhile": names}
    target = ".queue" if result.ok and event == "close" else ".show"
    return redirect(url_for(target, conversation_id=conversation_id), 303)


@bp.get(f"/attachments/<int(max={MAX_ID}):attachment_id>")
@agent_required
def attachment(attachment_id: int) -> Response:
    with current().db.read() as db:
        found = messages.attachment_of(db, attachment_id)
    return send_attachment(found)


def _conversation(conversation_id: str) -> Conversation:
    with current().db.read() as db:
        found = db.get(Conversation, conversation_id[:32])
    if found is None:
        abort(404)
    return found


def _keep(conversation_id: str, result: Result) -> None:
    """What the next page says: the refusal, beside the form that was sent."""
    if result.ok:
        session.pop(OUTCOME, None)
        return
    errors = dict(result.errors)
    session[OUTCOME] = {
        "id": conversation_id,
        "notice": errors.pop("event", None),
        "errors": errors,
        "values": result.values,
    }


def _name(member: Staff) -> str:
    full = " ".join(n for n in (member.first_name, member.last_name) if n)
    return full or member.email


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["agent_attachment_url"] = lambda attachment_id: url_for(
        "agent.attachment", attachment_id=attachment_id
    )
