"""The change review on a toy procedure: add a state, remove one, rename a transition, add a
guard — the diff, its words, the drawing's colours, the replay and the instances in flight."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from flows import migration
from flows.analysis import change, change_diagram, change_words, impact
from flows.analysis.change import Diff
from flows.definition import Definition, compile_definition
from flows.engine import Engine
from flows.model import FlowModel
from flows.registry import Registry
from tests.factories import TESTER
from tests.support import flows_folder
from web.services import Services

V1 = """
statechart:
  name: errand
  states:
    form:
      initial: true
      transitions:
        - {event: submit, target: review, cond: filled}
        - {event: expire, target: expired}
    review:
      transitions:
        - {event: approve, target: done}
        - {event: expire, target: expired}
    done: {final: true}
    expired: {final: true}
procedure:
  label: Errand
  route: errand
  states:
    form: {label: Form, screen: x.html, expires_after: 10m}
    review: {label: Review, screen: x.html, expires_after: 1h}
    done: {label: Done, screen: x.html}
    expired: {label: Expired, screen: x.html, technical: true}
  events:
    submit:
      label: Send
      fields:
        word: {type: string, required: true, audit: plain}
    approve: {label: Approve}
    expire: {label: Expire, system: true}
  guards:
    filled: {label: The word is yes, reasons: [not_yes]}
"""
# A code step between the form and the review.
ADD_STATE = (
    V1.replace(
        "- {event: submit, target: review, cond: filled}",
        "- {event: submit, target: code, cond: filled}",
    )
    .replace(
        "    review:\n      transitions:",
        "    code:\n      transitions:\n        - {event: confirm, target: review}\n"
        "        - {event: expire, target: expired}\n    review:\n      transitions:",
    )
    .replace(
        "    review: {label: Review,",
        "    code: {label: Code, screen: x.html, expires_after: 10m}\n    review: {label: Review,",
    )
    .replace(
        "    approve: {label: Approve}",
        "    approve: {label: Approve}\n    confirm: {label: Confirm}",
    )
)
# No review: the form leads straight to done.
REMOVE_STATE = (
    V1.replace(
        "- {event: submit, target: review, cond: filled}",
        "- {event: submit, target: done, cond: filled}",
    )
    .replace(
        "    review:\n      transitions:\n        - {event: approve, target: done}\n"
        "        - {event: expire, target: expired}\n",
        "",
    )
    .replace("    review: {label: Review, screen: x.html, expires_after: 1h}\n", "")
    .replace("    approve: {label: Approve}\n", "")
)
RENAME = V1.replace("{event: approve, target: done}", "{event: accept, target: done}").replace(
    "    approve: {label: Approve}", "    accept: {label: Accept}"
)
ADD_GUARD = V1.replace(
    "{event: approve, target: done}", "{event: approve, target: done, cond: approver_known}"
).replace(
    "    filled: {label: The word is yes, reasons: [not_yes]}",
    "    filled: {label: The word is yes, reasons: [not_yes]}\n"
    "    approver_known: {label: The approver is on record, reasons: [approver_unknown]}",
)


class Errand(FlowModel):
    def filled(self, fields: Mapping[str, Any]) -> bool:
        return fields["word"] == "yes" or self.reject("word", "not_yes")

    def approver_known(self) -> bool:
        return True


@pytest.fixture
def recorded(services: Services, tmp_path: Path) -> dict[str, str]:
    """Four journeys on V1, by name: done, waiting in review, expired, waiting in the form."""
    registry = Registry([flows_folder(tmp_path, errand=V1)], models={"errand": Errand})
    engine = Engine(registry, services.db, services.mailer, services.clock, lambda: "http://x/")
    expired = engine.start("errand", by=TESTER, language="en").id
    services.clock.advance(timedelta(minutes=11))
    engine.sweep()
    done = engine.start("errand", by=TESTER, language="en").id
    engine.send(done, "submit", {"word": "no"}, by=TESTER)
    engine.send(done, "submit", {"word": "yes"}, by=TESTER)
    engine.send(done, "approve", {}, by=TESTER)
    engine.send(done, "expire", {}, by=TESTER)  # not allowed: kept as it was recorded
    in_review = engine.start("errand", by=TESTER, language="en").id
    engine.send(in_review, "submit", {"word": "yes"}, by=TESTER)
    in_form = engine.start("errand", by=TESTER, language="en").id
    return {"done": done, "in_review": in_review, "expired": expired, "in_form": in_form}


def compiled(document: str) -> Definition:
    return compile_definition(document, Errand)


def diff_to(document: str) -> Diff:
    return change.diff(compiled(V1), compiled(document))


def words(diff: Diff) -> list[str]:
    return [s.plain() for s in change_words.sentences(diff, str)]


def summary(diff: Diff) -> list[tuple[str, str, Any, Any]]:
    return [(i.kind, i.status, i.old, i.new) for i in diff.items]


# -- the diff, in structure and in words --------------------------------------------------


def test_adding_a_state() -> None:
    diff = diff_to(ADD_STATE)
    assert summary(diff) == [
        ("state", "added", None, ("code",)),
        ("transition", "added", None, ("code", "confirm", "review")),
        ("transition", "added", None, ("code", "expire", "expired")),
        ("transition", "changed", ("form", "submit", "review"), ("form", "submit", "code")),
        ("event", "added", None, ("confirm",)),
    ]
    assert words(diff) == [
        "The state *Code* is new; time allowed: *10 min*.",
        "The transition *Confirm* from *Code* to *Review* is new.",
        "The transition *Expire* from *Code* to *Expired* is new.",
        "The transition *Send* from *Form* now leads to *Code* instead of *Review*.",
        "The event *Confirm* is new.",
    ]


def test_removing_a_state() -> None:
    diff = diff_to(REMOVE_STATE)
    assert summary(diff) == [
        ("state", "removed", ("review",), None),
        ("transition", "removed", ("review", "approve", "done"), None),
        ("transition", "removed", ("review", "expire", "expired"), None),
        ("transition", "changed", ("form", "submit", "review"), ("form", "submit", "done")),
        ("event", "removed", ("approve",), None),
    ]
    assert words(diff)[0] == "The state *Review* is removed."
    assert words(diff)[3] == (
        "The transition *Send* from *Form* now leads to *Done* instead of *Review*."
    )


def test_renaming_a_transition() -> None:
    diff = diff_to(RENAME)
    assert summary(diff) == [
        ("transition", "changed", ("review", "approve", "done"), ("review", "accept", "done")),
        ("event", "removed", ("approve",), None),
        ("event", "added", None, ("accept",)),
    ]
    assert words(diff) == [
        "The transition from *Review* to *Done* is now *Accept* instead of *Approve*.",
        "The event *Approve* is removed.",
        "The event *Accept* is new.",
    ]


def test_adding_a_guard() -> None:
    diff = diff_to(ADD_GUARD)
    assert summary(diff) == [
        ("transition", "changed", ("review", "approve", "done"), ("review", "approve", "done")),
        ("guard", "added", None, ("approver_known",)),
    ]
    assert words(diff) == [
        "The transition *Approve* from *Review* to *Done* changes; "
        "guard added: *The approver is on record*.",
        "The guard *The approver is on record* is new; reasons: *approver_unknown*.",
    ]


def test_labels_fields_and_faq_steps_are_compared_too() -> None:
    edited = (
        V1.replace(
            "{label: Review, screen: x.html, expires_after: 1h}",
            "{label: Checked, screen: x.html, expires_after: 2h, faq_steps: ['1.2']}",
        )
        .replace(
            "word: {type: string, required: true, audit: plain}",
            "word: {type: string, audit: plain}\n        note: {type: text}",
        )
        .replace(
            "{label: The word is yes, reasons: [not_yes]}",
            "{label: The word is yes, reasons: [not_yes, too_late]}",
        )
    )
    assert words(diff_to(edited)) == [
        "The state *Checked* changes; name: *Review* → *Checked*; FAQ steps: *—* → *1.2*; "
        "time allowed: *1 h* → *2 h*.",
        "The event *Send* changes; field *word* changes: required; new field: *note*.",
        "The guard *The word is yes* changes; reasons: *not_yes* → *not_yes, too_late*.",
    ]
    assert change.diff(compiled(V1), compiled(V1)).empty


def test_words_in_html_emphasize_the_labels_and_escape_them() -> None:
    html = change_words.sentences(diff_to(ADD_STATE.replace("Confirm", "Confirm <b>")), str)[
        1
    ].html()
    assert html == (
        "The transition <em>Confirm &lt;b&gt;</em> from <em>Code</em> to <em>Review</em> is new."
    )


# -- the drawing -------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def strokes(svg: str) -> dict[str, tuple[str | None, bool]]:
    """Each state's and arrow's line colour, and whether it is dashed, read from the SVG."""
    found = {}
    for group in ElementTree.fromstring(svg).iter(f"{SVG}g"):  # noqa: S314 - our own SVG
        name = group.get("id", "")
        if name.startswith(("state-", "t--")):
            line = next(e for e in group.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon"))
            found[name] = (line.get("stroke"), line.get("stroke-dasharray") is not None)
    return found


GREEN, RED, AMBER, PLAIN = "#1a7f37", "#cf222e", "#9a6700", "black"


def test_the_drawing_colours_what_changed() -> None:
    added = strokes(change_diagram.render(diff_to(ADD_STATE), "svg"))
    assert added == {
        "state-form": (PLAIN, False),
        "state-code": (GREEN, False),
        "state-review": (PLAIN, False),
        "state-done": (PLAIN, False),
        "state-expired": (PLAIN, False),
        "t--form--submit--code": (AMBER, False),
        "t--form--expire--expired": (PLAIN, False),
        "t--code--confirm--review": (GREEN, False),
        "t--code--expire--expired": (GREEN, False),
        "t--review--approve--done": (PLAIN, False),
        "t--review--expire--expired": (PLAIN, False),
        "t--form--submit--review": (RED, True),
    }
    removed = strokes(change_diagram.render(diff_to(REMOVE_STATE), "svg"))
    assert removed["state-review"] == (RED, True)
    assert removed["t--review--approve--done"] == (RED, True)
    assert removed["t--form--submit--done"] == (AMBER, False)
    renamed = strokes(change_diagram.render(diff_to(RENAME), "svg"))
    assert renamed["t--review--accept--done"] == (AMBER, False)
    assert "t--review--approve--done" not in renamed
    guarded = strokes(change_diagram.render(diff_to(ADD_GUARD), "svg"))
    assert guarded["t--review--approve--done"] == (AMBER, False)
    assert {v for k, v in guarded.items() if k != "t--review--approve--done"} == {(PLAIN, False)}


def test_the_mermaid_drawing_for_a_pull_request() -> None:
    drawn = change_diagram.render(diff_to(REMOVE_STATE), "mermaid")
    assert (
        "    classDef removed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5"
        in drawn
    )
    assert "    class review removed" in drawn
    assert "    review --> done : Approve (removed)" in drawn
    assert "    form --> done : Send (changed) [The word is yes]" in drawn


# -- replay and in flight ----------------------------------------------------------------


def impact_of(services: Services, document: str) -> impact.Impact:
    return impact.impact(services.db, diff_to(document), services.clock())


def test_a_new_state_on_the_way_is_a_detour(services: Services, recorded: dict[str, str]) -> None:
    found = impact_of(services, ADD_STATE)
    replay = found.replay
    assert (replay.journeys, replay.accepted, replay.unchanged, replay.detoured) == (4, 4, 2, 2)
    detour = impact.Detour("form", "submit", "review", ("code",), certain=True)
    assert replay.detours.keys() == {detour}
    assert sorted(replay.detours[detour].ids) == sorted([recorded["done"], recorded["in_review"]])
    assert replay.refused == {}
    assert [(w.state, w.count, w.status) for w in found.waiting] == [
        ("form", 1, "changed"),
        ("review", 1, "kept"),
    ]
    form = found.waiting[0]
    assert form.next_old == (("form", "submit", "review"), ("form", "expire", "expired"))
    assert form.next_new == (("form", "submit", "code"), ("form", "expire", "expired"))


def test_a_removed_state_refuses_the_journeys_through_it(
    services: Services, recorded: dict[str, str]
) -> None:
    found = impact_of(services, REMOVE_STATE)
    replay = found.replay
    assert (replay.journeys, replay.accepted, replay.unchanged) == (4, 2, 2)
    refusal = impact.Refusal("form", "submit", "elsewhere", "review")
    assert replay.refused.keys() == {refusal}
    assert replay.refused[refusal].count == 2
    assert [(w.state, w.count, w.status, w.next_new) for w in found.waiting] == [
        ("form", 1, "changed", (("form", "submit", "done"), ("form", "expire", "expired"))),
        ("review", 1, "removed", ()),
    ]


def test_a_renamed_transition_still_accepts(services: Services, recorded: dict[str, str]) -> None:
    replay = impact_of(services, RENAME).replay
    assert (replay.journeys, replay.accepted, replay.unchanged) == (4, 4, 4)
    found = impact_of(services, RENAME)
    assert [(w.state, w.status) for w in found.waiting] == [("form", "kept"), ("review", "changed")]


def test_an_added_guard_names_the_journeys_it_would_judge(
    services: Services, recorded: dict[str, str]
) -> None:
    found = impact_of(services, ADD_GUARD)
    replay = found.replay
    assert (replay.journeys, replay.accepted, replay.unchanged) == (4, 4, 4)
    approve = ("review", "approve", "done")
    assert replay.changed.keys() == {approve}
    assert replay.changed[approve].ids == [recorded["done"]]
    assert [(w.state, w.count, w.status) for w in found.waiting] == [
        ("form", 1, "kept"),
        ("review", 1, "changed"),
    ]


def test_only_the_last_days_are_replayed(services: Services, recorded: dict[str, str]) -> None:
    services.clock.advance(timedelta(days=2))
    assert (
        impact.impact(services.db, diff_to(ADD_STATE), services.clock(), days=1).replay.journeys
        == 0
    )
    assert (
        impact.impact(services.db, diff_to(ADD_STATE), services.clock(), days=3).replay.journeys
        == 4
    )


# -- declared migrations -----------------------------------------------------------------


def with_migrations(text: str) -> str:
    return ADD_STATE + "  migrations:\n" + "".join(f"    {line}\n" for line in text.splitlines())


def test_a_definition_declares_its_migrations() -> None:
    one = compiled(with_migrations("from: '0123456789ab'\nstates: {form: form, review: code}"))
    assert [(m.from_version, dict(m.states)) for m in one.migrations] == [
        ("0123456789ab", {"form": "form", "review": "code"})
    ]
    several = compiled(
        with_migrations(
            "- {from: '0123456789ab', states: {form: form}}\n"
            "- {from: 'ba9876543210', states: {review: review}}"
        )
    )
    assert [m.from_version for m in several.migrations] == ["0123456789ab", "ba9876543210"]


@pytest.mark.parametrize(
    ("declared", "said"),
    [
        ("from: 0123456789\nstates: {form: form}", "is not a version in quotes"),
        ("from: '0123456789ab'\nstates: {form: nowhere}", "no state ['nowhere'] here"),
        ("from: '0123456789ab'\nstates: {}", "states maps old states to new"),
        ("from: '0123456789ab'", "write {from: VERSION, states: {old: new}}"),
        (
            "- {from: '0123456789ab', states: {form: form}}\n"
            "- {from: '0123456789ab', states: {review: review}}",
            "one mapping per older version",
        ),
    ],
)
def test_a_wrong_migration_is_refused_at_compile_time(declared: str, said: str) -> None:
    with pytest.raises(ValueError, match=re.escape(said)):
        compiled(with_migrations(declared))


def test_a_migration_from_a_version_that_never_ran_is_refused(
    services: Services, tmp_path: Path, recorded: dict[str, str]
) -> None:
    v1 = Registry([flows_folder(tmp_path, errand=V1)], models={"errand": Errand}).get("errand")
    for declared, said in [
        ("from: '0123456789ab'\nstates: {form: form}", "version 0123456789ab never ran here"),
        (f"from: '{v1.version}'\nstates: {{code: code}}", f"errand {v1.version} has no state code"),
    ]:
        folder = flows_folder(
            tmp_path / declared[:20].replace("'", ""), errand=with_migrations(declared)
        )
        registry = Registry([folder], models={"errand": Errand})
        with pytest.raises(migration.MigrationError, match=re.escape(said)):
            migration.plan(services.db, registry, "errand", services.clock())


def test_an_overdue_or_ended_instance_is_not_moved(
    services: Services, tmp_path: Path, recorded: dict[str, str]
) -> None:
    v1 = Registry([flows_folder(tmp_path, errand=V1)], models={"errand": Errand}).get("errand")
    mapping = f"from: '{v1.version}'\nstates: {{form: form, review: review}}"
    registry = Registry(
        [flows_folder(tmp_path / "v2", errand=with_migrations(mapping))], models={"errand": Errand}
    )
    assert {
        m.instance_id for m in migration.plan(services.db, registry, "errand", services.clock())
    } == {
        recorded["in_review"],
        recorded["in_form"],
    }
    services.clock.advance(timedelta(minutes=30))  # the form's 10 minutes are up
    moved = migration.migrate(services.db, registry, "errand", services.clock)
    assert [m.instance_id for m in moved] == [recorded["in_review"]]
