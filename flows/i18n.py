"""The languages, their catalogs, and the Babel extractor for the words of definitions:
labels (procedure, states, events, guards), status words of states, reason messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from flows.definition import parse

# French (fr-CA, the default) and English (en-CA), by the code the site's addresses use.
LOCALES = {"fr": "fr_CA", "en": "en_CA"}
DEFAULT = "fr"
CATALOGS = Path(__file__).resolve().parent.parent / "locale"

Message = tuple[int, str, str, list[str]]


def labels(document: dict[str, Any]) -> Iterator[str]:
    meta = document.get("procedure", {})
    if meta.get("label"):  # a shared step has none of its own
        yield str(meta["label"])
    for section in ("states", "events", "guards"):
        for info in (meta.get(section) or {}).values():
            for key in ("label", "status"):
                if info and info.get(key):
                    yield " ".join(str(info[key]).split())
    for message in (meta.get("reasons") or {}).values():
        yield " ".join(str(message).split())


def extract_definition(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Message]:
    document = parse(fileobj.read().decode("utf-8"))
    for text in labels(document):
        yield 0, "gettext", text, ["flow definition label"]
