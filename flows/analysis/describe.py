"""A procedure's definition as plain data: for the testers' API, the CLI and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.definition import Definition, EventInfo, StateInfo, TransitionInfo

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


def summary(definition: Definition, translate: Translate = _same) -> dict[str, Any]:
    """Name, label, version, route, and the names of its states and events."""
    return {
        "name": definition.name,
        "label": translate(definition.label),
        "version": definition.version,
        "route": definition.route,
        "states": list(definition.states),
        "events": list(definition.events),
    }


def detail(definition: Definition, translate: Translate = _same) -> dict[str, Any]:
    """Everything a tester needs to drive the procedure: states, events, transitions."""
    return {
        **summary(definition, translate),
        "initial": definition.initial,
        "states": [_state(s, translate) for s in definition.states.values()],
        "events": [_event(e, translate) for e in definition.events.values()],
        "transitions": [_transition(definition, t, translate) for t in definition.transitions],
    }


def data_schema(event: EventInfo) -> dict[str, Any]:
    """The JSON schema of the data EVENT takes (its declared fields)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: spec.json_schema() for name, spec in event.fields.items()},
    }
    required = [name for name, spec in event.fields.items() if spec.required]
    if required:  # JSON Schema draft 4 (OpenAPI 3.0) wants a non-empty list or none
        schema["required"] = required
    return schema


def _state(state: StateInfo, translate: Translate) -> dict[str, Any]:
    expires = state.expires_after
    return {
        "id": state.id,
        "label": translate(state.label),
        "initial": state.initial,
        "final": state.final,
        "technical": state.technical,
        "faq_steps": list(state.faq_steps),
        "expires_after_seconds": int(expires.total_seconds()) if expires else None,
    }


def _event(event: EventInfo, translate: Translate) -> dict[str, Any]:
    return {
        "id": event.id,
        "label": translate(event.label),
        "system": event.system,
        "link": event.link,
        "data": data_schema(event),
    }


def _transition(
    definition: Definition, transition: TransitionInfo, translate: Translate
) -> dict[str, Any]:
    guards = [definition.guards[g] for g in transition.guards]
    return {
        "source": transition.source,
        "event": transition.event,
        "target": transition.target,
        "internal": transition.internal,
        "guards": [
            {"name": g.name, "label": translate(g.label), "reasons": list(g.reasons)}
            for g in guards
        ],
        "actions": list(transition.actions),
    }
