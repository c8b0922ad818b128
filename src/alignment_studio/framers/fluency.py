"""Teacher output kept only where the student reads it as fluent text.

A teacher reply can pass grounding and label checks and still be broken English ("chose not to
not install updates the the"). The student's own perplexity measures that: a text the student
finds far less likely than the project's reference items (expert seeds and the rule-built
items) is dropped. The bar is relative, the given percentile of the reference items'
perplexities, so it needs no tuning per model: a larger student shifts both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alignment_studio.core.answers import strip_citations
from alignment_studio.framers.split import sample_in_order
from alignment_studio.types import Dropped, Example

Perplexity = Callable[[Sequence[str]], list[float] | None]
STAGE = "fluency"
REFERENCE_ITEMS = 100  # a seeded sample of the reference items sets the bar (bounded cost)


def fluency_text(example: Example) -> str:
    """What the teacher wrote that a user would read: the asked words and the answer."""
    asked = example.asked or next((m.content for m in reversed(example.messages)
                                   if m.role == "user"), "")
    return f"{asked} {strip_citations(example.target or example.chosen or '')}".strip()


def fluency_bar(reference: Sequence[float], percentile: float) -> float:
    """The ``percentile`` (0-100) of the reference perplexities, by nearest rank."""
    ranked = sorted(reference)
    index = min(len(ranked) - 1, max(0, round(percentile / 100 * len(ranked)) - 1))
    return ranked[index]


def fluent_only(candidates: list[Example], reference: list[Example], perplexity: Perplexity,
                percentile: float) -> tuple[list[Example], list[Dropped], float | None]:
    """(kept, dropped, bar): candidates whose perplexity is at most the bar set by the
    reference items; all kept (bar None) when there is nothing to compare or the student
    cannot score text."""
    if not candidates or not reference:
        return candidates, [], None
    reference = sample_in_order(reference, REFERENCE_ITEMS, seed=0)
    scores = perplexity([fluency_text(e) for e in [*reference, *candidates]])
    if scores is None:
        return candidates, [], None
    bar = fluency_bar(scores[:len(reference)], percentile)
    kept: list[Example] = []
    dropped: list[Dropped] = []
    for example, score in zip(candidates, scores[len(reference):], strict=True):
        if score <= bar:
            kept.append(example)
        else:
            dropped.append(Dropped(reason=f"not fluent (student perplexity {score:.0f} above "
                                   f"{bar:.0f}, the reference items' {percentile:g}th "
                                   "percentile)", stage=STAGE, policy_ids=example.policy_ids,
                                   example=example))
    return kept, dropped, bar
