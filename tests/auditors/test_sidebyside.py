"""Side by side: nine hand-made item pairs sorted into the four outcomes."""

from __future__ import annotations

import pytest

from alignment_studio.auditors.sidebyside import good, side_by_side
from alignment_studio.types import ItemResult


def verdict(i: int, policy: str, correct: bool) -> ItemResult:
    return ItemResult(example_id=f"e{i}", policy_ids=[policy], kind="scenario",
                      expected="violating", output=f"answer {i}", correct=correct)


def answer(i: int, policy: str, rouge: float, refused: bool = False,
           judge: dict[str, float] | None = None) -> ItemResult:
    return ItemResult(example_id=f"e{i}", policy_ids=[policy], kind="instruction",
                      expected="reference", output=f"answer {i}", rouge_l=rouge,
                      refused=refused, judge=judge or {})


# (base, aligned) per item; the outcome each should get is in the comment.
PAIRS = [
    (verdict(1, "A", True), verdict(1, "A", True)),                      # both_good
    (verdict(2, "A", True), verdict(2, "A", False)),                     # only_unaligned_good
    (verdict(3, "A", False), verdict(3, "A", True)),                     # only_aligned_good
    (answer(4, "A", 0.6), answer(4, "A", 0.9, refused=True)),            # only_unaligned_good
    (answer(5, "B", 0.4), answer(5, "B", 0.5)),                          # only_aligned_good
    (answer(6, "B", 0.2), answer(6, "B", 0.3)),                          # both_fail
    (answer(7, "B", 0.9, judge={"pass": 0.0}),
     answer(7, "B", 0.1, judge={"faithfulness": 5.0, "completeness": 4.0})),  # only_aligned
    (verdict(8, "B", False), verdict(8, "B", False)),                    # both_fail
    (verdict(9, "C", False), verdict(9, "C", True)),                     # only_aligned_good
]
BASE = [b for b, _ in PAIRS]
ALIGNED = [a for _, a in PAIRS]


def test_good_per_kind() -> None:
    assert good(verdict(0, "A", True)) and not good(verdict(0, "A", False))
    assert good(answer(0, "A", 0.5)) and not good(answer(0, "A", 0.49))
    assert not good(answer(0, "A", 1.0, refused=True))
    assert good(answer(0, "A", 0.3), threshold=0.3)
    assert not good(answer(0, "A", 1.0, judge={"pass": 0.0}))  # the judge overrides ROUGE-L
    assert good(answer(0, "A", 0.0, judge={"pass": 1.0}))
    assert not good(answer(0, "A", 1.0, judge={"faithfulness": 4.0, "completeness": 3.0}))


def test_counts_per_outcome_and_policy() -> None:
    report = side_by_side(BASE, ALIGNED)
    assert report.counts == {"both_good": 1, "only_unaligned_good": 2,
                             "only_aligned_good": 4, "both_fail": 2}
    assert report.per_policy == {
        "A": {"both_good": 1, "only_unaligned_good": 2, "only_aligned_good": 1, "both_fail": 0},
        "B": {"both_good": 0, "only_unaligned_good": 0, "only_aligned_good": 2, "both_fail": 2},
        "C": {"both_good": 0, "only_unaligned_good": 0, "only_aligned_good": 1, "both_fail": 0},
    }
    row = report.examples["only_unaligned_good"][1]
    assert (row.example_id, row.base_output, row.aligned_output) == ("e4", "answer 4",
                                                                     "answer 4")


def test_examples_show_several_policies_first() -> None:
    ids = {k: [r.example_id for r in v] for k, v in side_by_side(BASE, ALIGNED, 2)
           .examples.items()}
    # only_aligned_good in order: e3 (A), e5 (B), e7 (B), e9 (C) -> one per policy first
    assert ids == {"both_good": ["e1"], "only_unaligned_good": ["e2", "e4"],
                   "only_aligned_good": ["e3", "e5"], "both_fail": ["e6", "e8"]}
    three = side_by_side(BASE, ALIGNED, 3).examples["only_aligned_good"]
    assert [r.example_id for r in three] == ["e3", "e5", "e9"]


def test_threshold_moves_borderline_answers() -> None:
    counts = side_by_side(BASE, ALIGNED, threshold=0.35).counts
    assert counts == {"both_good": 2, "only_unaligned_good": 2, "only_aligned_good": 3,
                      "both_fail": 2}


def test_items_must_match() -> None:
    with pytest.raises(ValueError, match="e1 \\(base\\) vs e2"):
        side_by_side(BASE[:1], ALIGNED[1:2])
    with pytest.raises(ValueError, match="9 base answers, 8 aligned"):
        side_by_side(BASE, ALIGNED[:-1])
