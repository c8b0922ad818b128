"""A compact, non-LLM policy-violation detector and its four uses.

After "Detectors for Safe and Reliable LLMs" (arXiv 2403.06009): a small classifier over
sentence embeddings, trained on the Framers' scenario and preference data, serves as a judge of
scenario answers, a runtime guard on input and output, a reward, and (through
``predict_proba``) a data filter. It is an L2-regularised logistic regression fitted in numpy by
Newton's method with conjugate gradients: deterministic, seconds to train, and no GPU.

One detector or two: ``training_texts`` can give the input side (scenario situations: does what
the user describes breach a policy?), the output side (assistant answers: does the answer
endorse or misstate a breach?) or both. The two sides differ in wording and in what "violating"
means, so the guard takes an input detector and, optionally, a separate output detector; a
single detector trained on ``side="both"`` serves both when one artifact is preferred.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.answers import is_refusal, parse_label, strip_citations
from alignment_studio.core.errors import StudioError
from alignment_studio.guard.embeddings import Embedder, FloatArray, get_embedder
from alignment_studio.scoring.scorer import Decision, Sample
from alignment_studio.types import DatasetBundle, Kind, Label, Message, Split
from alignment_studio.types.guard import GuardDecision

Side = Literal["input", "output", "both"]
Action = Literal["block", "warn", "log"]
Array = npt.NDArray[np.float64]

FORMAT: Literal["alignment-studio-detector"] = "alignment-studio-detector"
META_FILE = "detector.json"
WEIGHTS_FILE = "detector.npz"
BLOCK_INPUT = ("I can't help with this request: it appears to breach the organisation's policy. "
               "Please check the relevant policy or ask your compliance contact.")
BLOCK_OUTPUT = ("I can't give that answer: it appears to breach the organisation's policy. "
                "Please check the relevant policy or ask your compliance contact.")
WARNING = "Note: this may breach the organisation's policy; check the relevant policy."
_SITUATION = re.compile(r"^Situation: (.*?)(?:\n\n|\Z)", re.S | re.M)
_BATCH = 256
log = logging.getLogger("alignment_studio.guard")


# --- training data ----------------------------------------------------------------------------

def last_user_turn(messages: Sequence[Message]) -> str:
    """The content of the last user message; a conversation without one cannot be screened."""
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    raise StudioError("the conversation has no user message to screen")


def situation_text(messages: Sequence[Message]) -> str:
    """What the detector reads on the input side: the situation of a scenario prompt (the
    policy text quoted above it is the same for compliant and violating items, so it is noise),
    or the whole last user turn of any other conversation."""
    turn = last_user_turn(messages)
    match = _SITUATION.search(turn)
    return match.group(1).strip() if match else turn.strip()


def answer_text(answer: str) -> str:
    """An answer without its policy-ID citations: the Framers' reference answers cite the clause
    and the rejected ones never do, so leaving the IDs in would teach "uncited means violating"
    instead of anything about the content."""
    return strip_citations(answer)


def _input_pairs(bundle: DatasetBundle, split: Split) -> list[tuple[str, int]]:
    """The user's own words (a closed-book twin repeats its guardian item's: kept once)."""
    return [(e.asked or situation_text(e.messages), int(e.label == Label.violating))
            for e in bundle.split(split) if e.kind == Kind.scenario and e.label is not None]


def _output_pairs(bundle: DatasetBundle, split: Split) -> list[tuple[str, int]]:
    """Chosen answers are 0, rejected ones 1, except rejected refusals: declining to answer is
    unhelpful, not a breach, and labelling it violating would make the guard flag refusals."""
    pairs: list[tuple[str, int]] = []
    for ex in bundle.split(split):
        if ex.kind != Kind.preference:
            continue
        if ex.chosen:
            pairs.append((answer_text(ex.chosen), 0))
        if ex.rejected and not is_refusal(ex.rejected):
            pairs.append((answer_text(ex.rejected), 1))
    return pairs


def training_texts(bundle: DatasetBundle, split: Split = Split.train, side: Side = "input",
                   ) -> tuple[list[str], list[int]]:
    """(texts, labels) with 1 = violating, 0 = compliant or needs_info, for one side.

    Exact repeats (a chosen answer shared by two preference pairs) are kept once, in first-seen
    order, so the data set's order decides the result and nothing else."""
    pairs: list[tuple[str, int]] = []
    if side in ("input", "both"):
        pairs += _input_pairs(bundle, split)
    if side in ("output", "both"):
        pairs += _output_pairs(bundle, split)
    unique = list(dict.fromkeys(p for p in pairs if p[0]))
    return [t for t, _ in unique], [y for _, y in unique]


# --- logistic regression ----------------------------------------------------------------------

class Design:
    """The (N, D) feature matrix, coordinate-compressed when it is sparse (hashed TF-IDF rows
    have a few dozen non-zeros in 16k columns): products then cost O(non-zeros), not O(N * D).
    Blocks are compressed one at a time as they arrive, so a large training set never sits in
    memory as a dense matrix."""

    def __init__(self, blocks: Iterable[FloatArray]):
        rows: list[npt.NDArray[np.intp]] = []
        cols: list[npt.NDArray[np.intp]] = []
        values: list[FloatArray] = []
        dense: list[tuple[int, FloatArray]] = []
        offset, width = 0, 0
        for block in blocks:  # (B, D) each
            width = block.shape[1]
            if np.count_nonzero(block) < 0.1 * block.size:
                r, c = np.nonzero(block)
                rows.append(r + offset)
                cols.append(c)
                values.append(block[r, c])
            else:
                dense.append((offset, block))
            offset += len(block)
        self.shape = (offset, width)
        self.sparse = not dense and offset > 0
        self.rows = np.concatenate(rows) if rows else np.zeros(0, np.intp)
        self.cols = np.concatenate(cols) if cols else np.zeros(0, np.intp)
        self.values = (np.concatenate(values) if values else np.zeros(0)).astype(np.float64)
        if not self.sparse:  # some block was dense (MiniLM): one dense matrix for all
            self.dense = np.zeros(self.shape)
            self.dense[self.rows, self.cols] = self.values
            for at, block in dense:
                self.dense[at:at + len(block)] = block

    @classmethod
    def from_texts(cls, embedder: Embedder, texts: Sequence[str]) -> Design:
        """Embedded batch by batch, each batch compressed before the next is embedded."""
        return cls(embedder.embed(texts[start:start + _BATCH])
                   for start in range(0, len(texts), _BATCH))

    def matvec(self, v: Array) -> Array:
        """X @ v, shape (N,)."""
        if not self.sparse:
            return self.dense @ v
        return np.asarray(np.bincount(self.rows, weights=self.values * v[self.cols],
                                      minlength=self.shape[0]), dtype=np.float64)

    def rmatvec(self, u: Array) -> Array:
        """X.T @ u, shape (D,)."""
        if not self.sparse:
            return self.dense.T @ u
        return np.asarray(np.bincount(self.cols, weights=self.values * u[self.rows],
                                      minlength=self.shape[1]), dtype=np.float64)


class _Problem:
    """Class-weighted mean log-loss plus (l2 / 2) * |w|^2 (the bias is not penalised), with its
    gradient and Hessian-vector products; parameters are ``theta = [w..., b]``."""

    def __init__(self, x: Design, y: Array, weights: Array, l2: float):
        self.x, self.y, self.l2 = x, y, l2
        self.c = weights / weights.sum()

    def logits(self, theta: Array) -> Array:
        return self.x.matvec(theta[:-1]) + theta[-1]

    def loss(self, theta: Array) -> float:
        z = self.logits(theta)
        data = float(self.c @ (np.logaddexp(0.0, z) - self.y * z))
        return data + 0.5 * self.l2 * float(theta[:-1] @ theta[:-1])

    def gradient(self, theta: Array) -> tuple[Array, Array]:
        """(gradient, per-item Hessian weights c * p * (1 - p))."""
        p = _sigmoid(self.logits(theta))
        r = self.c * (p - self.y)
        grad = np.append(self.x.rmatvec(r) + self.l2 * theta[:-1], r.sum())
        return grad, self.c * p * (1 - p)

    def hess_vec(self, s: Array, v: Array) -> Array:
        u = s * (self.x.matvec(v[:-1]) + v[-1])
        return np.append(self.x.rmatvec(u) + self.l2 * v[:-1], u.sum())


def _sigmoid(z: Array) -> Array:
    return np.exp(-np.logaddexp(0.0, -z))


def _conjugate_gradient(problem: _Problem, s: Array, grad: Array, tol: float,
                        max_iter: int = 250) -> Array:
    """An approximate Newton step: solve H d = -g without forming H (D may be 16k)."""
    d = np.zeros_like(grad)
    r = -grad
    p = r.copy()
    rr = float(r @ r)
    for _ in range(max_iter):
        if rr <= tol * tol:
            break
        hp = problem.hess_vec(s, p)
        curvature = float(p @ hp)
        if curvature <= 0:
            break
        alpha = rr / curvature
        d += alpha * p
        r -= alpha * hp
        rr_next = float(r @ r)
        p = r + (rr_next / rr) * p
        rr = rr_next
    return d if d.any() else -grad


def fit_logistic(x: Design, y: Sequence[int], l2: float, max_iter: int = 100,
                 tol: float = 1e-6) -> tuple[Array, float]:
    """(weights, bias) of an L2-regularised logistic regression with class-balanced weights
    (each class carries half the loss, so 0.5 is the equal-cost threshold whatever the class
    ratio). Newton-CG with a backtracking line search: deterministic, and at the gradient
    tolerance within a handful of Newton steps (4-5 on the bundled example) because the
    objective is smooth and strongly convex."""
    target = np.asarray(y, dtype=np.float64)
    positives = target.sum()
    balance = np.where(target == 1, len(target) / (2 * positives),
                       len(target) / (2 * (len(target) - positives)))
    problem = _Problem(x, target, balance, l2)
    theta = np.zeros(x.shape[1] + 1)
    loss = problem.loss(theta)
    for _ in range(max_iter):
        grad, s = problem.gradient(theta)
        norm = float(np.linalg.norm(grad))
        if norm < tol:
            break
        step = _conjugate_gradient(problem, s, grad, min(0.5, norm ** 0.5) * norm)
        accepted = _line_search(problem, theta, step, loss, float(grad @ step))
        if accepted is None:
            break  # no decrease left at machine precision: converged as far as it can
        theta, loss = accepted
    return theta[:-1], float(theta[-1])


def _line_search(problem: _Problem, theta: Array, step: Array, loss: float,
                 slope: float) -> tuple[Array, float] | None:
    """Backtracking (Armijo) from the full Newton step, which is almost always accepted."""
    t = 1.0
    while t > 1e-10:
        candidate = theta + t * step
        value = problem.loss(candidate)
        if value <= loss + 1e-4 * t * slope:
            return candidate, value
        t *= 0.5
    return None


# --- the detector -----------------------------------------------------------------------------

class DetectorMeta(BaseModel):
    """What ``detector.json`` records beside the weights: enough to rebuild the embedder and to
    say what the detector was trained on."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["alignment-studio-detector"] = FORMAT
    version: Literal[1] = 1
    embedder: str
    dim: int
    l2: float
    threshold: float
    side: str = Field("", description="input, output or both, when known")
    trained_on: dict[str, int] = Field(default_factory=dict, description="texts, violating")


class ViolationDetector:
    """P(violating) for a text: embeddings, then class-balanced logistic regression.

    The decision threshold is a fixed 0.5 unless set: with balanced class weights 0.5 is where
    a missed violation and a false alarm cost the same, and a threshold tuned for F1 on the
    training texts would be tuned on probabilities the model has already overfitted.
    """

    def __init__(self, embedder: Embedder | str = "hashing", l2: float = 1e-3,
                 threshold: float = 0.5, side: str = ""):
        self.embedder = get_embedder(embedder) if isinstance(embedder, str) else embedder
        self.l2 = l2
        self.threshold = threshold
        self.side = side
        self.weights: Array | None = None
        self.bias = 0.0
        self.trained_on: dict[str, int] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> ViolationDetector:
        _check_labels(texts, labels)
        self.embedder = self.embedder.fit(texts)
        design = Design.from_texts(self.embedder, texts)
        self.weights, self.bias = fit_logistic(design, labels, self.l2)
        self.trained_on = {"texts": len(texts), "violating": int(sum(labels))}
        return self

    def predict_proba(self, texts: Sequence[str]) -> list[float]:
        """P(violating) per text, embedded in batches so memory stays flat."""
        if self.weights is None:
            raise StudioError("the detector is not trained: call fit() or load() first")
        out: list[float] = []
        for start in range(0, len(texts), _BATCH):
            x = self.embedder.embed(texts[start:start + _BATCH])
            out.extend(_sigmoid(x @ self.weights + self.bias).tolist())
        return out

    def predict(self, texts: Sequence[str], threshold: float | None = None) -> list[int]:
        cut = self.threshold if threshold is None else threshold
        return [int(p >= cut) for p in self.predict_proba(texts)]

    def save(self, folder: Path) -> None:
        if self.weights is None:
            raise StudioError("cannot save a detector that was never trained", folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {f"embedder_{k}": v for k, v in self.embedder.state().items()}
        arrays.update(weights=self.weights, bias=np.array([self.bias]))
        np.savez(folder / WEIGHTS_FILE, **arrays)
        meta = DetectorMeta(embedder=self.embedder.name, dim=len(self.weights), l2=self.l2,
                            threshold=self.threshold, side=self.side, trained_on=self.trained_on)
        (folder / META_FILE).write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ViolationDetector:
        meta = _read_meta(folder)
        arrays = _read_arrays(folder / WEIGHTS_FILE)
        state = {k.removeprefix("embedder_"): v.astype(np.float32) for k, v in arrays.items()
                 if k.startswith("embedder_")}
        weights = arrays.get("weights")
        if weights is None or weights.shape != (meta.dim,) or "bias" not in arrays:
            raise StudioError(f"weights do not match {META_FILE} (expected {meta.dim} "
                              "weights and a bias)", folder / WEIGHTS_FILE)
        detector = cls(get_embedder(meta.embedder, state), meta.l2, meta.threshold, meta.side)
        detector.weights, detector.bias = weights.astype(np.float64), float(arrays["bias"][0])
        detector.trained_on = meta.trained_on
        return detector


def _check_labels(texts: Sequence[str], labels: Sequence[int]) -> None:
    if len(texts) != len(labels):
        raise StudioError(f"detector: {len(texts)} texts but {len(labels)} labels")
    if any(y not in (0, 1) for y in labels):
        raise StudioError("detector: labels must be 1 (violating) or 0 (not violating)")
    if len(set(labels)) < 2:
        raise StudioError("detector: training needs both violating and non-violating texts, "
                          f"got {len(labels)} of one class")


def _read_meta(folder: Path) -> DetectorMeta:
    path = folder / META_FILE
    if not path.is_file():
        raise StudioError(f"not a detector folder (no {META_FILE})", folder)
    try:
        return DetectorMeta.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise StudioError(f"not a detector description: {where}: {first['msg']}", path) from None


def _read_arrays(path: Path) -> dict[str, Array]:
    if not path.is_file():
        raise StudioError(f"the detector's weights are missing ({path.name})", path.parent)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError) as exc:
        raise StudioError(f"unreadable detector weights: {exc}", path) from None


# --- evaluation -------------------------------------------------------------------------------

def _ranks(values: Array) -> Array:
    """1-based ranks with ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve as the Mann-Whitney rank statistic: the chance that a random
    violating text scores above a random non-violating one (ties count one half)."""
    y = np.asarray(labels)
    n_pos = int((y == 1).sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise StudioError("AUROC needs both violating and non-violating items")
    ranks = _ranks(np.asarray(scores, dtype=np.float64))
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_metrics(predicted: Sequence[int], labels: Sequence[int]) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of the violating class (0 where undefined)."""
    tp = sum(p == 1 and y == 1 for p, y in zip(predicted, labels, strict=True))
    fp = sum(p == 1 and y == 0 for p, y in zip(predicted, labels, strict=True))
    fn = sum(p == 0 and y == 1 for p, y in zip(predicted, labels, strict=True))
    correct = sum(p == y for p, y in zip(predicted, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": correct / len(labels) if labels else 0.0, "precision": precision,
            "recall": recall, "f1": f1}


def evaluate_detector(detector: ViolationDetector, texts: Sequence[str], labels: Sequence[int],
                      threshold: float | None = None) -> dict[str, float]:
    """Held-out figures: accuracy, precision, recall, F1 at the detector's threshold, AUROC
    (threshold-free), and the counts behind them."""
    _check_labels(texts, labels)
    scores = detector.predict_proba(texts)
    cut = detector.threshold if threshold is None else threshold
    figures = binary_metrics([int(p >= cut) for p in scores], labels)
    figures["auroc"] = auroc(scores, labels)
    figures["n"] = float(len(labels))
    figures["violating"] = float(sum(labels))
    return figures


# --- uses: judge, guard, reward ---------------------------------------------------------------

class BreachScreen:
    """The output detector as a scorer: a mark is flagged when the answer (its policy-ID
    citations removed) reads as endorsing a breach, P >= the detector's threshold."""

    name = "output detector"

    def __init__(self, detector: ViolationDetector):
        self.detector = detector

    def score(self, samples: Sequence[Sample]) -> list[Decision]:
        probabilities = self.detector.predict_proba([answer_text(s.answer) for s in samples])
        limit = self.detector.threshold
        return [Decision(s.item_id, p >= limit,
                         f"detector p={p:.2f} {'>=' if p >= limit else '<'} {limit:.2f}", p)
                for s, p in zip(samples, probabilities, strict=True)]


class DetectorVerdict(BaseModel):
    """The detector's grading of one answer to a scenario prompt."""

    model_config = ConfigDict(extra="forbid")
    passed: bool
    probability: float = Field(description="P(the situation is violating), per the detector")
    expected: Label | None = Field(description="violating, or None for 'not violating' "
                                   "(compliant and needs_info are both acceptable then)")
    answered: Label | None = Field(description="the verdict parsed from the answer")
    reason: str


class DetectorJudge:
    """Grades answers to scenario prompts without reference labels: the detector reads the
    situation, the answer's verdict is parsed, and the answer passes when both agree on whether
    the situation is a violation. For red-team and unlabelled prompts, where no reference exists.
    As a scorer, a mark is flagged when the answer passes.
    """

    name = "input detector"

    def __init__(self, detector: ViolationDetector, threshold: float | None = None):
        self.detector = detector
        self.threshold = detector.threshold if threshold is None else threshold

    def score(self, samples: Sequence[Sample]) -> list[Decision]:
        verdicts = self.judge_many([s.messages for s in samples], [s.answer for s in samples])
        return [Decision(s.item_id, v.passed, v.reason, v.probability)
                for s, v in zip(samples, verdicts, strict=True)]

    def judge(self, messages: Sequence[Message], answer: str) -> DetectorVerdict:
        return self.judge_many([messages], [answer])[0]

    def judge_many(self, conversations: Sequence[Sequence[Message]], answers: Sequence[str],
                   ) -> list[DetectorVerdict]:
        """One batched detector call for all the situations."""
        texts = [situation_text(m) for m in conversations]
        probabilities = self.detector.predict_proba(texts)
        return [self._verdict(p, a) for p, a in zip(probabilities, answers, strict=True)]

    def _verdict(self, probability: float, answer: str) -> DetectorVerdict:
        violating = probability >= self.threshold
        answered = parse_label(answer)
        expected = Label.violating if violating else None
        if answered is None:
            passed, reason = False, "the answer gives no verdict"
        else:
            passed = (answered == Label.violating) == violating
            reason = (f"answer says {answered.value}; detector says "
                      f"{'violating' if violating else 'not violating'} (p={probability:.2f})")
        return DetectorVerdict(passed=passed, probability=probability, expected=expected,
                               answered=answered, reason=reason)


class Guard:
    """A runtime guard on both sides of a conversation, for the serving API.

    ``detector`` screens inputs (the user's request); ``output_detector`` screens answers and
    defaults to the same detector, for one trained on ``side="both"``. Every flagged decision is
    logged to the ``alignment_studio.guard`` logger whatever the action."""

    def __init__(self, detector: ViolationDetector, threshold: float | None = None,
                 action: Action = "block", output_detector: ViolationDetector | None = None):
        if action not in ("block", "warn", "log"):
            raise StudioError(f"guard action must be block, warn or log, got '{action}'")
        self.detector = detector
        self.output_detector = output_detector or detector
        self.threshold = detector.threshold if threshold is None else threshold
        self.action: Action = action

    def check_input(self, messages: Sequence[Message]) -> GuardDecision:
        text = situation_text(messages)
        return self._decide("input", self.detector.predict_proba([text])[0], text)

    def check_output(self, messages: Sequence[Message], answer: str) -> GuardDecision:
        """Screens the answer alone (the request is the same for good and bad answers, so it
        carries no signal); ``messages`` names the request in the log."""
        probability = self.output_detector.predict_proba([answer_text(answer)])[0]
        return self._decide("output", probability, last_user_turn(messages))

    def _decide(self, stage: Literal["input", "output"], probability: float,
                request: str) -> GuardDecision:
        if probability < self.threshold:
            return GuardDecision(stage=stage, flagged=False, probability=probability,
                                 action="allow", message="")
        log.warning("guard flagged %s (p=%.3f, action=%s): %.200s", stage, probability,
                    self.action, request)
        message = {"block": BLOCK_INPUT if stage == "input" else BLOCK_OUTPUT,
                   "warn": WARNING, "log": ""}[self.action]
        return GuardDecision(stage=stage, flagged=True, probability=probability,
                             action=self.action, message=message)


class GuardedAnswer(BaseModel):
    """What a guarded call returns: the text to show, and the decisions behind it."""

    model_config = ConfigDict(extra="forbid")
    text: str
    blocked: bool
    decisions: list[GuardDecision]


async def guarded_generate(guard: Guard, backend: ModelBackend, messages: Sequence[Message],
                           config: GenerationConfig | None = None) -> GuardedAnswer:
    """The serving path: screen the request, call the model only if it was not blocked, screen
    the answer. A blocked side returns its refusal; warnings are appended to the answer."""
    first = guard.check_input(messages)
    if first.action == "block":
        return GuardedAnswer(text=first.message, blocked=True, decisions=[first])
    output = await backend.generate(messages, config or GenerationConfig())
    second = guard.check_output(messages, output.text)
    if second.action == "block":
        return GuardedAnswer(text=second.message, blocked=True, decisions=[first, second])
    notes = list(dict.fromkeys(d.message for d in (first, second) if d.action == "warn"))
    text = "\n\n".join([output.text, *notes])
    return GuardedAnswer(text=text, blocked=False, decisions=[first, second])


class DetectorReward:
    """1 - P(violating) of an answer, as a reward for RL-style fine-tuning or best-of-n: cheap
    enough to score every sample. Same calling shape as ``RewardModel.score_one``/``score``."""

    def __init__(self, detector: ViolationDetector):
        self.detector = detector

    def __call__(self, messages: Sequence[Message], answer: str) -> float:
        return self.score([messages], [answer])[0]

    def score_one(self, messages: Sequence[Message], answer: str) -> float:
        return self(messages, answer)

    def score(self, conversations: Sequence[Sequence[Message]], answers: Sequence[str],
              ) -> list[float]:
        if len(conversations) != len(answers):
            raise StudioError(f"reward: {len(conversations)} conversations but "
                              f"{len(answers)} answers")
        texts = [answer_text(a) for a in answers]
        return [1.0 - p for p in self.detector.predict_proba(texts)]


def detector_reward(detector: ViolationDetector, messages: Sequence[Message],
                    answer: str) -> float:
    """1 - P(the answer is violating)."""
    return DetectorReward(detector)(messages, answer)

