"""Shared steps: written once under flows/procedures/steps/, the same in every procedure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from flows.definition import compile_definition, parse
from flows.model import FlowModel
from flows.procedures.steps.activation import ActivationStep
from flows.registry import Registry
from tests.support import flows_folder

REGISTRY = Registry()
HOST = """
statechart:
  name: host
  states:
    asking:
      initial: true
      transitions:
        - {event: go, target: awaiting_activation}
        - {event: expire, target: expired}
    done: {final: true}
    expired: {final: true}
procedure:
  label: Host
  route: host
  steps:
    activation: {done: done}
  states:
    asking: {label: Asking, screen: x.html, technical: true}
    awaiting_activation: {faq_steps: [2]}
    done: {label: Done, screen: x.html, technical: true}
    expired: {label: Expired, screen: x.html, technical: true}
  events:
    go: {label: Go}
    expire: {label: Expire, system: true}
"""


class Host(ActivationStep):
    pass


def test_registration_and_sign_in_share_one_activation_state() -> None:
    registration, sign_in = REGISTRY.get("registration"), REGISTRY.get("sign_in")
    for definition in (registration, sign_in):
        assert definition.steps[0] == "activation"
        state = definition.states["awaiting_activation"]
        assert state.screen == "steps/activation/check_email.html"
        assert state.link_screen == "steps/activation/activate.html"
        assert definition.events_from("awaiting_activation") == ["activate", "resend", "expire"]
        assert definition.guards["link_valid"] == sign_in.guards["link_valid"]
    # What is the procedure's own stays its own.
    assert registration.states["awaiting_activation"].faq_steps == ("2",)
    assert sign_in.states["awaiting_activation"].technical
    assert "activation_sent" not in sign_in.states


def test_association_and_sign_in_share_one_device_code_step() -> None:
    association, sign_in = REGISTRY.get("account_association"), REGISTRY.get("sign_in")
    for definition in (association, sign_in):
        assert "device_code" in definition.steps
        assert (
            definition.states["choosing_channel"].screen == "steps/device_code/choose_channel.html"
        )
        assert definition.states["code_sent"].screen == "steps/device_code/enter_code.html"
        assert definition.events_from("code_sent") == [
            "authorize",
            "resend_code",
            "choose_other",
            "expire",
        ]
        assert definition.guards["code_valid"] == sign_in.guards["code_valid"]
    # Where it leads and what runs then are each procedure's own (the step's parameters).
    authorize = {
        d.name: next(t for t in d.transitions if t.event == "authorize")
        for d in (association, sign_in)
    }
    assert (authorize["account_association"].target, authorize["sign_in"].target) == (
        "linked",
        "signed_in",
    )
    assert authorize["account_association"].actions == ("authorize_device", "link_contracts")
    assert authorize["sign_in"].actions == ("authorize_device", "open_session")
    assert association.states["code_sent"].faq_steps == ("4",)
    assert sign_in.states["code_sent"].technical


def test_a_step_is_placed_where_the_procedure_leads_to_it() -> None:
    compiled = compile_definition(HOST, Host, REGISTRY.steps)
    assert list(compiled.states) == ["asking", "awaiting_activation", "done", "expired"]
    activate = next(t for t in compiled.transitions if t.event == "activate")
    assert (activate.source, activate.target) == ("awaiting_activation", "done")
    assert compiled.display == ("email",)


def test_the_stored_document_compiles_alone_and_keeps_its_version() -> None:
    """An instance keeps the step as it was when it started, whatever the step becomes."""
    compiled = compile_definition(HOST, Host, REGISTRY.steps)
    again = compile_definition(compiled.document, Host)  # no steps given: none needed
    assert again.version == compiled.version
    assert parse(compiled.document)["procedure"]["composed_with"] == ["activation"]
    assert [t.event for t in again.transitions] == [t.event for t in compiled.transitions]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("activation: {done: done}", "activation: {}"), "parameter 'done' is required"),
        (("activation: {done: done}", "activation: {done: done, x: 1}"), "unknown parameters"),
        (("activation: {done: done}", "nothing: {}"), "unknown shared step 'nothing'"),
        (
            ("    done: {final: true}\n", "    done: {final: true}\n    awaiting_activation: {}\n"),
            "declared by the procedure too",
        ),
        (
            ("awaiting_activation: {faq_steps: [2]}", "awaiting_activation: {screen: y.html}"),
            "cannot redefine ['screen']",
        ),
    ],
)
def test_a_wrong_use_of_a_step_fails_at_compile_time(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        compile_definition(HOST.replace(*change), Host, REGISTRY.steps)


def test_a_model_must_derive_from_the_steps_guards_and_actions(tmp_path: Path) -> None:
    class Stranger(FlowModel):
        def link_valid(self, fields: Mapping[str, Any]) -> bool:
            return True

        resend_allowed = link_valid
        activate_identity = send_activation = lambda self: None

    folder = flows_folder(tmp_path, host=HOST)
    with pytest.raises(ValueError, match="must derive from ActivationStep"):
        Registry([folder], models={"host": Stranger})
    assert Registry([folder], models={"host": Host}).get("host").steps == ("activation",)


def test_an_event_may_not_hide_the_machines_own_methods() -> None:
    document = HOST.replace("event: go", "event: send").replace(
        "    go: {label: Go}", "    send: {label: Go}"
    )
    with pytest.raises(ValueError, match=r"events \['send'\] are names the state machine"):
        compile_definition(document, Host, REGISTRY.steps)
