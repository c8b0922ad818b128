"""The conflict suite scores scripted answers (FakeBackend) on real conflict items."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from alignment_studio.auditors.conflicts import (
    DEFAULT_CONTEXT,
    conflict_scores,
    conflict_suite,
    follows_precedence,
    select_conflicts,
)
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.conflicts import conflict_example, find_conflicts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.values import conflict_preferences
from alignment_studio.types import Example, Message, Policy, Split
from alignment_studio.workspace.config import AuditSettings, ValuesSettings

FACTORY = ExampleFactory(Prompts(None), "18F")


@pytest.fixture(scope="module")
def items(policies_18f: list[Path]) -> tuple[list[Example], dict[str, Policy]]:
    doc = read_document(next(p for p in policies_18f if p.name == "sensitive-information.md"))
    policies = {p.id: p for p in doc.policies()}
    pair = find_conflicts(list(policies.values()), limit=1)[0]
    conflict = conflict_example(pair, FACTORY, []).model_copy(update={"split": Split.test})
    values = ValuesSettings.model_validate({
        "values": [{"name": "first", "policies": [pair.first.id]},
                   {"name": "second", "policies": [pair.second.id]}],
        "contexts": [{"name": "flip", "when": {"role": "manager"}, "precedence": ["second"]}]})
    prefs = conflict_preferences([conflict], values, None, FACTORY, policies=policies)
    return [conflict, *prefs], policies


def test_suite_scores_right_and_wrong_rulings_per_context(
        items: tuple[list[Example], dict[str, Policy]]) -> None:
    examples, _ = items
    selected = select_conflicts(examples)
    assert len(selected) == 3
    a, b = examples[0].policy_ids  # the pair; by default the first value (a) wins
    truth = {DEFAULT_CONTEXT: a, "role=manager": b}

    def answer(messages: Sequence[Message]) -> str:
        manager = "role=manager" in messages[0].content
        winner, loser = (b, a) if manager else (a, b)
        if manager:  # the model ignores the context: it gives the default ruling
            winner, loser = loser, winner
        return f"[{winner}] takes precedence over [{loser}]; follow it."

    results = conflict_suite(FakeBackend(responder=answer), selected, AuditSettings())
    by_context = {r.context: r for r in results}
    assert set(by_context) == {DEFAULT_CONTEXT, "role=manager"}
    assert by_context["role=manager"].winner == truth["role=manager"]
    assert by_context["role=manager"].result.correct is False
    assert by_context[DEFAULT_CONTEXT].result.correct is True
    assert all(r.cites_both for r in results)
    scores = conflict_scores(results)
    accuracy = {k: next(s for s in v if s.metric == "precedence_accuracy") for k, v in
                scores.items()}
    assert accuracy["role=manager"].value == 0.0
    assert accuracy[DEFAULT_CONTEXT].value == 1.0 and accuracy[DEFAULT_CONTEXT].n == 2
    assert accuracy["all"].n == 3 and accuracy["all"].value == pytest.approx(2 / 3)
    assert [r.result.kind for r in results] == ["conflict"] * 3


def test_answers_are_judged_by_their_precedence_phrase_or_first_citation() -> None:
    w, lo = "doc/a/p-1", "doc/b/p-2"
    assert follows_precedence(f"[{w}] takes precedence over [{lo}].", w, lo)
    assert not follows_precedence(f"[{lo}] takes precedence over [{w}].", w, lo)
    assert follows_precedence(f"[{lo}] would allow it, but [{w}] overrides [{lo}].", w, lo)
    assert follows_precedence(f"Follow {w}.", w, lo)
    assert not follows_precedence(f"Follow {lo}, not {w}.", w, lo)
    assert not follows_precedence("Ask your manager.", w, lo)


def test_the_context_line_reaches_the_model(items: tuple[list[Example], dict[str, Policy]]
                                            ) -> None:
    examples, _ = items
    fake = FakeBackend(default="no idea")
    results = conflict_suite(fake, select_conflicts(examples), AuditSettings())
    assert [r.result.correct for r in results] == [False, False, False]
    assert sum("Context: role=manager" in h[0].content for h in fake.history) == 1
    assert not any(r.cites_both or r.result.cited for r in results)
