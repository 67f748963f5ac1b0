"""A procedure's definition: its machine (statemachine.io) and what people read about it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jsonschema
import yaml
from statemachine import StateChart
from statemachine.exceptions import InvalidDefinition
from statemachine.io import load
from statemachine.io.validation import load_schema

from flows import access, composition, reasons
from flows.fields import FieldSpec, parse_field
from flows.machines import Machines
from flows.model import FlowModel

AUDIENCES = ("anyone", "customer", "visitor", "staff")
_VERSION = re.compile(r"^[0-9a-f]{12}$")
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class StateInfo:
    id: str
    label: str
    screen: str
    final: bool
    initial: bool
    link_screen: str | None = None
    faq_steps: tuple[str, ...] = ()
    technical: bool = False
    expires_after: timedelta | None = None
    # Reaching this state signs the customer in, in the browser that got there.
    signs_in: bool = False
    # The page staff see of an instance in this state (a template under its stem), if any.
    staff_screen: str | None = None
    # Where the instance stands, in a word for the people it concerns ("Answered"), when
    # the label, written for analysts, is not that.
    status: str | None = None


@dataclass(frozen=True)
class TransitionInfo:
    source: str
    event: str
    target: str
    guards: tuple[str, ...]
    actions: tuple[str, ...]
    internal: bool


@dataclass(frozen=True)
class EventInfo:
    id: str
    label: str
    fields: Mapping[str, FieldSpec]
    system: bool = False
    link: bool = False
    # Who sends it (flows.access): "customer", the person whose instance it is; a staff
    # role. A system event is the system's alone.
    by: tuple[str, ...] = (access.CUSTOMER,)


@dataclass(frozen=True)
class GuardInfo:
    name: str
    label: str
    reasons: tuple[str, ...]
    # A field rule: it reads only these fields (and records) and writes nothing, so the
    # engine runs it even when other fields were refused, and a form shows every problem.
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Migration:
    """Where the in-flight instances of an older version go when moved to this one.

    Declared under ``procedure.migrations`` (``{from: VERSION, states: {old: new}}``, or a
    list of them) and applied by ``moncompte flows migrate``; an instance in a state the
    mapping does not name finishes on its own version.
    """

    from_version: str
    states: Mapping[str, str]  # a state of the older version -> a state of this one


@dataclass(frozen=True)
class Definition:
    """One version of a procedure, compiled once."""

    name: str
    version: str
    document: str
    model: type[FlowModel]
    label: str
    route: str
    faq_section: int | None
    machine: type[StateChart[Any]]
    states: Mapping[str, StateInfo]
    events: Mapping[str, EventInfo]
    transitions: tuple[TransitionInfo, ...]
    guards: Mapping[str, GuardInfo]
    # Requests per client address, in Flask-Limiter's notation ("10 per minute; 100 per hour").
    rate_limit: str = "30 per minute"
    # What of an instance's data its screens may show (never a secret).
    display: tuple[str, ...] = ()
    # "anyone"; "customer": a signed-in customer's own procedure; "visitor": for someone
    # signed out only (a signed-in customer is sent to the overview); "staff": what staff
    # do for a customer (the support desk), which every staff role sees.
    audience: str = "anyone"
    steps: tuple[str, ...] = ()  # the shared steps it uses (flows/procedures/steps/)
    migrations: tuple[Migration, ...] = ()
    # Procedures whose steps start this one (FlowModel.start); empty: started by a person.
    started_by: tuple[str, ...] = ()
    # The customer's screens (templates) in the order they meet them: "Step 1 of N" on the
    # first. The FAQ's own step numbers are the states' faq_steps, for the analysts.
    progress: tuple[str, ...] = ()
    # What each reason code its guards give means to a customer (English msgids): those
    # of its YAML (procedure.reasons), of its shared steps, and of its model's classes.
    reasons: Mapping[str, str] = field(default_factory=dict)
    # Its machines, each kept with its model from one event to the next.
    machines: Machines = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "machines", Machines(self.machine, self.model))

    @property
    def staff_roles(self) -> frozenset[str]:
        """The staff roles that send some event of it: they see its instances."""
        return frozenset(w for e in self.events.values() for w in e.by if w in access.STAFF_ROLES)

    def status_of(self, state: str) -> str:
        """Where an instance in STATE stands, in a word for those it concerns (a msgid)."""
        info = self.states[state]
        return info.status or info.label

    def reason_message(self, code: str) -> str:
        """What reason CODE means to the customer (an English msgid, for gettext)."""
        return self.reasons.get(code) or reasons.message(code)

    def screen_number(self, screen: str) -> tuple[int, int] | None:
        """(n, of): where SCREEN stands among the customer's screens, if it counts."""
        if screen not in self.progress:
            return None
        return self.progress.index(screen) + 1, len(self.progress)

    @property
    def initial(self) -> str:
        return next(s.id for s in self.states.values() if s.initial)

    def main_event(self, state: str) -> str | None:
        """The event a plain submit on the state's screen sends."""
        return next(
            (
                e
                for e in self.events_from(state)
                if not self.events[e].system and not self.events[e].link
            ),
            None,
        )

    def link_event(self, state: str) -> str | None:
        """The event an e-mailed link sends from this state, if any."""
        return next((e for e in self.events_from(state) if self.events[e].link), None)

    def events_from(self, state: str) -> list[str]:
        """Events a transition leaves ``state`` with, in declaration order, once each."""
        seen: dict[str, None] = {}
        for t in self.transitions:
            if t.source == state:
                seen.setdefault(t.event)
        return list(seen)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml.safe_load, by libyaml when there, read as statemachine.io reads YAML: ``on``,
    ``off``, ``yes`` and ``no`` stay strings (``on:`` is a key, not True)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:bool" or first in "tTfF"]
    for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(document: str) -> Any:
    return yaml.load(document, Loader=_Loader)  # noqa: S506 - a safe loader


@lru_cache(maxsize=1)
def _schema() -> Any:
    """statemachine.io's JSON Schema, itself checked once (jsonschema.validate checks it
    at every call: most of the time it takes to compile a definition)."""
    schema = load_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def _validate(chart: Any) -> None:
    """What ``load(validate=True)`` checks, with the same error."""
    error = jsonschema.exceptions.best_match(_schema().iter_errors(chart))
    if error is not None:
        raise InvalidDefinition(f"Statechart document failed schema validation: {error.message}")


def version_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()[:12]


def compile_definition(
    document: str,
    model: type[FlowModel],
    steps: Mapping[str, str] | None = None,
    *,
    check_model: bool = True,
) -> Definition:
    """Parse, validate (JSON Schema, secure mode) and compile one definition document.

    STEPS holds the documents of the shared steps by name; a definition that uses some is
    compiled, versioned and stored whole, with its steps written in. Without CHECK_MODEL
    the model need not have the guards and actions yet: a version to read, not to run
    (an older one, or a draft for the analysts' change review).
    """
    doc = parse(document)
    if not isinstance(doc, dict) or set(doc) != {"statechart", "procedure"}:
        raise ValueError("a definition has exactly two sections: statechart and procedure")
    if doc["procedure"].get("steps"):
        doc = composition.expand(doc, {n: parse(text) for n, text in (steps or {}).items()})
        document = composition.dump(doc)
    chart, meta = doc["statechart"], doc["procedure"]
    _validate(chart)
    loaded = load(json.dumps(chart), format="json", validate=False)
    # Our actions write to the database; an exception there must abort the step, not be
    # turned into an error.execution event while the state moves on.
    machine = type(loaded.__name__, (loaded,), {"catch_errors_as_events": False})
    transitions = tuple(_transitions(chart))
    if check_model:
        _check_model(model, transitions)
    states = _states(chart, meta)
    return Definition(
        name=str(chart["name"]),
        version=version_of(document),
        document=document,
        model=model,
        label=str(meta["label"]),
        route=str(meta["route"]),
        faq_section=meta.get("faq_section"),
        machine=machine,
        states=states,
        events=_events(meta, transitions),
        transitions=transitions,
        guards=_guards(meta, transitions),
        rate_limit=str(meta.get("rate_limit", "30 per minute")),
        display=tuple(str(k) for k in meta.get("display") or ()),
        # Signing in is for someone signed out, whatever an older version said.
        audience="visitor" if any(s.signs_in for s in states.values()) else _audience(meta),
        steps=tuple(str(s) for s in meta.get("composed_with") or ()),
        migrations=_migrations(meta.get("migrations"), states),
        started_by=tuple(str(s) for s in meta.get("started_by") or ()),
        progress=_progress(meta.get("progress"), states),
        reasons=_reasons(model, meta.get("reasons")),
    )


def _audience(meta: Mapping[str, Any]) -> str:
    audience = str(meta.get("audience", "anyone"))
    if audience not in AUDIENCES:
        raise ValueError(f"procedure.audience must be one of {AUDIENCES}")
    return audience


def _check_model(model: type[FlowModel], transitions: tuple[TransitionInfo, ...]) -> None:
    for t in transitions:
        for name in t.guards + t.actions:
            if not callable(getattr(model, name, None)):
                raise ValueError(f"{model.__name__} has no method {name!r} ({t.source}/{t.event})")


def _names(value: Any) -> tuple[str, ...]:
    """Guard and action names; the engine needs bare method names, not expressions."""
    names = () if value is None else (value,) if isinstance(value, str) else tuple(value)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r}: guards and actions are method names of the model")
    return tuple(names)


def _transitions(chart: Mapping[str, Any]) -> list[TransitionInfo]:
    found = []
    for source, sdef in chart["states"].items():
        for t in (sdef or {}).get("transitions", []) or []:
            found.append(
                TransitionInfo(
                    source=source,
                    event=str(t["event"]),
                    target=str(t.get("target") or source),
                    guards=_names(t.get("cond")),
                    actions=_names(t.get("on")),
                    internal=bool(t.get("internal", False)),
                )
            )
    return found


def _states(chart: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, StateInfo]:
    infos = meta.get("states", {})
    states = {}
    for state_id, sdef in chart["states"].items():
        sdef = sdef or {}
        info = infos.get(state_id)
        if info is None:
            raise ValueError(f"state {state_id!r} has no entry under procedure.states")
        states[state_id] = StateInfo(
            id=state_id,
            label=str(info["label"]),
            screen=str(info["screen"]),
            final=bool(sdef.get("final", False)),
            initial=bool(sdef.get("initial", False)),
            link_screen=info.get("link_screen"),
            faq_steps=tuple(str(s) for s in info.get("faq_steps", ())),
            technical=bool(info.get("technical", False)),
            expires_after=parse_duration(info.get("expires_after")),
            signs_in=bool(info.get("signs_in", False)),
            staff_screen=info.get("staff_screen", meta.get("staff_screen")),
            status=info.get("status"),
        )
    extra = set(infos) - set(states)
    if extra:
        raise ValueError(f"procedure.states names unknown states: {sorted(extra)}")
    if sum(s.initial for s in states.values()) != 1:
        raise ValueError("exactly one state is marked initial: true")
    return states


def _progress(declared: Any, states: Mapping[str, StateInfo]) -> tuple[str, ...]:
    """procedure.progress: screens its states show (``screen`` or ``link_screen``), once each."""
    screens = tuple(str(s) for s in _as_list(declared or []))
    shown = {s.screen for s in states.values()} | {s.link_screen for s in states.values()}
    unknown = sorted(set(screens) - shown)
    if unknown or len(set(screens)) != len(screens):
        raise ValueError(f"procedure.progress: each a screen of a state, once ({unknown})")
    return screens


def _events(
    meta: Mapping[str, Any], transitions: tuple[TransitionInfo, ...]
) -> dict[str, EventInfo]:
    declared = meta.get("events", {})
    used = {t.event for t in transitions}
    # An event becomes an attribute of the machine: "send" would hide StateChart.send.
    taken = sorted(e for e in used if hasattr(StateChart, e))
    if taken:
        raise ValueError(f"events {taken} are names the state machine itself uses")
    if set(declared) != used:
        raise ValueError(f"procedure.events must describe exactly the events used: {sorted(used)}")
    events = {}
    for event_id, info in declared.items():
        info = info or {}
        events[event_id] = EventInfo(
            id=event_id,
            label=str(info["label"]),
            fields={n: parse_field(n, s) for n, s in (info.get("fields") or {}).items()},
            system=bool(info.get("system", False)),
            link=bool(info.get("link", False)),
            by=_senders(event_id, info.get("by")),
        )
    # In the order a customer meets them, the system's own last.
    first_use = list(dict.fromkeys(t.event for t in transitions))
    order = sorted(events, key=lambda e: (events[e].system, first_use.index(e)))
    return {e: events[e] for e in order}


def _reasons(model: type[FlowModel], declared: Any) -> dict[str, str]:
    """The reason messages of the model's classes (shared guards: ContractOwned…), then
    the definition's own (procedure.reasons, with those of its shared steps)."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        found.update(getattr(cls, "REASONS", None) or {})
    if declared is not None and not isinstance(declared, dict):
        raise ValueError("procedure.reasons maps each reason code to its message")
    found.update({str(k): " ".join(str(v).split()) for k, v in (declared or {}).items()})
    return found


def _senders(event: str, declared: Any) -> tuple[str, ...]:
    """Who sends EVENT (``by:``): by default the person whose instance it is."""
    if declared is None:
        return (access.CUSTOMER,)
    senders = tuple(str(w) for w in _as_list(declared))
    unknown = sorted(set(senders) - set(access.WHO))
    if unknown or not senders:
        raise ValueError(f"event {event!r}: by names {unknown or 'no one'}; use {access.WHO}")
    return senders


def _guards(
    meta: Mapping[str, Any], transitions: tuple[TransitionInfo, ...]
) -> dict[str, GuardInfo]:
    declared = meta.get("guards", {}) or {}
    used = {g for t in transitions for g in t.guards}
    if set(declared) != used:
        raise ValueError(f"procedure.guards must describe exactly the guards used: {sorted(used)}")
    return {
        name: GuardInfo(
            name=name,
            label=" ".join(str(info["label"]).split()),
            reasons=tuple(str(r) for r in info.get("reasons", ())),
            reads=tuple(str(f) for f in info.get("reads", ())),
        )
        for name, info in declared.items()
    }


def _migrations(declared: Any, states: Mapping[str, StateInfo]) -> tuple[Migration, ...]:
    if declared is None:
        return ()
    found = [_migration(entry, states) for entry in _as_list(declared)]
    versions = [m.from_version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("procedure.migrations: one mapping per older version")
    return tuple(found)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _migration(entry: Any, states: Mapping[str, StateInfo]) -> Migration:
    if not isinstance(entry, dict) or set(entry) != {"from", "states"}:
        raise ValueError("procedure.migrations: write {from: VERSION, states: {old: new}}")
    version, mapping = entry["from"], entry["states"]
    # Unquoted, YAML reads some versions as numbers (0123…, 12e4…): insist on the quotes.
    if not isinstance(version, str) or not _VERSION.match(version):
        raise ValueError(f"procedure.migrations: from {version!r} is not a version in quotes")
    if not isinstance(mapping, dict) or not mapping:
        raise ValueError(f"procedure.migrations from {version}: states maps old states to new")
    unknown = sorted(str(v) for v in mapping.values() if v not in states)
    if unknown:
        raise ValueError(f"procedure.migrations from {version}: no state {unknown} here")
    return Migration(version, {str(old): str(new) for old, new in mapping.items()})


def parse_duration(value: Any) -> timedelta | None:
    if value is None:
        return None
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"bad duration {value!r}: use e.g. 90s, 10m, 24h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
