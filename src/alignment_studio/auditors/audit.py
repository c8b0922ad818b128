"""The audit's work for one model: every suite it answers, in as few batches as possible.

The audit stage (``stages/audit.py``) loads one model at a time and hands it to ``run_model``,
which answers the domain items under each prompt variant of that model (plain, policies in the
system prompt, retrieved policies), the conflict suite, the general benchmark and the red-team
attacks; the stage then turns both models' answers into an ``AuditReport`` with the helpers here
(suite scores per variant, the confusion matrices, findings tied to their clause and to the data
that trained it).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from alignment_studio.auditors.conflicts import ConflictItem, conflict_suite
from alignment_studio.auditors.general import GeneralItem, GeneralResult, run_general
from alignment_studio.auditors.rag import BM25Retriever, Passage, with_policy_prompt, with_retrieval
from alignment_studio.auditors.redteam import Attack, run_attacks
from alignment_studio.auditors.suites import confusion, score_item_full, suite_scores
from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.answers import calibrated_labels, choice_options, chosen_label
from alignment_studio.scoring.scorer import Scorer
from alignment_studio.types import (
    AttackOutcome,
    Example,
    Finding,
    ItemResult,
    Kind,
    Message,
    Policy,
    Score,
    Split,
)
from alignment_studio.workspace.config import AuditSettings

Progress = Callable[[int], None]
MODEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "base": ("base", "base+prompt", "base+rag"), "aligned": ("aligned", "aligned+rag")}


@dataclass
class Suites:
    """Everything a model is asked in the audit, built once and shared by both models."""

    items: list[Example]
    conflicts: list[Example]
    general: list[GeneralItem]
    attacks: list[Attack]
    policies: dict[str, Policy]
    passages: list[Passage]
    settings: AuditSettings
    anchors: list[Example] = field(default_factory=list)  # training questions, for calibration
    retriever: BM25Retriever = field(init=False)

    def __post_init__(self) -> None:
        self.retriever = BM25Retriever(self.passages)

    def questions(self) -> int:
        """Generations one model answers (for the progress bar)."""
        per_model = max(len(self.variants_of("base")), len(self.variants_of("aligned")))
        return (len(self.items) * per_model + len(self.conflicts) + len(self.general)
                + len(self.attacks))

    def variants_of(self, model: str) -> list[str]:
        """The configured variants this model answers (its plain variant always)."""
        return [v for v in MODEL_VARIANTS[model] if v == model or v in self.settings.variants]


class ModelRun:
    """One model's answers to every suite."""

    def __init__(self) -> None:
        self.results: dict[str, list[ItemResult]] = {}
        self.conflicts: list[ConflictItem] = []
        self.general: list[GeneralResult] = []
        self.attacks: list[AttackOutcome] = []


def variant_messages(example: Example, variant: str, suites: Suites) -> list[Message]:
    """The item's prompt as a variant asks it: as is, with the policies in the system prompt,
    or with the retrieved policies."""
    if variant.endswith("+prompt"):
        cited = example.policy_ids if example.book != "closed" else []  # no gold hint
        return with_policy_prompt(example.messages, suites.passages,
                                  suites.settings.policy_prompt_words, cited).messages
    if variant.endswith("+rag"):
        return with_retrieval(example.messages, suites.retriever, suites.settings.rag_k).messages
    return list(example.messages)


def answer_items(backend: ModelBackend, suites: Suites, variant: str,
                 progress: Progress | None = None) -> list[ItemResult]:
    """Greedy answers to the domain items under a variant, scored by every suite; scenario
    verdicts get the shorter budget, so the two kinds go in two batches."""
    known = list(suites.policies)
    results: dict[int, ItemResult] = {}
    settings = suites.settings
    for kind, budget in ((Kind.scenario, settings.classify_max_new_tokens),
                         (Kind.instruction, settings.answer_max_new_tokens)):
        group = [i for i, e in enumerate(suites.items) if e.kind == kind]
        if not group:
            continue
        prompts = [variant_messages(suites.items[i], variant, suites) for i in group]
        outputs = asyncio.run(backend.generate_batch(
            prompts, GenerationConfig(max_new_tokens=budget), progress))
        for i, output in zip(group, outputs, strict=True):
            results[i] = score_item_full(suites.items[i], output.text, known)
        if kind == Kind.scenario:
            anchors = [variant_messages(a, variant, suites) for a in suites.anchors]
            _add_choices(backend, prompts, [results[i] for i in group], anchors)
    return [results[i] for i in range(len(suites.items))]


def _add_choices(backend: ModelBackend, prompts: Sequence[Sequence[Message]],
                 results: Sequence[ItemResult],
                 anchors: Sequence[Sequence[Message]] = ()) -> None:
    """Each scenario's verdict by constrained choice, when the backend can score text; the
    closed-book ones also calibrated on the training questions ``anchors``."""
    scores = asyncio.run(backend.score_choices(prompts, choice_options()))
    if not scores:
        return
    for result, row in zip(results, scores, strict=True):
        result.choice = chosen_label(row).value
    for book in {r.book for r in results}:  # closed-book and guardian prompts differ in kind
        group = [i for i, r in enumerate(results) if r.book == book]
        for i, label in zip(group, calibrated_labels([scores[i] for i in group]), strict=True):
            results[i].calibrated = label.value
    closed = [i for i, r in enumerate(results) if r.book == "closed"]
    if anchors and closed:
        reference = asyncio.run(backend.score_choices(anchors, choice_options()))
        labels = calibrated_labels([scores[i] for i in closed], reference)
        for i, label in zip(closed, labels, strict=True):
            results[i].anchored = label.value


def run_model(backend: ModelBackend, model: str, suites: Suites, attack_judge: Scorer | None,
              progress: Progress | None = None) -> ModelRun:
    """Every suite for one model ('base' or 'aligned')."""
    run = ModelRun()
    for variant in suites.variants_of(model):
        run.results[variant] = answer_items(backend, suites, variant, progress)
    run.conflicts = conflict_suite(backend, suites.conflicts, suites.settings, progress)
    if suites.general:
        run.general = run_general(backend, suites.general, GenerationConfig(
            max_new_tokens=suites.settings.general.max_new_tokens), progress)
    if suites.attacks:
        run.attacks = run_attacks(backend, suites.attacks, attack_judge, GenerationConfig(
            max_new_tokens=suites.settings.redteam.max_new_tokens), progress=progress)
    return run


def sample(items: Sequence[Attack], limit: int | None, seed: int = 0) -> list[Attack]:
    """A seeded sample of ``limit`` attacks that keeps every strategy (round robin over the
    strategies of a seeded shuffle), all of them when there is no limit."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    if not limit or len(shuffled) <= limit:
        return shuffled
    by_strategy: dict[str, list[Attack]] = {}
    for attack in shuffled:
        by_strategy.setdefault(attack.strategy, []).append(attack)
    picked: list[Attack] = []
    while len(picked) < limit:
        for queue in by_strategy.values():
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return picked


def training_map(examples: Sequence[Example], policies: Mapping[str, Policy]
                 ) -> dict[str, list[str]]:
    """Policy ID -> IDs of the train-split items that cite it; a held-out policy gets the train
    items of its section instead (the nearest data that taught the behaviour)."""
    by_policy: dict[str, list[str]] = {}
    by_section: dict[str, list[str]] = {}
    for ex in examples:
        if ex.split != Split.train:
            continue
        for pid in ex.policy_ids:
            by_policy.setdefault(pid, []).append(ex.id)
            section = policies[pid].section_id if pid in policies else ""
            by_section.setdefault(section, []).append(ex.id)
    return {pid: by_policy.get(pid) or by_section.get(policy.section_id, [])
            for pid, policy in policies.items()}


def traced(found: list[Finding], policies: Mapping[str, Policy],
           training: Mapping[str, list[str]], limit: int = 12) -> list[Finding]:
    """Findings with their clause's text and the data that trained it."""
    out = []
    for f in found:
        pid = f.policy_ids[0] if f.policy_ids else ""
        out.append(f.model_copy(update={
            "policy_text": policies[pid].text if pid in policies else "",
            "training_examples": list(dict.fromkeys(training.get(pid, [])))[:limit]}))
    return out


def suite_summary(runs: Mapping[str, ModelRun]) -> dict[str, list[Score]]:
    """Scores of every variant of every model on the domain suites."""
    return {variant: suite_scores(results) for run in runs.values()
            for variant, results in run.results.items()}


def confusions(runs: Mapping[str, ModelRun]) -> dict[str, dict[str, dict[str, int]]]:
    """The verdict confusion matrix of every variant that answered scenarios."""
    return {variant: confusion(results) for run in runs.values()
            for variant, results in run.results.items()
            if any(r.kind == Kind.scenario.value for r in results)}
