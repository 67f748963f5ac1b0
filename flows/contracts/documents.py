"""A contract's documents: statements and contract papers of record, and customers' uploads."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from flows.contracts import files
from flows.fields import AcceptedFile
from storage.contracts import Document


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
