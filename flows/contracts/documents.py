"""A contract's documents: statements and contract papers of record, and customers' uploads."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from flows.contracts import files
from storage.contracts import Document


def add(
    session: Session,
    contract_id: int,
    kind: str,
    issued_on: date,
    accepted: files.AcceptedFile,
    folder: Path,
    *,
    now: datetime,
    uploaded_by: int | None = None,
) -> Document:
    """Keep an accepted file in FOLDER under a generated name, and list it on the contract.

    Should the transaction roll back, the file goes too: no file without its record.
    """
    stored = files.store(folder, accepted)
    event.listen(
        session, "after_rollback", lambda _s: (folder / stored).unlink(missing_ok=True), once=True
    )
    document = Document(
        contract_id=contract_id,
        kind=kind,
        issued_on=issued_on,
        filename=accepted.display_name,
        storage_name=stored,
        content_type=accepted.content_type,
        size=len(accepted.content),
        uploaded_by=uploaded_by,
        created_at=now,
    )
    session.add(document)
    session.flush()
    return document
