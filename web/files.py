"""Files handed to a browser: always as a download (never shown inline), never cached;
the kept files themselves are outside the web root (flows.contracts.files)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.wrappers import Response

from flows.messaging import threads
from flows.records import Attachment


def download(content: bytes | Path, mimetype: str, name: str) -> Response:
    body = content if isinstance(content, Path) else io.BytesIO(content)
    response = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def kept(name: str, mimetype: str, shown_as: str) -> Response:
    """A file kept under the generated NAME, offered as SHOWN_AS; 404 when it is gone."""
    path = upload_folder() / name
    if not path.is_file():
        abort(404)
    return download(path, mimetype, shown_as)


def attachment(found: Attachment | None) -> Response:
    """A message's attachment (the customer's or the agents' page found it), or 404."""
    if found is None:
        abort(404)
    path = threads.path_of(upload_folder(), found)
    if not path.is_file():
        abort(404)
    return download(path, found.content_type, found.filename)
