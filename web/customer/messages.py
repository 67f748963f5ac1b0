"""«Mon Centre de messages»: where «Afficher la boîte de réception» leads.

The conversations of the signed-in customer, newest first, with a mark on those holding an
answer not read yet; composing is the procedure secure_message, and a conversation's page
is the step page of its instance (conversation.yaml). Everything reached by id is looked up
with the signed-in customer: someone else's conversation or attachment answers 404.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flows.messaging import SUBJECTS, centre
from web import files
from web.customer.auth import current_customer, login_required, principal
from web.services import current

bp = Blueprint("messages", __name__)
FLOW = centre.FLOW
MAX_ID = 2**63 - 1  # what a bigint holds: past it, not found rather than a database error


def _customer_id() -> int:
    customer = current_customer()
    assert customer is not None  # login_required
    return customer.id


@bp.get("/<any(fr,en):lang>/messages")
@login_required
def inbox(lang: str) -> str:
    with current().db.read() as db:
        listed = centre.inbox(db, _customer_id())
    return render_template("messages/inbox.html", conversations=listed)


@bp.post("/<any(fr,en):lang>/messages/<key:conversation_id>/read")
@login_required
def read(lang: str, conversation_id: str) -> Response:
    """Open a conversation from the inbox: its answers are marked read (an event of the
    conversation, so the audit trail has it), then its page is shown."""
    with current().db.read() as db:
        found = centre.owned(db, conversation_id, _customer_id())
    if found is None:
        abort(404)
    current().engine.send(found.id, "read", by=principal())  # from a state without answers:
    # nothing to mark, and nothing to say
    return redirect(url_for("flows.step", flow=FLOW, instance_id=found.id), 303)


@bp.get(f"/<any(fr,en):lang>/messages/attachments/<int(max={MAX_ID}):attachment_id>")
@login_required
def attachment(lang: str, attachment_id: int) -> Response:
    with current().db.read() as db:
        found = centre.attachment(db, attachment_id, _customer_id())
    return files.attachment(found)


def unread_replies() -> int:
    """The signed-in customer's answers not read yet, read once per page (0 signed out)."""
    if "unread_replies" not in g:
        customer = current_customer()
        count = 0
        if customer is not None:
            with current().db.read() as db:
                count = centre.unread(db, customer.id)
        g.unread_replies = count
    return int(g.unread_replies)


def count_unread_replies(db: Session, customer_id: int) -> None:
    """Count them within a page's own read (the overview's), a transaction fewer."""
    g.unread_replies = centre.unread(db, customer_id)


def subject_label(code: str) -> str:
    return str(gettext(SUBJECTS[code])) if code in SUBJECTS else code


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        subject_label=subject_label, subjects=SUBJECTS, unread_replies=unread_replies
    )
