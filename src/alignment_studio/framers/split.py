"""Train/test split by policy: every example of a held-out policy is test data."""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any, TypeVar

from alignment_studio.types import Example, Kind, Split

T = TypeVar("T")


def choose_test_policies(policy_ids: list[str], fraction: float, seed: int) -> set[str]:
    """A deterministic, seed-dependent sample of ``fraction`` of the policies (at least one
    when the fraction is above 0; none at 0)."""
    if not policy_ids or fraction <= 0:
        return set()
    ranked = sorted(policy_ids, key=lambda pid: hashlib.sha256(f"{seed}|{pid}".encode()).digest())
    count = min(len(ranked) - 1, max(1, math.ceil(fraction * len(ranked)))) or 1
    return set(ranked[:count])


REDTEAM_SEED_PREFIX = "redteam-"  # seeds that ``alignment-studio redteam promote`` writes


def is_promoted_failure(example: Example) -> bool:
    """Whether the item comes from a red-team failure a person confirmed and promoted."""
    seed = example.provenance.seed_id or ""
    return example.provenance.source == "seed" and seed.startswith(REDTEAM_SEED_PREFIX)


def split_by_policy(examples: list[Example], test_policies: set[str]) -> list[Example]:
    """Examples with ``split`` set; one citing any held-out policy goes to test.

    A promoted red-team failure always trains, even on a held-out policy: a person asked for
    the model to learn it, and its regression item (DIR/regression.jsonl) is what tests it."""
    return [ex.model_copy(update={"split": Split.test if test_policies & set(ex.policy_ids)
                                  and not is_promoted_failure(ex) else Split.train})
            for ex in examples]


def sample_rows(rows: list[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """A seeded random sample of ``limit`` rows (all of them, shuffled, if no limit)."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:limit] if limit else shuffled


def sample_in_order(items: list[T], limit: int, seed: int) -> list[T]:
    """A seeded sample of ``limit`` items in their original order."""
    if len(items) <= limit:
        return items
    keep = set(random.Random(seed).sample(range(len(items)), limit))
    return [e for i, e in enumerate(items) if i in keep]


def sample_mix(examples: list[Example], limit: int, seed: int, scenario_share: float | None,
               closed_share: float | None) -> list[Example]:
    """A seeded sample of ``limit`` examples with the given shares of scenarios and of
    closed-book items (None: as the data has them). Each (scenario?, closed?) group gets its
    quota; a group short of items leaves its rest to a random fill from the others."""
    if len(examples) <= limit:
        return list(examples)
    rng = random.Random(seed)
    groups: dict[tuple[bool, bool], list[Example]] = {}
    for ex in examples:
        groups.setdefault((ex.kind == Kind.scenario, ex.book == "closed"), []).append(ex)
    natural = {key: len(items) / len(examples) for key, items in groups.items()}
    scen = scenario_share if scenario_share is not None else sum(
        v for (s, _), v in natural.items() if s)
    closed = closed_share if closed_share is not None else sum(
        v for (_, c), v in natural.items() if c)
    picked: list[Example] = []
    rest: list[Example] = []
    for (is_scen, is_closed), items in groups.items():
        share = (scen if is_scen else 1 - scen) * (closed if is_closed else 1 - closed)
        shuffled = rng.sample(items, len(items))
        quota = round(limit * share)
        picked += shuffled[:quota]
        rest += shuffled[quota:]
    picked += rng.sample(rest, max(0, min(len(rest), limit - len(picked))))
    rng.shuffle(picked)
    return picked[:limit]
