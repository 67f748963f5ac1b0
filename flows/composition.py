"""Shared steps written into the definitions that use them.

A step several procedures share (the e-mailed activation link, the device code) is one
document under ``flows/procedures/steps/NAME.yaml``: its states, transitions, events,
guards, screens and what they may display, written once, with ``$parameters`` where the
procedures differ (where the step leads when it is done). A definition names the steps
it uses under ``procedure.steps`` with their parameters::

    procedure:
      steps:
        activation: {done: activated}

and its own transitions lead to the step's states by their names, the same everywhere.
Under ``procedure.states`` it may add to a step's state what is its own (``faq_steps``,
``technical``). The whole is what is compiled, versioned and stored, so an
instance keeps the step as it was when it started.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

# What a definition may add to a state a step declares.
STATE_OVERRIDES = frozenset(
    {"faq_steps", "technical", "expires_after", "label", "status", "staff_screen"}
)


def expand(doc: dict[str, Any], steps: Mapping[str, Any]) -> dict[str, Any]:
    """DOC with every step it names written in; STEPS are the steps' parsed documents."""
    doc = copy.deepcopy(doc)
    chart, meta = doc["statechart"], doc["procedure"]
    named = meta.pop("steps") or {}
    for name, given in named.items():
        if name not in steps:
            raise ValueError(f"unknown shared step {name!r} (flows/procedures/steps/)")
        step = steps[name]
        values = _parameters(name, step.get("parameters") or {}, given or {})
        step = _substitute({k: step.get(k) or {} for k in ("statechart", "procedure")}, values)
        chart["states"] = _with_states(
            chart["states"], step["statechart"].get("states") or {}, name
        )
        _add_states(meta, step["procedure"].get("states") or {}, name)
        for section in ("events", "guards", "reasons"):
            meta.setdefault(section, {})
            _add(meta[section], step["procedure"].get(section) or {}, f"step {name}: {section}")
        shown = [*(meta.get("display") or ()), *(step["procedure"].get("display") or ())]
        meta["display"] = list(dict.fromkeys(shown))
    meta["composed_with"] = list(named)  # kept in the stored document, for analysts
    return doc


def _parameters(name: str, declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(given) - set(declared)
    if unknown:
        raise ValueError(f"step {name}: unknown parameters {sorted(unknown)}")
    values = {}
    for param, spec in declared.items():
        default = (spec or {}).get("default")
        if param not in given and default is None:
            raise ValueError(f"step {name}: parameter {param!r} is required")
        values[param] = given.get(param, default)
    return values


def _substitute(node: Any, values: Mapping[str, Any]) -> Any:
    """Every ``$name`` string replaced by its value; a list value spreads in a list."""
    if isinstance(node, str) and node.startswith("$") and node[1:] in values:
        return values[node[1:]]
    if isinstance(node, dict):
        return {k: _substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            value = _substitute(item, values)
            spread = isinstance(item, str) and isinstance(value, list)
            out.extend(value) if spread else out.append(value)
        return out
    return node


def _with_states(states: dict[str, Any], added: Mapping[str, Any], name: str) -> dict[str, Any]:
    """STATES with the step's states placed after the first state that leads to them, so
    a diagram and a list read in the order a customer goes through them."""
    for state in added:
        if state in states:
            raise ValueError(f"step {name}: state {state!r} is declared by the procedure too")
    after = next(
        (
            state
            for state, sdef in states.items()
            if any(t.get("target") in added for t in (sdef or {}).get("transitions") or [])
        ),
        None,
    )
    ordered: dict[str, Any] = {}
    for state, sdef in states.items():
        ordered[state] = sdef
        if state == after:
            ordered.update(added)
    ordered.update({k: v for k, v in added.items() if k not in ordered})
    return ordered


def _add(target: dict[str, Any], entries: Mapping[str, Any], what: str) -> None:
    for key, value in entries.items():
        if key in target and target[key] != value:
            raise ValueError(f"{what} {key!r} is declared both by the step and the procedure")
        target[key] = value


def _add_states(meta: dict[str, Any], entries: Mapping[str, Any], name: str) -> None:
    states = meta.setdefault("states", {})
    for state, info in entries.items():
        own = states.get(state) or {}
        extra = set(own) - STATE_OVERRIDES
        if extra:
            raise ValueError(f"step {name}: state {state!r} cannot redefine {sorted(extra)}")
        states[state] = {**info, **own}


def dump(doc: Mapping[str, Any]) -> str:
    """The composed definition as the document stored with its version."""
    header = "# Composed with its shared steps (flows/procedures/steps/).\n"
    return header + yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True, width=100)
