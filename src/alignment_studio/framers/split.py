"""Train/test split by policy: every example of a held-out policy is test data."""

from __future__ import annotations

import hashlib
import math

from alignment_studio.types import Example, Split


def choose_test_policies(policy_ids: list[str], fraction: float, seed: int) -> set[str]:
    """A deterministic, seed-dependent sample of ``fraction`` of the policies (at least one)."""
    if not policy_ids:
        return set()
    ranked = sorted(policy_ids, key=lambda pid: hashlib.sha256(f"{seed}|{pid}".encode()).digest())
    count = min(len(ranked) - 1, max(1, math.ceil(fraction * len(ranked)))) or 1
    return set(ranked[:count])


def split_by_policy(examples: list[Example], test_policies: set[str]) -> list[Example]:
    """Examples with ``split`` set; one citing any held-out policy goes to test."""
    return [ex.model_copy(update={"split": Split.test if test_policies & set(ex.policy_ids)
                                  else Split.train}) for ex in examples]
