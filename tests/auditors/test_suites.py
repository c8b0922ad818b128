"""The domain suites on a hand-scored set of ten answers, and the metrics they rest on."""

from __future__ import annotations

import pytest

from alignment_studio.auditors.evaluate import score_item
from alignment_studio.auditors.metrics import asks_for_info, completeness
from alignment_studio.auditors.suites import (
    SCENARIO,
    confusion,
    macro_f1,
    per_policy_suites,
    score_item_full,
    suite_scores,
)
from alignment_studio.core.answers import cited_policy_ids
from alignment_studio.core.text import content_words
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import Example, ItemResult, Kind, Label, Message, Provenance, Score

A, B = "doc/a/p-1", "doc/b/p-2"
KNOWN = [A, B, "doc/c/p-3"]


def scenario(i: int, policy: str, label: Label) -> Example:
    return Example(id=f"s{i}", kind=Kind.scenario, label=label, target=f"{label.value}: why",
                   messages=[Message(role="user", content=f"situation {i}")],
                   policy_ids=[policy], provenance=Provenance(source="structure"))


def question(i: int, policy: str, target: str, source: str) -> Example:
    return Example(id=f"q{i}", kind=Kind.instruction, target=target,
                   messages=[Message(role="user", content=f"question {i}")],
                   policy_ids=[policy], provenance=Provenance(source=source))


# (example, answer); the comment says what the suites should read in it.
ITEMS: list[tuple[Example, str]] = [
    (scenario(1, A, Label.compliant), f"compliant: fine [{A}]"),             # right, cites
    (scenario(2, A, Label.compliant), "violating: no"),                      # wrong
    (scenario(3, A, Label.violating),
     f"violating: cash is forbidden [{A}] [doc/z/p-9]"),                     # right, 1 of 2 IDs
    (scenario(4, A, Label.violating), "Paris is nice."),                     # no verdict
    (scenario(5, B, Label.needs_info), "Which vendor was it?"),              # asks, no verdict
    (scenario(6, B, Label.needs_info), f"needs_info: amount unknown [{B}]"),  # right, asks
    (scenario(7, B, Label.needs_info), "violating, could you tell me more?"),  # guessed first
    (question(8, A, f"Gifts of cash are never allowed [{A}]", "seed"),
     f"Cash gifts are never allowed. [{A}]"),
    (question(9, B, f"Report incidents to the security team within one hour [{B}]", "teacher"),
     "I'm sorry, but I can't help with that."),                             # refusal
    (question(10, A, f"Use a password manager [{A}]", "seed"),
     f"Use a password manager, see [{B}] and [{A}]"),                        # 1 of 2 IDs
]
ROUGE_8 = 128 / 152   # LCS 8 of 9 answer and 10 reference tokens
ROUGE_10 = 16 / 22    # LCS 8 of 14 answer and 8 reference tokens


@pytest.fixture(scope="module")
def results() -> list[ItemResult]:
    return [score_item_full(example, output, KNOWN) for example, output in ITEMS]


def by_metric(scores: list[Score]) -> dict[str, Score]:
    return {s.metric: s for s in scores}


def test_full_scoring_keeps_score_item_and_fills_the_new_fields(results: list[ItemResult]
                                                                 ) -> None:
    for (example, output), full in zip(ITEMS, results, strict=True):
        plain = score_item(example, output)
        assert (full.correct, full.rouge_l, full.cited) == (plain.correct, plain.rouge_l,
                                                            plain.cited)
    assert [r.predicted for r in results] == [
        "compliant", "violating", "violating", None, None, "needs_info", "violating",
        None, None, None]
    assert [r.asks_for_info for r in results[4:7]] == [True, True, False]
    assert [r.refused for r in results] == [False] * 8 + [True, False]
    assert results[2].cited_ids == [A, "doc/z/p-9"]
    assert results[9].cited_ids == [B, A]
    assert all(r.judge == {} for r in results)


def test_confusion_counts_expected_against_predicted_with_none(results: list[ItemResult]
                                                                ) -> None:
    assert confusion(results) == {
        "compliant": {"compliant": 1, "violating": 1, "needs_info": 0, "none": 0},
        "violating": {"compliant": 0, "violating": 1, "needs_info": 0, "none": 1},
        "needs_info": {"compliant": 0, "violating": 1, "needs_info": 1, "none": 1},
    }


def test_macro_f1_by_hand() -> None:
    matrix = {"compliant": {"compliant": 1, "violating": 1, "needs_info": 0, "none": 0},
              "violating": {"compliant": 0, "violating": 1, "needs_info": 0, "none": 1},
              "needs_info": {"compliant": 0, "violating": 1, "needs_info": 1, "none": 1}}
    # F1 = 2TP / (2TP + FP + FN): compliant 2/3, violating 2/5, needs_info 2/4
    assert macro_f1(matrix) == pytest.approx((2 / 3 + 2 / 5 + 2 / 4) / 3)
    only_compliant = {row: dict.fromkeys(matrix[row], 0) for row in matrix}
    only_compliant["compliant"]["compliant"] = 3  # labels never seen are not averaged in
    assert macro_f1(only_compliant) == 1.0


def test_suite_scores_by_hand(results: list[ItemResult]) -> None:
    scores = by_metric(suite_scores(results, n_boot=200))
    expected = {
        "guardian_accuracy": (3 / 7, 7),  # every scenario here has its clause in the prompt
        "scenario_accuracy": (3 / 7, 7),
        "scenario_macro_f1": ((2 / 3 + 2 / 5 + 2 / 4) / 3, 7),
        "answer_rouge_l": ((ROUGE_8 + 0.0 + ROUGE_10) / 3, 3),
        "expert_rouge_l": ((ROUGE_8 + ROUGE_10) / 2, 2),
        # reference content words: {gifts, cash, never, allowed} all said; the refusal says
        # none of {report, incidents, security, team, one, hour}; {use, password, manager} all
        "answer_completeness": (2 / 3, 3),
        "needs_info_asks": (2 / 3, 3),
        "over_refusal": (1 / 3, 3),
        # citing answers: items 1, 3 (1 of 2), 6, 8, 10 (1 of 2)
        "citation_precision": ((1 + 0.5 + 1 + 1 + 0.5) / 5, 5),
        "citation_recall": (5 / 10, 10),
        "citation_exact": (3 / 10, 10),
        "citation_rate": (5 / 10, 10),
    }
    assert list(scores) == list(expected)
    for metric, (value, n) in expected.items():
        assert scores[metric].value == pytest.approx(value), metric
        assert scores[metric].n == n, metric
        ci = scores[metric].ci
        assert ci is not None and ci.low <= value + 1e-9 and value - 1e-9 <= ci.high, metric
    assert scores["scenario_accuracy"].ci == wilson(3, 7)
    assert scores["over_refusal"].ci == wilson(1, 3)
    assert scores["answer_rouge_l"].ci is not None
    assert scores["answer_rouge_l"].ci.method == "bootstrap"


def test_per_policy_and_empty_suites(results: list[ItemResult]) -> None:
    per = {pid: by_metric(s) for pid, s in per_policy_suites(results, n_boot=50).items()}
    assert set(per) == {A, B}
    assert per[A]["scenario_accuracy"].value == pytest.approx(2 / 4)
    assert per[B]["scenario_accuracy"].value == pytest.approx(1 / 3)
    assert "needs_info_asks" not in per[A]  # no needs_info scenario of policy A
    assert per[B]["over_refusal"].value == 1.0
    assert suite_scores([]) == []
    only_answers = by_metric(suite_scores(results[7:], n_boot=50))
    assert "scenario_accuracy" not in only_answers and "over_refusal" in only_answers


@pytest.mark.parametrize(("text", "asks"), [
    ("Which vendor was it?", True),
    ("What is the value of the gift? If it is over 20 dollars, it is violating.", True),
    ("Did you get approval from your supervisor first?", True),
    ("Could you tell me whether a bid is open?", True),
    ("I need to know the amount before deciding.", True),
    ("It depends on who paid for the trip.", True),
    ("needs_info: the value of the gift is unknown", True),
    ("Violating. Could you tell me more?", False),       # guessed before asking
    ("Can Dana accept the gift? No, it is not allowed.", False),  # rhetorical, no 'you'
    ("Does the situation comply with the policy? Compliant.", False),  # the prompt echoed
    ("compliant: she asked first", False),
    ("", False),
])
def test_asks_for_info(text: str, asks: bool) -> None:
    assert asks_for_info(text) is asks


def test_cited_policy_ids_are_whole_ids_in_order_of_mention() -> None:
    known = [A, B, "doc/a/p-12"]
    text = f"See ({B}), then [ {A} ]; {B} again. Not doc/a/p-123 or {A}x."
    assert cited_policy_ids(text, known) == [B, A]
    assert cited_policy_ids("Per doc/a/p-12.", known) == ["doc/a/p-12"]
    assert cited_policy_ids("[made/up/p-9] and [and/or] and [x/y]", known) == ["made/up/p-9"]
    assert cited_policy_ids("no citation", known) == []
    assert cited_policy_ids(f"{A}", []) == []


def test_completeness_is_recall_of_content_words() -> None:
    assert content_words("The gift is not allowed") == ["gift", "allowed"]
    reference = "Employees must report the incident within one hour [doc/a/p-1]"
    # content words: employees, report, incident, one, hour (the citation is ignored)
    assert completeness("Report the incident.", reference) == pytest.approx(2 / 5)
    assert completeness("employees report incident one hour", reference) == 1.0
    assert completeness("doc a p 1", reference) == 0.0
    assert completeness("anything", "the [doc/a/p-1]") == 1.0


def test_closed_book_items_are_scored_apart_with_the_majority_floor(
        results: list[ItemResult]) -> None:
    closed = [r.model_copy(update={"book": "closed"}) for r in results if r.kind == SCENARIO]
    scores = by_metric(suite_scores([*closed, *results], n_boot=50))
    # the 7 scenarios again, closed book: 3 right; labels 2 compliant, 2 violating, 3 needs_info
    assert scores["closed_book_accuracy"].value == pytest.approx(3 / 7)
    assert scores["closed_book_accuracy"].n == 7
    assert scores["closed_book_majority"].value == pytest.approx(3 / 7)
    assert scores["closed_book_macro_f1"].value == pytest.approx((2 / 3 + 2 / 5 + 2 / 4) / 3)
    assert scores["guardian_accuracy"].n == 7 and scores["scenario_accuracy"].n == 14
    assert "closed_book_accuracy" not in by_metric(suite_scores(results, n_boot=50))


def test_choice_verdicts_are_scored_beside_the_greedy_ones(results: list[ItemResult]) -> None:
    # the 7 scenarios closed book, each with a likelihood choice: all right but the last
    chosen = ["compliant", "compliant", "violating", "violating", "needs_info", "needs_info",
              "compliant"]
    closed = [r.model_copy(update={"book": "closed", "choice": c})
              for r, c in zip([r for r in results if r.kind == SCENARIO], chosen, strict=True)]
    scores = by_metric(suite_scores([*closed, *results], n_boot=50))
    assert scores["closed_book_choice_accuracy"].value == pytest.approx(6 / 7)
    assert scores["closed_book_accuracy"].value == pytest.approx(3 / 7)  # greedy unchanged
    # compliant TP2 FP1 FN0, violating TP2, needs_info TP2 FN1
    assert scores["closed_book_choice_macro_f1"].value == pytest.approx((4 / 5 + 1 + 4 / 5) / 3)
    assert scores["scenario_choice_accuracy"].n == 7  # the guardian copies have no choice
    assert "guardian_choice_accuracy" not in scores
    assert "closed_book_choice_accuracy" not in by_metric(suite_scores(results, n_boot=50))


def test_calibrated_choice_reads_the_ranking_without_the_label_prior() -> None:
    """A model that finds "violating" likeliest for every situation, but less so for the
    compliant ones: plain choice says violating throughout; batch calibration recovers the
    ranking, and without any label of the batch."""
    from alignment_studio.core.answers import calibrated_labels, chosen_label

    # rows: (compliant, Compliant, violating, Violating, needs_info, Needs_info) log-likelihoods
    def row(compliant: float, violating: float) -> list[float]:
        return [compliant, -50.0, violating, -50.0, -9.0, -50.0]

    rows = [row(-3.0, -1.0), row(-3.0, -1.2), row(-1.6, -1.5), row(-1.5, -1.4)]
    assert {chosen_label(r).value for r in rows} == {"violating"}
    assert [x.value for x in calibrated_labels(rows)] == ["violating", "violating", "compliant",
                                                          "compliant"]
    assert calibrated_labels([]) == []
    # calibrated on other questions (training ones) instead of the batch: their prior for
    # "violating" is taken out of each row, whatever the batch holds
    reference = [row(-3.0, -1.0), row(-3.0, -1.2)]
    assert [x.value for x in calibrated_labels(rows[2:3], reference)] == ["compliant"]
    assert [x.value for x in calibrated_labels(rows[:1], reference)] == ["violating"]
    nothing = [[-float("inf")] * 6]  # no finite reference: the plain choice
    assert [x.value for x in calibrated_labels(rows[2:3], nothing)] == ["violating"]


def test_anchored_verdicts_are_scored_for_closed_book_items_only(
        results: list[ItemResult]) -> None:
    chosen = ["compliant", "violating", "violating", "violating", "needs_info", "needs_info",
              "violating"]  # two of seven wrong
    closed = [r.model_copy(update={"book": "closed", "anchored": c})
              for r, c in zip([r for r in results if r.kind == SCENARIO], chosen, strict=True)]
    scores = by_metric(suite_scores([*closed, *results], n_boot=50))
    assert scores["closed_book_anchored_accuracy"].value == pytest.approx(5 / 7)
    assert scores["closed_book_anchored_accuracy"].n == 7
    assert "closed_book_anchored_macro_f1" in scores
    assert "closed_book_anchored_accuracy" not in by_metric(suite_scores(results, n_boot=50))


def test_calibrated_verdicts_are_scored_beside_the_plain_choice(
        results: list[ItemResult]) -> None:
    chosen = ["compliant", "compliant", "violating", "violating", "needs_info", "needs_info",
              "compliant"]
    closed = [r.model_copy(update={"book": "closed", "calibrated": c})
              for r, c in zip([r for r in results if r.kind == SCENARIO], chosen, strict=True)]
    scores = by_metric(suite_scores([*closed, *results], n_boot=50))
    assert scores["closed_book_calibrated_accuracy"].value == pytest.approx(6 / 7)
    assert "closed_book_choice_accuracy" not in scores
    assert "guardian_calibrated_accuracy" not in scores
