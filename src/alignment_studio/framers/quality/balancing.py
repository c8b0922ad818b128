"""Balance: caps on over-represented (policy, kind, label) cells and on label ratios."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from alignment_studio.framers.quality.common import (
    FilterResult,
    QualitySettings,
    label_name,
    result,
)
from alignment_studio.framers.split import is_promoted_failure
from alignment_studio.types import Example, Label


def balance(examples: Sequence[Example], settings: QualitySettings | None = None,
            ) -> FilterResult:
    """Cap over-represented cells, dropping surplus teacher, then structure, then seed items
    (latest first, pair halves last; promoted red-team failures never): per (policy, kind,
    label), then label ratios per policy and overall."""
    settings = settings or QualitySettings()
    rank = {s: r for r, s in enumerate(settings.drop_order)}

    def victims_first(members: list[int]) -> list[int]:
        """Droppable members, first victim first; promoted red-team failures are never
        dropped (a person confirmed each one)."""
        return sorted((i for i in members if not is_promoted_failure(examples[i])),
                      key=lambda i: (examples[i].pair_id is not None,
                                     rank.get(examples[i].provenance.source, len(rank)), -i))

    drops: dict[int, str] = {}
    if settings.max_per_cell is not None:
        cells: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, ex in enumerate(examples):
            label = label_name(ex)
            for pid in ex.policy_ids[:1]:
                cells[(pid, ex.kind.value, label)].append(i)
        for (pid, kind, label), members in sorted(cells.items()):
            surplus = len(members) - settings.max_per_cell
            for i in victims_first(members)[:max(0, surplus)]:
                drops[i] = f"balance (over {settings.max_per_cell} items in {pid} {kind} {label})"
    if settings.max_label_ratio is not None:
        per_policy: dict[str, list[int]] = defaultdict(list)
        for i, ex in enumerate(examples):
            if ex.label is not None and i not in drops and ex.policy_ids:
                per_policy[ex.policy_ids[0]].append(i)
        for pid, members in sorted(per_policy.items()):
            drops.update(_ratio_cap(examples, members, settings.max_label_ratio, victims_first,
                                    f"label ratio in {pid}"))
        labelled = [i for i, ex in enumerate(examples) if ex.label is not None and i not in drops]
        drops.update(_ratio_cap(examples, labelled, settings.max_label_ratio, victims_first,
                                "overall label ratio"))
    return result(examples, drops, "balance")


def _ratio_cap(examples: Sequence[Example], members: list[int], factor: float,
               order: Callable[[list[int]], list[int]], where: str) -> dict[int, str]:
    by_label: dict[Label, list[int]] = defaultdict(list)
    for i in members:
        label = examples[i].label
        if label is not None:
            by_label[label].append(i)
    if len(by_label) < 2:
        return {}
    cap = int(factor * min(len(v) for v in by_label.values()))
    drops: dict[int, str] = {}
    for label, items in by_label.items():
        for i in order(items)[:max(0, len(items) - cap)]:
            drops[i] = f"balance ({where}: {label.value} over {factor:g} x the rarest label)"
    return drops
