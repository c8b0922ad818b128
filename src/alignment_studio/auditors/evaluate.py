"""Run a model over held-out examples and score every answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from itertools import zip_longest

from alignment_studio.auditors.metrics import rouge_l
from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.answers import cites, parse_label
from alignment_studio.types import Example, ItemResult, Kind
from alignment_studio.workspace.config import AuditSettings


def select_items(examples: list[Example], limit: int | None) -> list[Example]:
    """Scenario and instruction items, interleaved by policy so a cap keeps every policy."""
    usable = [e for e in examples if e.kind in (Kind.scenario, Kind.instruction) and e.target]
    if not limit or len(usable) <= limit:
        return usable
    by_policy: dict[str, list[Example]] = {}
    for ex in usable:
        by_policy.setdefault(ex.policy_ids[0], []).append(ex)
    queues = [_alternate_kinds(queue, answers_first=i % 2 == 1)
              for i, queue in enumerate(by_policy.values())]
    picked: list[Example] = []
    while len(picked) < limit:
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return picked


def _alternate_kinds(queue: list[Example], answers_first: bool = False) -> list[Example]:
    """A policy's items with scenarios and instructions taking turns; every other policy starts
    with an answer, so even a cap of one item per policy keeps both kinds."""
    scenarios = [e for e in queue if e.kind == Kind.scenario]
    answers = [e for e in queue if e.kind != Kind.scenario]
    first, second = (answers, scenarios) if answers_first else (scenarios, answers)
    return [e for pair in zip_longest(first, second) for e in pair if e is not None]


def score_item(example: Example, output: str) -> ItemResult:
    result = ItemResult(example_id=example.id, policy_ids=example.policy_ids,
                        kind=example.kind.value, source=example.provenance.source,
                        book=example.book,
                        output=output,
                        expected=example.label.value if example.label else example.target or "",
                        cited=cites(output, example.policy_ids))
    if example.kind == Kind.scenario:
        result.correct = parse_label(output) == example.label
    else:
        result.rouge_l = rouge_l(output, example.target or "")
    return result


def evaluate(backend: ModelBackend, examples: list[Example], settings: AuditSettings,
             progress: Callable[[int], None] | None = None) -> list[ItemResult]:
    """Greedy answers for every example, scored; scenario verdicts get a shorter budget."""
    results: dict[int, ItemResult] = {}  # by position: two items may share an ID
    for kind, budget in ((Kind.scenario, settings.classify_max_new_tokens),
                         (Kind.instruction, settings.answer_max_new_tokens)):
        group = [i for i, e in enumerate(examples) if e.kind == kind]
        if not group:
            continue
        outputs = asyncio.run(backend.generate_batch(
            [examples[i].messages for i in group], GenerationConfig(max_new_tokens=budget),
            progress))
        for i, output in zip(group, outputs, strict=True):
            results[i] = score_item(examples[i], output.text)
    return [results[i] for i in range(len(examples))]
