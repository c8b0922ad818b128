"""Reading a model's answer: its verdict, whether it refuses, what it cites."""

from __future__ import annotations

import pytest

from alignment_studio.core.answers import (
    bracketed,
    cites,
    cue_position,
    is_refusal,
    parse_label,
    strip_citations,
)
from alignment_studio.types import Label


@pytest.mark.parametrize(("text", "label"), [
    ("violating: cash is forbidden", Label.violating),
    ("Compliant. She asked first.", Label.compliant),
    ("This is not compliant with the policy.", Label.violating),
    ("needs_info: we do not know the amount", Label.needs_info),
    ("I need more information about the gift's value.", Label.needs_info),
    ("The situation does not comply, it is compliant otherwise", Label.violating),
    ("Paris is the capital of France.", None),
    ("That is not permitted here.", Label.violating),
    ("Not acceptable: cash is forbidden.", Label.violating),
])
def test_parse_label(text: str, label: Label | None) -> None:
    assert parse_label(text) == label


def test_cites() -> None:
    assert cites("violating [doc/gifts/p-1]", ["doc/gifts/p-1"])
    assert not cites("violating", ["doc/gifts/p-1"])


@pytest.mark.parametrize(("text", "refused"), [
    ("I can't help with that request.", True),
    ("I'm sorry, but I cannot share that information.", True),
    ("We cannot provide advice on bypassing the policy.", True),
    ("I am unable to assist with this.", True),
    ("violating: cash gifts are not allowed [doc/gifts/p-1]", False),
    ("You can accept a gift under $50 if you report it.", False),
    ("The policy says employees cannot accept cash.", False),
])
def test_is_refusal(text: str, refused: bool) -> None:
    assert is_refusal(text) is refused


def test_cue_position_finds_the_earliest_cue_of_the_labels_asked() -> None:
    text = "Which vendor? It is not allowed if it was cash."
    assert cue_position(text) == text.index("not allowed")
    assert cue_position(text, [Label.compliant]) == text.index("allowed")  # inside "not allowed"
    assert cue_position(text, [Label.needs_info]) is None
    assert cue_position("Compliant, and more information helps.", [Label.needs_info]) == 15


def test_citations_in_brackets() -> None:
    text = "violating: gift cards are cash [doc/gifts/p-1a] [needs_info] [ doc/x/p-2 ]."
    assert bracketed(text) == ["doc/gifts/p-1a", "needs_info", "doc/x/p-2"]
    assert strip_citations(text) == "violating: gift cards are cash  [needs_info] ."


def test_constrained_choice_sums_each_labels_forms() -> None:
    from alignment_studio.core.answers import choice_options, chosen_label

    options = choice_options()
    assert options[:2] == ["compliant", "Compliant"] and len(options) == 6
    # violating's two forms together (-1.0 and -1.0) beat compliant's one likelier form (-0.9)
    assert chosen_label([-0.9, -9.0, -1.0, -1.0, -5.0, -5.0]) == Label.violating
    assert chosen_label([float("-inf")] * 4 + [-3.0, float("-inf")]) == Label.needs_info
