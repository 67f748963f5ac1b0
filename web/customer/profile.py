"""«Mon profil»: what the customer's MINI ID holds, and where each of its procedures
starts (password, e-mail address, language, where I am signed in). A page, not a
procedure: it reads the signed-in customer and decides nothing."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from web.customer.auth import current_customer, login_required

bp = Blueprint("profile", __name__)


@bp.get("/<any(fr,en):lang>/profile")
@login_required
def show(lang: str) -> str:
    return render_template("profile.html", identity=current_customer())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
