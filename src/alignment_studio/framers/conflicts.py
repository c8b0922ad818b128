"""Conflict scenarios: two policies that pull in different directions in one situation.

Candidate pairs are rules of opposite direction (a prohibition against an obligation, a
permission or a recommendation) whose governed actions share content words. The ruling follows
the workspace's explicit priority list when it ranks one of the two (``frame.priorities``:
document, section or policy ID prefixes, highest first), and otherwise the default order
prohibition > obligation > recommendation > permission, which the Instructors can learn to apply.
"""

from __future__ import annotations

from itertools import combinations

from pydantic import BaseModel, ConfigDict

from alignment_studio.core.text import content_words as text_content_words
from alignment_studio.core.text import stem
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import extract_action, person
from alignment_studio.types import Example, Modality, Policy, Provenance

RANK = {Modality.prohibition: 0, Modality.obligation: 1, Modality.recommendation: 2,
        Modality.permission: 3}
# Words every rule of a handbook shares (its actors, modal verbs, the word "policy"): they make
# any two rules look alike, so the overlap of two actions ignores them beside the stop words.
_SHARED = frozenset("""never always use make made get take employee employees staff company
policy work""".split())


class ConflictPair(BaseModel):
    """Two policies whose actions overlap but whose directions differ, and how much."""

    model_config = ConfigDict(extra="forbid")
    first: Policy
    second: Policy
    overlap: list[str]
    score: float


def content_words(text: str) -> set[str]:
    """What an action is about: its content words (plural 's' removed), handbook-wide words
    and words of two letters out."""
    return {stem(w) for w in text_content_words(text, _SHARED) if len(w) > 2 and w.isalpha()}


def find_conflicts(policies: list[Policy], limit: int, per_policy: int = 2) -> list[ConflictPair]:
    """The ``limit`` most overlapping opposite-direction pairs, each policy in few of them."""
    actions = {p.id: extract_action(p) for p in policies}
    words = {pid: content_words(a) for pid, a in actions.items() if a}
    usable = [p for p in policies if p.id in words and p.modality in RANK]
    candidates: list[ConflictPair] = []
    for a, b in combinations(usable, 2):
        if (a.modality == Modality.prohibition) == (b.modality == Modality.prohibition):
            continue
        shared = words[a.id] & words[b.id]
        if len(shared) < 2:
            continue
        score = len(shared) / len(words[a.id] | words[b.id])
        first, second = (a, b) if a.modality == Modality.prohibition else (b, a)
        candidates.append(ConflictPair(first=first, second=second, overlap=sorted(shared),
                                       score=round(score, 4)))
    candidates.sort(key=lambda c: (-c.score, c.first.id, c.second.id))
    chosen: list[ConflictPair] = []
    uses: dict[str, int] = {}
    for pair in candidates:
        if len(chosen) >= limit:
            break
        if uses.get(pair.first.id, 0) >= per_policy or uses.get(pair.second.id, 0) >= per_policy:
            continue
        chosen.append(pair)
        for pid in (pair.first.id, pair.second.id):
            uses[pid] = uses.get(pid, 0) + 1
    return chosen


def priority_rank(policy: Policy, priorities: list[str]) -> int | None:
    """Index of the first explicit priority prefix the policy ID starts with, if any."""
    for i, prefix in enumerate(priorities):
        if policy.id == prefix or policy.id.startswith(prefix.rstrip("/") + "/"):
            return i
    return None


def ruling(pair: ConflictPair, priorities: list[str]) -> tuple[Policy, Policy, str]:
    """(winner, loser, why): explicit priorities first, then the default modality order."""
    a, b = pair.first, pair.second
    ra, rb = priority_rank(a, priorities), priority_rank(b, priorities)
    if ra is not None and (rb is None or ra < rb) and ra != rb:
        return a, b, "it ranks higher in the workspace's explicit priority order"
    if rb is not None and (ra is None or rb < ra):
        return b, a, "it ranks higher in the workspace's explicit priority order"
    winner, loser = (a, b) if RANK[a.modality] <= RANK[b.modality] else (b, a)
    why = (f"a {winner.modality.value} outweighs a {loser.modality.value} by default: when two "
           "rules disagree, do not do what one of them forbids")
    return winner, loser, why


def conflict_example(pair: ConflictPair, factory: ExampleFactory,
                     priorities: list[str]) -> Example:
    """The situation in which both rules apply, and the ruling, citing both policies."""
    winner, loser, why = ruling(pair, priorities)
    prov = Provenance(source="structure", generator="conflicts-v1", task="conflict")
    return factory.conflict([pair.first, pair.second], situation_text(pair),
                            resolution_text(winner, loser, why), prov)


def situation_text(pair: ConflictPair) -> str:
    """The situation in which both rules of the pair seem to apply."""
    pulls = {Modality.prohibition: "forbids them to", Modality.obligation: "requires them to",
             Modality.recommendation: "advises them to", Modality.permission: "allows them to"}
    return (f"{person(pair.second)} is in a situation where one rule "
            f"{pulls[pair.second.modality]} {extract_action(pair.second)}, while another "
            f"{pulls[pair.first.modality]} {extract_action(pair.first)}. Both seem to apply.")


def resolution_text(winner: Policy, loser: Policy, why: str) -> str:
    """The ruling in words: which policy takes precedence and why, citing both."""
    return (f"Both policies apply. [{winner.id}] takes precedence over [{loser.id}], "
            f"because {why}. Follow [{winner.id}]; where [{loser.id}] can still be met "
            "without breaking it, meet it too, and ask the policy owner when unsure.")
