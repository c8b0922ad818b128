"""Judge calibration: the gold file, agreement with people (hand-computed), and stability of
verdicts under reworded rubrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from alignment_studio.auditors.calibration import (
    RUBRIC_VARIANTS,
    GoldItem,
    agreement,
    calibrate,
    gold_inputs,
    gold_template,
    load_gold,
    malformed_count,
    stability,
    write_gold,
)
from alignment_studio.auditors.judges import (
    CRITERIA,
    DEFAULT_RUBRIC,
    Judge,
    JudgeInput,
    JudgeVerdict,
)
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import (
    Example,
    ItemResult,
    Kind,
    Label,
    Message,
    Modality,
    Policy,
    Provenance,
)

CASH = "Employees must never accept cash or cash equivalents from suppliers."
POLICIES = {"gifts-1": Policy(id="gifts-1", text=CASH, modality=Modality.prohibition,
                              section_id="gifts")}


def gold(i: int, verdict: str, answer: str = "No.") -> GoldItem:
    return GoldItem(item_id=f"g{i}", question="May I keep a gift card?", answer=answer,
                    policy_ids=["gifts-1"], verdict=verdict)  # type: ignore[arg-type]


def said(i: int, verdict: str | None) -> JudgeVerdict:
    if verdict is None:
        return JudgeVerdict(item_id=f"g{i}", error="no JSON object found")
    return JudgeVerdict(item_id=f"g{i}", verdict=verdict,  # type: ignore[arg-type]
                        scores=dict.fromkeys(CRITERIA, 3))


# --- agreement ----------------------------------------------------------------------------

HUMAN = ["pass"] * 6 + ["fail"] * 4
JUDGE = ["pass", "pass", "pass", "pass", "fail", None, "pass", "fail", "fail", "fail"]


def test_agreement_matches_a_hand_computation() -> None:
    # agree on items 0-3 and 7-9: p_o = 7/10 = 0.7 (item 5 is malformed: a disagreement).
    # judge labels: pass 5, fail 4, malformed 1; human: pass 6, fail 4.
    # p_e = (5*6 + 4*4 + 1*0) / 100 = 0.46; kappa = (0.7 - 0.46) / (1 - 0.46) = 0.4444
    golds = [gold(i, h) for i, h in enumerate(HUMAN)]
    verdicts = [said(i, j) for i, j in enumerate(JUDGE)]
    result = agreement(verdicts, golds, n_boot=500)
    assert result.n == 10 and result.accuracy.n == 10
    assert result.accuracy.value == pytest.approx(0.7)
    assert result.kappa.value == pytest.approx(0.24 / 0.54)
    assert malformed_count(verdicts, golds) == 1
    assert result.flip_rate is None


def test_bootstrap_intervals_contain_the_point_estimates_and_are_seeded() -> None:
    golds = [gold(i, h) for i, h in enumerate(HUMAN)]
    verdicts = [said(i, j) for i, j in enumerate(JUDGE)]
    result = agreement(verdicts, golds, n_boot=500, seed=3)
    for score in (result.accuracy, result.kappa):
        assert score.ci is not None and score.ci.method == "bootstrap"
        assert score.ci.low <= score.value <= score.ci.high
        assert score.ci.low < score.ci.high  # ten items cannot pin agreement down
    assert agreement(verdicts, golds, n_boot=500, seed=3) == result


def test_a_malformed_verdict_lowers_agreement_instead_of_being_dropped() -> None:
    golds = [gold(0, "pass"), gold(1, "fail")]
    perfect = agreement([said(0, "pass"), said(1, "fail")], golds, n_boot=50)
    broken = agreement([said(0, "pass"), said(1, None)], golds, n_boot=50)
    assert perfect.accuracy.value == 1.0 and broken.accuracy.value == 0.5
    assert broken.n == 2


def test_agreement_needs_a_verdict_for_every_gold_item() -> None:
    with pytest.raises(ValueError, match="g1"):
        agreement([said(0, "pass")], [gold(0, "pass"), gold(1, "fail")])


# --- stability ----------------------------------------------------------------------------

def answer_of(prompt: str) -> str:
    return prompt.split("<answer>\n")[1].split("\n</answer>")[0]


def grader(flip_on: str, break_on: str | None = None) -> FakeBackend:
    """Passes every answer, except: answers mentioning 'gift' fail when the prompt has
    ``flip_on`` (one variant's preamble); under ``break_on`` it writes no JSON at all."""
    def respond(messages: Sequence[Message]) -> str:
        prompt = messages[-1].content
        if break_on and break_on in prompt:
            return "I would rather not grade this."
        flips = flip_on in prompt and "gift" in answer_of(prompt)
        return json.dumps({**dict.fromkeys(CRITERIA, 4), "verdict": "fail" if flips else "pass"})
    return FakeBackend(responder=respond)


ANSWERS = ["No, a gift card is cash.", "Ask your manager first.", "Decline the gift politely.",
           "Report it to compliance."]


def items() -> list[JudgeInput]:
    return [JudgeInput(item_id=f"i{k}", answer=a, policies=[("gifts-1", CASH)],
                       messages=[Message(role="user", content="What should I do?")])
            for k, a in enumerate(ANSWERS)]


def test_at_least_three_rewordings_with_the_same_criteria() -> None:
    assert len(RUBRIC_VARIANTS) >= 3
    names = {v.name for v in RUBRIC_VARIANTS} | {DEFAULT_RUBRIC.name}
    assert len(names) == len(RUBRIC_VARIANTS) + 1
    judge = Judge(FakeBackend())
    rendered = {judge.with_rubric(v).prompt(items()[0]) for v in RUBRIC_VARIANTS}
    assert len(rendered | {judge.prompt(items()[0])}) == len(RUBRIC_VARIANTS) + 1
    for variant in RUBRIC_VARIANTS:
        assert sorted(c.name for c in variant.criteria) == sorted(CRITERIA)
        assert [c.name for c in variant.criteria] != list(CRITERIA)  # reordered too


def test_flip_rate_is_hand_computed_from_a_grader_that_flips_on_one_variant() -> None:
    terse = next(v for v in RUBRIC_VARIANTS if v.name == "terse")
    # 4 items x 3 variants = 12 comparisons; only the terse variant flips, and only the two
    # answers that mention a gift (items 0 and 2): 2 flips of 12.
    score = stability(Judge(grader(terse.preamble)), items())
    assert score.metric == "flip_rate" and score.n == 12
    assert score.value == pytest.approx(2 / 12)
    assert score.ci == wilson(2, 12)


def test_malformed_variant_verdicts_are_left_out_of_the_flip_rate() -> None:
    terse = next(v for v in RUBRIC_VARIANTS if v.name == "terse")
    auditor = next(v for v in RUBRIC_VARIANTS if v.name == "auditor")
    # the auditor variant never parses: 4 items x 2 usable variants = 8, still 2 flips
    score = stability(Judge(grader(terse.preamble, break_on=auditor.preamble)), items())
    assert (score.n, score.value) == (8, pytest.approx(2 / 8))


# --- the gold file ------------------------------------------------------------------------

GOOD_ROW = {"item_id": "g1", "question": "May I keep a gift card?", "answer": "No.",
            "policy_ids": ["gifts-1"], "verdict": "pass"}


def gold_file(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "gold.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("bad", "problem"), [
    ('{"item_id": "g2", "answer": ', "not valid JSON"),
    ('["a", "list"]', "one JSON object"),
    ({**GOOD_ROW, "item_id": "g2", "answer": None}, "answer"),
    ({k: v for k, v in GOOD_ROW.items() if k != "answer"} | {"item_id": "g2"},
     "missing field 'answer'"),
    ({**GOOD_ROW, "item_id": "g2", "verdict": "ok"}, "verdict must be pass or fail, not 'ok'"),
    ({**GOOD_ROW, "item_id": "g2", "verdict": ""}, "verdict is empty"),
    ({k: v for k, v in GOOD_ROW.items() if k != "verdict"} | {"item_id": "g2"},
     "verdict is empty"),
    ({**GOOD_ROW, "item_id": "g2", "policy_ids": ["gifts-1", "travel-9"]},
     "unknown policy ID(s): travel-9"),
    ({k: v for k, v in GOOD_ROW.items() if k != "question"} | {"item_id": "g2"},
     "needs a question"),
    (GOOD_ROW, "item_id 'g1' repeats line 1"),
    ({**GOOD_ROW, "item_id": "g2", "scores": {"compliance": 6}}, "must be 1..5"),
    ({**GOOD_ROW, "item_id": "g2", "score": 3}, "unknown field 'score'"),
])
def test_gold_loader_errors_name_file_and_line(tmp_path: Path, bad: object, problem: str) -> None:
    path = gold_file(tmp_path, GOOD_ROW, bad)
    with pytest.raises(StudioError) as caught:
        load_gold(path, POLICIES)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_gold_loader_accepts_messages_and_case_and_skips_blank_lines(tmp_path: Path) -> None:
    row = {**GOOD_ROW, "item_id": "g2", "question": None, "verdict": " FAIL ", "note": "vague",
           "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}
    path = gold_file(tmp_path, GOOD_ROW, "", row)
    first, second = load_gold(path, POLICIES)
    assert first.verdict == "pass" and first.conversation() == [
        Message(role="user", content="May I keep a gift card?")]
    assert second.verdict == "fail" and [m.content for m in second.conversation()] == ["s", "u"]
    # unknown policy IDs are only checked against policies when they are given
    other = gold_file(tmp_path, {**GOOD_ROW, "policy_ids": ["elsewhere-1"]})
    assert load_gold(other)[0].policy_ids == ["elsewhere-1"]


def test_missing_or_empty_gold_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="gold set not found"):
        load_gold(tmp_path / "none.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(StudioError, match="empty"):
        load_gold(empty)


def test_a_template_round_trips_and_is_refused_until_a_person_fills_it(tmp_path: Path) -> None:
    examples = [
        Example(id="e1", kind=Kind.instruction, target="No, never [gifts-1].",
                messages=[Message(role="user", content="May I keep a gift card?")],
                policy_ids=["gifts-1"], provenance=Provenance(source="seed")),
        Example(id="e2", kind=Kind.scenario, target="violating", label=Label.violating,
                messages=[Message(role="system", content="Cite IDs."),
                          Message(role="user", content="Dana took cash.")],
                policy_ids=["gifts-1"], provenance=Provenance(source="seed"))]
    results = [ItemResult(example_id=e.id, policy_ids=e.policy_ids, kind=e.kind.value,
                          expected="x", output=f"answer to {e.id}") for e in examples]
    rows = gold_template(results, examples, prefix="aligned:")
    assert [r.item_id for r in rows] == ["aligned:e1", "aligned:e2"]
    assert rows[0].question == "May I keep a gift card?" and rows[0].messages is None
    assert rows[1].messages == examples[1].messages and rows[1].expected_label == Label.violating
    path = tmp_path / "gold.jsonl"
    write_gold(path, rows)
    assert json.loads(path.read_text().splitlines()[0])["verdict"] == ""
    with pytest.raises(StudioError, match=rf"^{path}:1: verdict is empty"):
        load_gold(path, POLICIES)
    write_gold(path, [r.model_copy(update={"verdict": v}) for r, v in zip(rows, ["pass", "fail"],
                                                                          strict=True)])
    loaded = load_gold(path, POLICIES)
    assert [g.verdict for g in loaded] == ["pass", "fail"]
    assert loaded[1].conversation() == examples[1].messages
    assert loaded[0].answer == "answer to e1" and loaded[0].reference == "No, never [gifts-1]."
    with pytest.raises(ValueError, match="e3"):
        gold_template([results[0].model_copy(update={"example_id": "e3"})], examples)


def test_calibrate_judges_the_gold_items_and_reports_agreement_and_flip_rate() -> None:
    terse = next(v for v in RUBRIC_VARIANTS if v.name == "terse")
    # the grader passes everything except gift answers under the terse wording
    humans = ["pass", "fail", "pass", "fail"]
    golds = [gold(k, h, answer=a) for k, (h, a) in enumerate(zip(humans, ANSWERS, strict=True))]
    assert gold_inputs(golds, POLICIES)[0].policies == [("gifts-1", CASH)]
    judge = Judge(grader(terse.preamble))
    result = calibrate(judge, golds, POLICIES, n_boot=200)
    # judge: pass x4 under the default rubric; agrees on items 0 and 2 -> accuracy 0.5;
    # p_e = (4*2 + 0*2) / 16 = 0.5, p_o = 0.5 -> kappa 0
    assert result.accuracy.value == pytest.approx(0.5) and result.kappa.value == pytest.approx(0)
    assert result.flip_rate is not None and result.flip_rate.value == pytest.approx(2 / 12)
    assert judge.cost.items == 4 * (1 + len(RUBRIC_VARIANTS))
    with pytest.raises(StudioError, match="gold item g0 cites unknown policy ID"):
        gold_inputs(golds, {})
