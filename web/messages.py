"""«Mon Centre de messages»: where «Afficher la boîte de réception» leads.

Secure messaging arrives with its own procedure; until then the centre is empty.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from web.auth import login_required

bp = Blueprint("messages", __name__)


@bp.get("/<any(fr,en):lang>/messages")
@login_required
def inbox(lang: str) -> str:
    return render_template("messages/inbox.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
