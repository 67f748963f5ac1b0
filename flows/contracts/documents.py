"""A contract's documents: statements and contract papers of record, and customers' uploads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from flows.contracts import files
from flows.fields import AcceptedFile
from storage import contracts
from storage.contracts import Document
from storage.models import Identity

# What one customer may upload in 24 hours: far more than anyone sends MINI Financial
# Services in a day, far less than it takes to fill a disk (10 MB a file at most).
UPLOADS_PER_DAY = 20
UPLOAD_BYTES_PER_DAY = 100 * 1024 * 1024
QUOTA_PERIOD = timedelta(hours=24)


def add(
    session: Session,
    contract_id: int,
    kind: str,
    issued_on: date,
    accepted: AcceptedFile,
    folder: Path,
    *,
    now: datetime,
    uploaded_by: int | None = None,
) -> Document:
    """Keep an accepted file in FOLDER under a generated name, and list it on the contract."""
    document = Document(
        contract_id=contract_id,
        kind=kind,
        issued_on=issued_on,
        filename=accepted.display_name,
        storage_name=files.store(session, folder, accepted),
        content_type=accepted.content_type,
        size=len(accepted.content),
        uploaded_by=uploaded_by,
        created_at=now,
    )
    session.add(document)
    session.flush()
    return document


def quota_problem(session: Session, customer_id: int, size: int, now: datetime) -> str | None:
    """Why CUSTOMER_ID may not upload SIZE more bytes now (a reason code), or None.

    Counts what the customer uploaded in the last 24 hours. The customer's row is locked
    first, so two uploads at once cannot both take the last place.
    """
    session.get(Identity, customer_id, with_for_update=True)
    count, total = contracts.uploaded_since(session, customer_id, now - QUOTA_PERIOD)
    if count >= UPLOADS_PER_DAY:
        return "upload_quota_files"
    if total + size > UPLOAD_BYTES_PER_DAY:
        return "upload_quota_bytes"
    return None
