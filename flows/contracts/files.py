"""Files customers send (documents, message attachments): the rules of SECURITY.md.

At most 10 MB; PDF, JPEG or PNG, known by their content and never by their name; kept
outside the web root under a generated name, so nothing a customer chose reaches a path.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype

MAX_BYTES = 10 * 1024 * 1024
# MIME type found in the content -> the extension of the stored file.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class FileRefused(ValueError):
    """``reason`` is a reason code (flows/reasons.py)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AcceptedFile:
    content: bytes
    content_type: str
    extension: str
    display_name: str  # the customer's name for it, cleaned for showing and downloading


def check(content: bytes, filename: str) -> AcceptedFile:
    """CONTENT when it may be kept; read at most MAX_BYTES + 1 bytes to call this."""
    if not content:
        raise FileRefused("file_required")
    if len(content) > MAX_BYTES:
        raise FileRefused("file_too_large")
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ACCEPTED:
        raise FileRefused("file_type")
    extension = ACCEPTED[kind.mime]
    return AcceptedFile(content, kind.mime, extension, display_name(filename, extension))


def display_name(filename: str, extension: str) -> str:
    """The base name without control characters or path, with the extension of its content."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable()).strip()
    stem = base.rsplit(".", 1)[0].strip(". ")[:150] or "document"
    return f"{stem}.{extension}"


def storage_name(extension: str) -> str:
    """A fresh unguessable name for a stored file."""
    return f"{secrets.token_hex(16)}.{extension}"


def store(folder: Path, accepted: AcceptedFile) -> str:
    """Write the file under a generated name in FOLDER; return that name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = storage_name(accepted.extension)
    (folder / name).write_bytes(accepted.content)
    return name
