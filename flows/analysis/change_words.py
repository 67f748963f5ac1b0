"""A diff in words an analyst reads, in their language (the catalogs translate).

«La transition *Envoyer* de *Formulaire* vers *Code* est nouvelle; garde : …»: one
sentence per element, the labels the analyst knows in emphasis, then what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from markupsafe import Markup, escape

from flows.analysis.change import ADDED, REMOVED, Detail, Diff, Item
from flows.definition import Definition
from flows.reasons import N_

Translate = Callable[[str], str]


FACTS = {
    "label": N_("name"),
    "route": N_("address"),
    "audience": N_("who may use it"),
    "screen": N_("screen"),
    "final": N_("final"),
    "initial": N_("first state"),
    "faq_steps": N_("FAQ steps"),
    "technical": N_("technical"),
    "expires_after": N_("time allowed"),
    "actions": N_("actions"),
    "internal": N_("internal"),
    "system": N_("sent by the system"),
    "link": N_("sent by an e-mailed link"),
    "reasons": N_("reasons"),
    "reads": N_("fields it reads"),
}
MAIN = {
    ("procedure", "changed"): N_("The procedure changes"),
    ("state", "added"): N_("The state %(state)s is new"),
    ("state", "removed"): N_("The state %(state)s is removed"),
    ("state", "changed"): N_("The state %(state)s changes"),
    ("transition", "added"): N_("The transition %(event)s from %(source)s to %(target)s is new"),
    ("transition", "removed"): N_(
        "The transition %(event)s from %(source)s to %(target)s is removed"
    ),
    ("transition", "changed"): N_("The transition %(event)s from %(source)s to %(target)s changes"),
    ("transition", "retargeted"): N_(
        "The transition %(event)s from %(source)s now leads to %(target)s instead of %(before)s"
    ),
    ("transition", "renamed"): N_(
        "The transition from %(source)s to %(target)s is now %(event)s instead of %(before)s"
    ),
    ("event", "added"): N_("The event %(event)s is new"),
    ("event", "removed"): N_("The event %(event)s is removed"),
    ("event", "changed"): N_("The event %(event)s changes"),
    ("guard", "added"): N_("The guard %(guard)s is new"),
    ("guard", "removed"): N_("The guard %(guard)s is removed"),
    ("guard", "changed"): N_("The guard %(guard)s changes"),
}
CLAUSES = {
    "fact": N_("%(what)s: %(before)s → %(after)s"),
    "guard": N_("guard: %(guard)s"),
    "guards_added": N_("guard added: %(guard)s"),
    "guards_removed": N_("guard removed: %(guard)s"),
    "field": N_("field: %(field)s"),
    "field_added": N_("new field: %(field)s"),
    "field_removed": N_("field removed: %(field)s"),
    "field_changed": N_("field %(field)s changes: %(what)s"),
    "reasons": N_("reasons: %(reasons)s"),
    "faq_steps": N_("FAQ steps: %(steps)s"),
    "final": N_("it is final"),
    "expires_after": N_("time allowed: %(time)s"),
}
UNITS = ((86400, N_("%(count)s d")), (3600, N_("%(count)s h")), (60, N_("%(count)s min")))


@dataclass(frozen=True)
class Phrase:
    """Words with %(name)s places; the values (labels) are shown in emphasis, but for
    the QUIET ones (the name of a fact)."""

    text: str
    values: Mapping[str, str]
    quiet: frozenset[str] = frozenset()

    def plain(self) -> str:
        return self.text % {k: v if k in self.quiet else f"*{v}*" for k, v in self.values.items()}

    def html(self) -> Markup:
        em = {
            k: v if k in self.quiet else Markup("<em>{}</em>").format(v)
            for k, v in self.values.items()
        }
        return escape(self.text) % em  # escape() gives Markup: the values are escaped too


@dataclass(frozen=True)
class Sentence:
    kind: str
    status: str
    main: Phrase
    clauses: tuple[Phrase, ...] = ()

    def plain(self) -> str:
        return "; ".join([self.main.plain(), *(c.plain() for c in self.clauses)]) + "."

    def html(self) -> Markup:
        return Markup("; ").join([self.main.html(), *(c.html() for c in self.clauses)]) + "."


def sentences(diff: Diff, translate: Translate) -> list[Sentence]:
    words = _Words(diff, translate)
    return [words.sentence(item) for item in diff.items]


class _Words:
    def __init__(self, diff: Diff, translate: Translate) -> None:
        self.diff = diff
        self.t = translate

    def side(self, item: Item) -> tuple[Definition, tuple[str, ...]]:
        """The version that names the item, and its name there (the new one when both)."""
        if item.new is not None:
            return self.diff.new, item.new
        assert item.old is not None
        return self.diff.old, item.old

    def sentence(self, item: Item) -> Sentence:
        definition, name = self.side(item)
        values = self.names(item.kind, definition, name)
        style = item.status
        if item.kind == "transition" and item.status == "changed":
            style, values = self.how_moved(item, values)
        main = Phrase(self.t(MAIN[(item.kind, style)]), values)
        clauses = tuple(self.clauses(item, definition, name))
        return Sentence(item.kind, item.status, main, clauses)

    def names(self, kind: str, d: Definition, name: tuple[str, ...]) -> dict[str, str]:
        if kind == "state":
            return {"state": self.state(d, name[0])}
        if kind == "transition":
            source, event, target = name
            return {
                "event": self.t(d.events[event].label),
                "source": self.state(d, source),
                "target": self.state(d, target),
            }
        if kind == "event":
            return {"event": self.t(d.events[name[0]].label)}
        if kind == "guard":
            return {"guard": self.t(d.guards[name[0]].label)}
        return {}

    def state(self, d: Definition, state: str) -> str:
        return self.t(d.states[state].label)

    def how_moved(self, item: Item, values: dict[str, str]) -> tuple[str, dict[str, str]]:
        assert item.old is not None and item.new is not None
        old = self.diff.old
        if item.old[2] != item.new[2]:
            return "retargeted", {**values, "before": self.state(old, item.old[2])}
        if item.old[1] != item.new[1]:
            return "renamed", {**values, "before": self.t(old.events[item.old[1]].label)}
        return "changed", values

    def clauses(self, item: Item, d: Definition, name: tuple[str, ...]) -> Iterator[Phrase]:
        if item.status == ADDED:
            yield from self.added(item.kind, d, name)
        elif item.status != REMOVED:
            for detail in item.details:
                yield from self.detail(detail)

    def added(self, kind: str, d: Definition, name: tuple[str, ...]) -> Iterator[Phrase]:
        """What an analyst wants to know of a new element at once."""
        if kind == "transition":
            guards = next(t.guards for t in d.transitions if (t.source, t.event, t.target) == name)
            for g in guards:
                yield self.phrase("guard", guard=self.t(d.guards[g].label))
        elif kind == "state":
            info = d.states[name[0]]
            if info.faq_steps:
                yield self.phrase("faq_steps", steps=", ".join(info.faq_steps))
            if info.final:
                yield self.phrase("final")
            if info.expires_after:
                yield self.phrase("expires_after", time=self.value(info.expires_after))
        elif kind == "event":
            for field in d.events[name[0]].fields:
                yield self.phrase("field", field=field)
        elif kind == "guard" and d.guards[name[0]].reasons:
            yield self.phrase("reasons", reasons=", ".join(d.guards[name[0]].reasons))

    def detail(self, detail: Detail) -> Iterator[Phrase]:
        if detail.what in ("target", "event"):
            return  # said by the main sentence
        if detail.what in ("guards_added", "guards_removed"):
            side = self.diff.new if detail.what == "guards_added" else self.diff.old
            for g in detail.after or detail.before:
                yield self.phrase(detail.what, guard=self.t(side.guards[g].label))
        elif detail.what.startswith("field_"):
            field = detail.after if detail.what == "field_added" else detail.before
            what = {"what": ", ".join(detail.after)} if detail.what == "field_changed" else {}
            yield self.phrase(detail.what, field=str(field), **what)
        else:
            yield self.phrase(
                "fact",
                what=self.t(FACTS[detail.what]),
                before=self.value(detail.before, detail.what == "label"),
                after=self.value(detail.after, detail.what == "label"),
            )

    def phrase(self, clause: str, **values: str) -> Phrase:
        return Phrase(self.t(CLAUSES[clause]), values, frozenset({"what"}) & values.keys())

    def value(self, value: Any, label: bool = False) -> str:
        if isinstance(value, bool):
            return self.t(N_("yes") if value else N_("no"))
        if isinstance(value, timedelta):
            seconds = int(value.total_seconds())
            for size, unit in UNITS:
                if seconds % size == 0:
                    return self.t(unit) % {"count": seconds // size}
            return f"{seconds} s"
        if isinstance(value, tuple):
            return ", ".join(value) or "—"
        if value is None or value == "":
            return "—"
        return self.t(str(value)) if label else str(value)
