"""Keeping the files customers send (documents, message attachments), SECURITY.md's way.

Checked by the engine as event fields (flows.fields: PDF, JPEG or PNG by their content,
10 MB at most), then kept here outside the web root under a generated name, so nothing
a customer chose reaches a path. A file written in a step that rolls back goes too.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from flows.fields import AcceptedFile, Upload, accept_file
from flows.model import FlowModel
from flows.reasons import N_
from storage import messages
from storage.models import Identity

# What one customer may send in 24 hours, documents and message attachments together:
# far more than anyone sends MINI Financial Services in a day, far less than it takes to
# fill a disk (10 MB a file at most).
UPLOADS_PER_DAY = 20
UPLOAD_BYTES_PER_DAY = 100 * 1024 * 1024
QUOTA_PERIOD = timedelta(hours=24)


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
    remove_on_rollback(session, folder, name)
    return name


def remove_on_rollback(session: Session, folder: Path, name: str) -> None:
    """Should SESSION's transaction roll back, the file NAME of FOLDER goes too."""
    event.listen(
        session, "after_rollback", lambda _s: (folder / name).unlink(missing_ok=True), once=True
    )


def remove_once_committed(session: Session, folder: Path, names: list[str]) -> None:
    """Remove the files NAMES of FOLDER once SESSION's transaction commits (their records'
    deletion with it): rolled back, records and files both stay."""

    def remove(_session: Session) -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)

    if names:
        event.listen(session, "after_commit", remove, once=True)


def of_record(content: bytes, name: str) -> AcceptedFile:
    """A file from the system of record (statements, contract papers), checked the same way."""
    accepted, problem = accept_file(Upload(name, content))
    if accepted is None:
        raise ValueError(f"{name}: {problem}")
    return accepted


def quota_problem(
    session: Session, customer_id: int, sent: Sequence[AcceptedFile], now: datetime
) -> str | None:
    """Why the customer may not send these files now (a reason code), or None.

    Counts what the customer sent in the last 24 hours, under the customer's row lock
    (held until the step commits), so two uploads at once cannot both take the last place.
    """
    session.get(Identity, customer_id, with_for_update=True)
    count, total = messages.uploaded_since(session, customer_id, now - QUOTA_PERIOD)
    if count + len(sent) > UPLOADS_PER_DAY:
        return "upload_quota_files"
    if total + sum(len(f.content) for f in sent) > UPLOAD_BYTES_PER_DAY:
        return "upload_quota_bytes"
    return None


class UploadQuota(FlowModel):
    """The guard ``within_quota`` of a procedure whose event carries a customer's files
    (in the field QUOTA_FIELD)."""

    QUOTA_FIELD = "attachment"
    REASONS: ClassVar[Mapping[str, str]] = {
        "upload_quota_files": N_(
            "You have sent the most files allowed in 24 hours (20, documents and attachments "
            "together). Try again tomorrow."
        ),
        "upload_quota_bytes": N_(
            "This would take the files you sent in the last 24 hours past the most allowed "
            "(100 MB, documents and attachments together). Try again tomorrow."
        ),
    }

    def within_quota(self, fields: Mapping[str, Any]) -> bool:
        """No customer fills the disk: 20 files and 100 MB in any 24 hours."""
        sent = fields.get(self.QUOTA_FIELD) or []
        customer = self.ctx.customer_id
        if not sent:
            return True
        if customer is None:  # nobody's allowance: contract_owned has refused already
            return False
        problem = quota_problem(self.ctx.session, customer, sent, self.ctx.now)
        return self.reject(self.QUOTA_FIELD, problem) if problem else True
