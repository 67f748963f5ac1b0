"""«Mon profil»: what the customer's MINI ID holds, and where each of its procedures
starts (password, e-mail address, language, where I am signed in, my data, closing it).
Pages, not procedures: they read the signed-in customer and decide nothing."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from werkzeug.wrappers import Response

from flows.accounts import export
from web.customer.auth import current_customer, login_required, principal
from web.files import download, upload_folder
from web.services import current

bp = Blueprint("profile", __name__)


@bp.get("/<any(fr,en):lang>/profile")
@login_required
def show(lang: str) -> str:
    return render_template("profile.html", identity=current_customer())


@bp.get("/<any(fr,en):lang>/profile/data/<instance_id>/archive.zip")
@login_required
def archive(lang: str, instance_id: str) -> Response:
    """The customer's own data archive, while it lasts; each download is in its trail (a
    HEAD, which sends no archive, is not a download)."""
    services = current()
    with services.db.write() as session:
        path = export.open_archive(
            session,
            upload_folder(),
            principal(),
            instance_id,
            services.clock(),
            downloading=request.environ["REQUEST_METHOD"] != "HEAD",  # (served as a GET)
        )
    if path is None:
        abort(404)
    return download(path, "application/zip", "mon-compte-mini-data.zip")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
