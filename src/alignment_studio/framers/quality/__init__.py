"""Quality control of framed data: duplicates, grounding, label consistency and balance.

:func:`run_quality` chains the filters; each lives in its own module: ``dedup`` (exact keys,
word shingles, MinHash/LSH), ``filters`` (grounding and label consistency) and ``balancing``, with
the settings, result types and shared helpers in ``common``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from alignment_studio.framers.quality.balancing import balance
from alignment_studio.framers.quality.common import (
    FilterResult,
    QualityReport,
    QualitySettings,
    distinctive_text,
    reason_category,
)
from alignment_studio.framers.quality.dedup import (
    Shingles,
    candidate_pairs,
    context_line,
    drop_exact_duplicates,
    drop_near_duplicates,
    exact_key,
    jaccard,
    lsh_params,
    minhash,
    near_duplicate_pairs,
    shingle,
)
from alignment_studio.framers.quality.filters import (
    check_labels,
    filter_grounding,
    grounding_problem,
    stems,
    support_score,
)
from alignment_studio.types import Dropped, Example, Policy

__all__ = [
    "FilterResult",
    "QualityReport",
    "QualitySettings",
    "Shingles",
    "balance",
    "candidate_pairs",
    "check_labels",
    "context_line",
    "distinctive_text",
    "drop_exact_duplicates",
    "drop_near_duplicates",
    "exact_key",
    "filter_grounding",
    "grounding_problem",
    "jaccard",
    "lsh_params",
    "minhash",
    "near_duplicate_pairs",
    "reason_category",
    "run_quality",
    "shingle",
    "stems",
    "support_score",
]


def run_quality(examples: Sequence[Example], policies: dict[str, Policy],
                settings: QualitySettings | None = None) -> QualityReport:
    """Exact duplicates, label consistency, near-duplicates, grounding, then balance.

    Consistency runs before near-duplicate removal so that two near-identical situations with
    different labels are both reported instead of one silently winning.
    """
    settings = settings or QualitySettings()
    stages: list[Callable[[Sequence[Example]], FilterResult]] = [
        drop_exact_duplicates,
        lambda xs: check_labels(xs, policies, settings),
        lambda xs: drop_near_duplicates(xs, settings),
        lambda xs: filter_grounding(xs, policies, settings.grounding_threshold),
        lambda xs: balance(xs, settings),
    ]
    kept: Sequence[Example] = examples
    dropped: list[Dropped] = []
    for stage in stages:
        result = stage(kept)
        kept, dropped = result.kept, dropped + result.dropped
    counts = Counter(f"{d.stage}: {reason_category(d.reason)}" for d in dropped)
    return QualityReport(kept=list(kept), dropped=dropped, counts=dict(sorted(counts.items())))
