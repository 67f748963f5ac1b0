"""What changed between two versions of a procedure, compared structurally.

Two composed documents (shared steps written in) are compiled and compared as
Definitions, never as text: the procedure's name, its states (label, screen, final,
FAQ steps, time allowed…), its transitions (with their guards and actions), its events
(label, fields) and its guards (words, reasons, what they read).

Transitions are matched in three passes, so that a change reads as a change rather than
as one arrow removed and another added: the same source, event and target; then, of
those left, the one transition of a source and event that now leads elsewhere
(*retargeted*); then the one transition between a source and a target whose event has
a new name (*renamed*). What is left is added or removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import yaml
from statemachine.exceptions import StateMachineError

from flows.definition import Definition, TransitionInfo, compile_definition
from flows.model import FlowModel
from flows.registry import Registry
from storage import trail
from storage.db import Database
from storage.models import FlowVersion

Key = tuple[str, str, str]  # a transition: (source, event, target)
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
# What of a state an analyst reads, and how each is named in the words.
STATE_FACTS = ("label", "screen", "final", "initial", "faq_steps", "technical", "expires_after")


def key(t: TransitionInfo) -> Key:
    return (t.source, t.event, t.target)


@dataclass(frozen=True)
class Detail:
    """One fact of an element that differs: its name, before and after."""

    what: str
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class Item:
    """One element added, removed or changed.

    ``old`` and ``new`` name it in each version: a state, event or guard id (one-tuple)
    or a transition's key; the side it is missing from is None.
    """

    kind: str  # procedure | state | transition | event | guard
    status: str  # added | removed | changed
    old: tuple[str, ...] | None
    new: tuple[str, ...] | None
    details: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class Diff:
    old: Definition
    new: Definition
    items: tuple[Item, ...]
    # Each transition of the old version that the new one keeps, possibly renamed or
    # leading elsewhere: old key -> new key.
    matches: Mapping[Key, Key]

    @property
    def empty(self) -> bool:
        return not self.items

    def of(self, kind: str, status: str | None = None) -> list[Item]:
        return [i for i in self.items if i.kind == kind and status in (None, i.status)]

    def state_status(self, state: str) -> str | None:
        """Added, removed or changed: the state itself, not its ways out."""
        return next((i.status for i in self.of("state") if state in (i.old or i.new or ())), None)

    def transition_status(self, transition: Key) -> str | None:
        """The status of the transition that has this key in either version."""
        for item in self.of("transition"):
            if transition in (item.old, item.new):
                return item.status
        return None


def diff(old: Definition, new: Definition) -> Diff:
    """Everything that differs from OLD to NEW."""
    matches = match_transitions(old.transitions, new.transitions)
    items = [
        *_procedure(old, new),
        *_states(old, new),
        *_transitions(old, new, matches),
        *_events(old, new),
        *_guards(old, new),
    ]
    return Diff(old, new, tuple(items), matches)


# -- matching transitions ----------------------------------------------------------------


def match_transitions(
    old: Iterable[TransitionInfo], new: Iterable[TransitionInfo]
) -> dict[Key, Key]:
    old_keys = list(dict.fromkeys(key(t) for t in old))
    new_keys = list(dict.fromkeys(key(t) for t in new))
    matches = {k: k for k in old_keys if k in set(new_keys)}
    for kept in (1, 2):  # the same source and event (led elsewhere), then source and target
        left_old = [k for k in old_keys if k not in matches]
        left_new = [k for k in new_keys if k not in set(matches.values())]
        for k in left_old:
            same = [n for n in left_new if (n[0], n[kept]) == (k[0], k[kept])]
            alone = [o for o in left_old if (o[0], o[kept]) == (k[0], k[kept])] == [k]
            if len(same) == 1 and alone:
                matches[k] = same[0]
    return matches


# -- each kind of element ----------------------------------------------------------------


def _facts(before: Any, after: Any, names: Iterable[str]) -> tuple[Detail, ...]:
    return tuple(
        Detail(name, getattr(before, name), getattr(after, name))
        for name in names
        if getattr(before, name) != getattr(after, name)
    )


def _compare(
    kind: str, old: Mapping[str, Any], new: Mapping[str, Any], compare: Callable[..., Any]
) -> Iterator[Item]:
    """Items for mappings of elements by id: removed, then changed or added in NEW's order."""
    for name in old:
        if name not in new:
            yield Item(kind, REMOVED, (name,), None)
    for name, element in new.items():
        if name not in old:
            yield Item(kind, ADDED, None, (name,))
            continue
        details = compare(old[name], element)
        if details:
            yield Item(kind, CHANGED, (name,), (name,), details)


def _procedure(old: Definition, new: Definition) -> list[Item]:
    details = _facts(old, new, ("label", "route", "audience"))
    return [Item("procedure", CHANGED, (old.name,), (new.name,), details)] if details else []


def _states(old: Definition, new: Definition) -> Iterator[Item]:
    return _compare("state", old.states, new.states, lambda a, b: _facts(a, b, STATE_FACTS))


def _transitions(old: Definition, new: Definition, matches: Mapping[Key, Key]) -> Iterator[Item]:
    before = {key(t): t for t in old.transitions}
    after = {key(t): t for t in new.transitions}
    kept = set(matches.values())
    for k in before:
        if k not in matches:
            yield Item("transition", REMOVED, k, None)
    for k in after:
        if k not in kept:
            yield Item("transition", ADDED, None, k)
    for o, n in matches.items():
        details = _transition_details(before[o], after[n])
        if details:
            yield Item("transition", CHANGED, o, n, details)


def _transition_details(a: TransitionInfo, b: TransitionInfo) -> tuple[Detail, ...]:
    details = list(_facts(a, b, ("target", "event", "actions", "internal")))
    added = tuple(g for g in b.guards if g not in a.guards)
    removed = tuple(g for g in a.guards if g not in b.guards)
    if added:
        details.append(Detail("guards_added", None, added))
    if removed:
        details.append(Detail("guards_removed", removed, None))
    return tuple(details)


def _events(old: Definition, new: Definition) -> Iterator[Item]:
    def compare(a: Any, b: Any) -> tuple[Detail, ...]:
        details = list(_facts(a, b, ("label", "system", "link")))
        for name in a.fields:
            if name not in b.fields:
                details.append(Detail("field_removed", name, None))
        for name, spec in b.fields.items():
            if name not in a.fields:
                details.append(Detail("field_added", None, name))
            elif spec != a.fields[name]:
                changed = [
                    f.name
                    for f in fields(spec)
                    if getattr(spec, f.name) != getattr(a.fields[name], f.name)
                ]
                details.append(Detail("field_changed", name, tuple(changed)))
        return tuple(details)

    return _compare("event", old.events, new.events, compare)


def _guards(old: Definition, new: Definition) -> Iterator[Item]:
    def compare(a: Any, b: Any) -> tuple[Detail, ...]:
        return _facts(a, b, ("label", "reasons", "reads"))

    return _compare("guard", old.guards, new.guards, compare)


# -- reading versions --------------------------------------------------------------------


class VersionError(ValueError):
    """A version that cannot be compared: CODE is unknown_version or unreadable_version."""

    def __init__(self, version: str, code: str) -> None:
        super().__init__(f"{code}: {version}")
        self.version = version
        self.code = code


def stored(db: Database, registry: Registry, name: str, version: str) -> Definition:
    """A version of procedure NAME that ran here (flow_versions), or the current one."""
    current = registry.get(name)
    if version == current.version:
        return current
    with db.read() as session:
        row = session.get(FlowVersion, (name, version)) if len(version) <= 16 else None
    if row is None:
        raise VersionError(version, "unknown_version")
    try:
        return compiled(row.document, current.model)
    except (ValueError, StateMachineError):
        raise VersionError(version, "unreadable_version") from None


def previous(db: Database, name: str, version: str) -> str | None:
    """The version that ran before VERSION (the newest other one, if VERSION never ran)."""
    with db.read() as session:
        known = [v.version for v in trail.versions(session, name)]
    before = known[: known.index(version)] if version in known else known
    return before[-1] if before else None


def between(db: Database, registry: Registry, name: str, old: str | None, new: str | None) -> Diff:
    """The diff from OLD to NEW: NEW by default the current version, OLD the one before it
    (NEW itself when there is none: nothing to compare yet)."""
    after = stored(db, registry, name, new or registry.get(name).version)
    before = old or previous(db, name, after.version) or after.version
    return diff(stored(db, registry, name, before), after)


# Stored versions never change: each is compiled once per process (there are a few).
_compiled: dict[tuple[str, type[FlowModel]], Definition] = {}


def compiled(document: str, model: type[FlowModel]) -> Definition:
    """A stored (composed) document, compiled to be read: its model may have moved on."""
    if (document, model) not in _compiled:
        _compiled[(document, model)] = compile_definition(document, model, check_model=False)
    return _compiled[(document, model)]


def draft(text: str, current: Definition, steps: Mapping[str, str]) -> Definition:
    """A definition not yet deployed (a YAML file), read as the registry would compile it.

    Whatever is wrong with it is a ValueError saying what, for the analyst to fix.
    """
    try:
        found = compile_definition(text, current.model, steps, check_model=False)
    except (yaml.YAMLError, StateMachineError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a definition: {type(exc).__name__} {exc}") from None
    if found.name != current.name:
        raise ValueError(f"this file defines {found.name!r}, not {current.name!r}")
    return found


def missing_methods(definition: Definition) -> list[str]:
    """Guards and actions the model does not have (yet): the version cannot run with it."""
    names = (n for t in definition.transitions for n in (*t.guards, *t.actions))
    return [n for n in dict.fromkeys(names) if not callable(getattr(definition.model, n, None))]
