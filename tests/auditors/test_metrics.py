from __future__ import annotations

import pytest

from alignment_studio.auditors.compare import findings, per_policy, summarise
from alignment_studio.auditors.metrics import lcs_length, rouge_l
from alignment_studio.types import ItemResult, Modality, Policy


def test_rouge_l_against_hand_computed_values() -> None:
    # LCS("the cat sat on the mat", "the cat on a mat") = the cat on mat = 4
    assert lcs_length("the cat sat on the mat".split(), "the cat on a mat".split()) == 4
    p, r = 4 / 6, 4 / 5
    assert rouge_l("The cat sat on the mat.", "the cat on a mat") == pytest.approx(
        2 * p * r / (p + r))
    assert rouge_l("same words here", "Same words, here!") == 1.0
    assert rouge_l("", "anything") == 0.0


def item(eid: str, pid: str, correct: bool | None = None, rl: float | None = None,
         source: str = "structure") -> ItemResult:
    return ItemResult(example_id=eid, policy_ids=[pid], kind="scenario" if rl is None else
                      "instruction", expected="x", output="y", correct=correct, rouge_l=rl,
                      source=source)


def test_summary_per_policy_and_findings() -> None:
    base = [item("1", "a", True), item("2", "a", False), item("3", "b", rl=0.5),
            item("4", "b", rl=0.5, source="seed")]
    aligned = [item("1", "a", False), item("2", "a", True), item("3", "b", rl=0.2),
               item("4", "b", rl=0.6, source="seed")]
    scores = {s.metric: s for s in summarise(aligned)}
    assert scores["scenario_accuracy"].value == 0.5 and scores["scenario_accuracy"].n == 2
    assert scores["answer_rouge_l"].value == pytest.approx(0.4)
    assert scores["expert_rouge_l"].value == pytest.approx(0.6)
    assert scores["expert_rouge_l"].n == 1
    policies = {pid: Policy(id=pid, text=pid.upper(), modality=Modality.obligation,
                            section_id="s") for pid in ("b", "a")}
    rows = per_policy(base, aligned, policies)
    assert [r.policy_id for r in rows] == ["b", "a"]  # document order
    found = findings(base, aligned)
    assert [(f.example_id, f.kind) for f in found] == [("1", "wrong verdict"),
                                                       ("3", "less faithful answer")]
    assert found[0].note == "base was right"
