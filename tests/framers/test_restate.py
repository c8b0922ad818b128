"""A rule stated several ways: questions asked both ways, answered by the rule's modality."""

from __future__ import annotations

import pytest

from alignment_studio.framers.restate import restatements
from alignment_studio.framers.wording import first_person, third_person
from alignment_studio.types import Modality, Policy


def rule(text: str, modality: Modality, actor: str | None = None, **extra: list[str]) -> Policy:
    return Policy(id="doc/p-1", section_id="doc/s", text=text, modality=modality, actor=actor,
                  **extra)


def test_a_prohibition_is_asked_both_ways_and_answered_no() -> None:
    pairs = restatements(rule("You must not share your password with anyone.",
                              Modality.prohibition), "security", 6)
    questions = [q for q, _ in pairs]
    assert questions[:2] == ["May I share my password with anyone?",
                             "Do I have to share my password with anyone?"]
    assert all(a.startswith("No") for _, a in pairs[:3])
    assert "What does the policy say about security?" in questions
    assert all("your password" in a for _, a in pairs)  # the answer speaks to the asker


@pytest.mark.parametrize(("modality", "verb", "opening"), [
    (Modality.obligation, "must", "Yes"), (Modality.permission, "may", "Yes"),
    (Modality.recommendation, "should", "Yes")])
def test_the_first_answer_follows_the_modality(modality: Modality, verb: str,
                                               opening: str) -> None:
    question, answer = restatements(rule(f"You {verb} lock your screen.", modality),
                                    "devices", 1)[0]
    assert "lock my screen" in question and answer.startswith(opening)


def test_a_rule_for_some_people_is_asked_as_one_of_them_and_count_caps() -> None:
    pairs = restatements(rule("Managers must report incidents to Security within one hour.",
                              Modality.obligation, actor="Managers"), "incidents", 2)
    assert len(pairs) == 2
    assert pairs[0][0] == ("As one of the managers, do I have to report incidents to Security "
                           "within one hour?")
    things = restatements(rule("Total gifts should not exceed 250 dollars.",
                               Modality.recommendation, actor="Total gifts"), "gifts", 1)
    assert not things[0][0].startswith("As one of")  # gifts are not people
    assert restatements(rule("A fact.", Modality.informational), "x", 3) == []


def test_exceptions_and_when_conditions_are_asked_about() -> None:
    pairs = dict(restatements(rule(
        "You must not accept gifts from vendors during a tender unless Legal approves.",
        Modality.prohibition, exceptions=["unless Legal approves"],
        conditions=["during a tender", "as confidential"]), "gifts", 6))
    assert pairs["Are there exceptions to the rule on gifts?"].startswith("Yes: unless Legal")
    assert pairs["When does the rule on gifts apply?"] == "It applies during a tender."


def test_forms_of_address_follow_the_parse() -> None:
    text = "raise a concern with your manager, another manager you trust"
    assert first_person(text) == "raise a concern with my manager, another manager I trust"
    assert third_person("tell your manager if you are unsure") == \
        "tell their manager if they are unsure"
    assert first_person("keep what a customer shares with you") == \
        "keep what a customer shares with me"


def test_a_mixed_sample_keeps_the_asked_shares() -> None:
    from alignment_studio.framers.split import sample_mix
    from alignment_studio.types import Example, Kind, Label, Message, Provenance

    def item(i: int, scenario: bool, closed: bool) -> Example:
        return Example(id=f"e{i}", kind=Kind.scenario if scenario else Kind.instruction,
                       label=Label.violating if scenario else None, target="t",
                       book="closed" if closed else "guardian",
                       messages=[Message(role="user", content=str(i))], policy_ids=["d/p-1"],
                       provenance=Provenance(source="structure"))

    # 300 questions, 100 scenarios; half of each closed book
    pool = [item(i, i >= 300, i % 2 == 0) for i in range(400)]
    picked = sample_mix(pool, 100, 0, scenario_share=0.6, closed_share=0.8)
    assert len(picked) == 100 and len({e.id for e in picked}) == 100
    assert sum(e.kind == Kind.scenario for e in picked) == 60
    assert sum(e.book == "closed" for e in picked) == 80
    # a share the data cannot fill is topped up from the other groups
    short = sample_mix(pool, 100, 0, scenario_share=1.0, closed_share=None)
    assert len(short) == 100 and sum(e.kind == Kind.scenario for e in short) == 100
    assert sample_mix(pool, 100, 1, 0.6, 0.8) != picked  # the seed matters
