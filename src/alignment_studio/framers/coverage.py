"""How well a data set covers its policies and ontology terms, and where it does not.

Pure functions over examples and policies (no I/O): :func:`coverage` counts items per policy and
per term, :func:`gaps` turns the counts into a list of what is missing, so generation can be asked
for exactly those items and the data card can show them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types import Example, Kind, Label, Modality, Policy

_REQUIRED_LABELS: dict[Modality, list[Label]] = {
    Modality.obligation: [Label.compliant, Label.violating, Label.needs_info],
    Modality.prohibition: [Label.compliant, Label.violating, Label.needs_info],
    Modality.recommendation: [Label.compliant, Label.violating],
    Modality.permission: [Label.compliant],
}


class ItemCounts(BaseModel):
    """Items by kind and, for labelled items, by label."""

    model_config = ConfigDict(extra="forbid")
    total: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_label: dict[str, int] = Field(default_factory=dict)
    scenario_labels: dict[str, int] = Field(default_factory=dict,
                                            description="labels of scenario items only")


class PolicyCoverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: str
    modality: Modality
    counts: ItemCounts


class TermCoverage(BaseModel):
    """Items citing a policy that mentions the term; ``cue_items`` name it in ``terms``."""

    model_config = ConfigDict(extra="forbid")
    term: str
    policy_ids: list[str]
    counts: ItemCounts
    cue_items: int = 0


class Coverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policies: list[PolicyCoverage]
    terms: list[TermCoverage] = Field(default_factory=list)
    unknown_policy_items: int = Field(0, description="items citing no listed policy")


class Gap(BaseModel):
    """Something the data lacks: ``missing`` names kinds ('instruction') or scenario labels
    ('scenario:violating'), or 'items' for a term no item touches."""

    model_config = ConfigDict(extra="forbid")
    subject: str  # policy | term
    id: str
    missing: list[str]


def _count(items: Sequence[Example]) -> ItemCounts:
    kinds = Counter(ex.kind.value for ex in items)
    labels = Counter(ex.label.value for ex in items if ex.label is not None)
    scenario = Counter(ex.label.value for ex in items
                       if ex.kind == Kind.scenario and ex.label is not None)
    return ItemCounts(total=len(items), by_kind=dict(sorted(kinds.items())),
                      by_label=dict(sorted(labels.items())),
                      scenario_labels=dict(sorted(scenario.items())))


def coverage(examples: Sequence[Example], policies: Sequence[Policy],
             terms: dict[str, list[str]] | None = None) -> Coverage:
    """Counts per policy (an item citing two policies counts for both) and per ontology term
    (``terms``: term -> IDs of the policies mentioning it)."""
    by_policy: dict[str, list[Example]] = {p.id: [] for p in policies}
    unknown = 0
    for ex in examples:
        hits = [pid for pid in ex.policy_ids if pid in by_policy]
        unknown += not hits
        for pid in hits:
            by_policy[pid].append(ex)
    rows = [PolicyCoverage(policy_id=p.id, modality=p.modality, counts=_count(by_policy[p.id]))
            for p in policies]
    term_rows: list[TermCoverage] = []
    for term, pids in sorted((terms or {}).items()):
        wanted = set(pids)
        items = [ex for ex in examples if wanted & set(ex.policy_ids)]
        cues = sum(term.lower() in (t.lower() for t in ex.terms) for ex in examples)
        term_rows.append(TermCoverage(term=term, policy_ids=sorted(wanted), counts=_count(items),
                                      cue_items=cues))
    return Coverage(policies=rows, terms=term_rows, unknown_policy_items=unknown)


def required_labels(modality: Modality, needs_info: bool = True) -> list[Label]:
    """Scenario labels a policy of this modality should be taught with: a rule that can be
    broken needs both sides (and the undecidable case); a permission needs its allowed case."""
    labels = _REQUIRED_LABELS.get(modality, [])
    return [x for x in labels if needs_info or x != Label.needs_info]


def gaps(cov: Coverage, min_items_per_kind: int = 1, min_items_per_label: int = 1,
         needs_info: bool = True) -> list[Gap]:
    """Policies lacking instruction items or required scenario labels, and terms no item
    touches (neither through a policy that mentions them nor as a cue)."""
    found: list[Gap] = []
    for row in cov.policies:
        missing: list[str] = []
        if row.counts.by_kind.get(Kind.instruction.value, 0) < min_items_per_kind:
            missing.append(Kind.instruction.value)
        for label in required_labels(row.modality, needs_info):
            if row.counts.scenario_labels.get(label.value, 0) < min_items_per_label:
                missing.append(f"scenario:{label.value}")
        if missing:
            found.append(Gap(subject="policy", id=row.policy_id, missing=missing))
    for term in cov.terms:
        if term.counts.total == 0 and term.cue_items == 0:
            found.append(Gap(subject="term", id=term.term, missing=["items"]))
    return found
