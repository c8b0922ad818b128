"""Intervals and agreement statistics for the audit: Wilson, percentile bootstrap, Cohen's kappa.

Audit sets are small (tens of items per policy), so every rate carries an interval: a reader must
see that 3 of 4 is not the same evidence as 75 of 100.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from alignment_studio.types import Interval

T = TypeVar("T")
Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for a binomial proportion (stays inside [0, 1], sane at 0 and n).

    No trials give the uninformative interval [0, 1]."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return Interval(low=0.0, high=1.0, method="wilson")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half), method="wilson")


def bootstrap_ci(items: Sequence[T], statistic: Callable[[Sequence[T]], float],
                 n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> Interval:
    """Percentile bootstrap interval of ``statistic`` over ``items`` resampled with replacement.

    Seeded, so the same items give the same interval. Fewer than two items: [value, value]."""
    if not items:
        raise ValueError("bootstrap needs at least one item")
    value = statistic(items)
    if len(items) < 2:
        return Interval(low=value, high=value, level=level, method="bootstrap")
    rng = random.Random(seed)
    n = len(items)
    stats = sorted(statistic([items[rng.randrange(n)] for _ in range(n)]) for _ in range(n_boot))
    tail = (1 - level) / 2
    low = stats[int(math.floor(tail * (n_boot - 1)))]
    high = stats[int(math.ceil((1 - tail) * (n_boot - 1)))]
    return Interval(low=low, high=high, level=level, method="bootstrap")


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters over the same items: (p_o - p_e) / (1 - p_e).

    When chance agreement is already perfect (both raters always say the same single label),
    kappa is undefined; it is returned as 1.0 if they agree everywhere, else 0.0."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    if not a:
        raise ValueError("kappa needs at least one item")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)
