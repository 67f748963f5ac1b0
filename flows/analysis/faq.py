"""The customer FAQ (flows/faq.yaml): questions, answers and numbered procedure steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

FAQ = Path(__file__).parent / "faq.yaml"
# Folded lines and double spaces, but not the no-break spaces French puts inside « ».
_SPACES = re.compile(r"[ \t\r\n]+")
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Step:
    step: str
    text: dict[str, str]
    # The procedure carrying out this step when it is not the section's own.
    procedure: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    question: dict[str, str]
    answer: dict[str, str]
    note: dict[str, str] | None
    steps: tuple[Step, ...]
    section: int | None
    procedure: str | None
    link_route: str | None
    link_label: dict[str, str] | None


def _texts(value: Any) -> dict[str, str]:
    texts = {lang: _SPACES.sub(" ", str(value[lang])).strip() for lang in LANGUAGES}
    if not all(texts.values()):
        raise ValueError(f"a text lacks a language: {value!r}")
    return texts


def _question(raw: dict[str, Any]) -> Question:
    link = raw.get("link") or {}
    return Question(
        id=str(raw["id"]),
        question=_texts(raw["question"]),
        answer=_texts(raw["answer"]),
        note=_texts(raw["note"]) if raw.get("note") else None,
        steps=tuple(
            Step(str(s["step"]), _texts({k: s[k] for k in LANGUAGES}), s.get("procedure"))
            for s in raw.get("steps", [])
        ),
        section=raw.get("section"),
        procedure=raw.get("procedure"),
        link_route=link.get("route"),
        link_label=_texts(link["label"]) if link else None,
    )


@lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    document = yaml.safe_load(FAQ.read_text(encoding="utf-8"))
    return tuple(_question(q) for q in document["questions"])


def section(number: int) -> Question | None:
    return next((q for q in questions() if q.section == number), None)


def numbers(question: Question) -> dict[str, int]:
    """The number the FAQ page gives each numbered step, counting from 1 in order (the
    product's first step, "0" in PROCEDURES.md, is «Étape 1»); alternatives and what
    happens later get none."""
    numbered = [s.step for s in question.steps if s.step.isdigit()]
    return {step: position for position, step in enumerate(numbered, 1)}


def procedure_of(question: Question, step: Step) -> str | None:
    """The procedure that carries out STEP: its own, else the section's."""
    return step.procedure or question.procedure


def steps_of(question: Question, procedure: str) -> list[str]:
    """The steps of QUESTION that PROCEDURE carries out."""
    return [s.step for s in question.steps if procedure_of(question, s) == procedure]
