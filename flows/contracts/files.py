"""Keeping the files customers send (documents, message attachments), SECURITY.md's way.

Checked by the engine as event data (flows.fields: PDF, JPEG or PNG by their content,
10 MB at most), then kept here outside the web root under a generated name, so nothing
a customer chose reaches a path. A file written in a step that rolls back goes too.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from flows.fields import AcceptedFile, Upload, accept_file


def storage_name(extension: str) -> str:
    """A fresh unguessable name for a stored file."""
    return f"{secrets.token_hex(16)}.{extension}"


def store(session: Session, folder: Path, accepted: AcceptedFile) -> str:
    """Write the file under a generated name in FOLDER; return that name.

    Should SESSION's transaction roll back, the file goes too: no file without its record.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = storage_name(accepted.extension)
    (folder / name).write_bytes(accepted.content)
    event.listen(
        session, "after_rollback", lambda _s: (folder / name).unlink(missing_ok=True), once=True
    )
    return name


def of_record(content: bytes, name: str) -> AcceptedFile:
    """A file from the system of record (statements, contract papers), checked the same way."""
    accepted, problem = accept_file(Upload(name, content))
    if accepted is None:
        raise ValueError(f"{name}: {problem}")
    return accepted
