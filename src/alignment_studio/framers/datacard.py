"""The data card: what a framed data set contains, what was dropped and why, and what it lacks.

:func:`build_datacard` gathers the figures into a :class:`DataCard` (its ``model_dump_json()``
is the JSON form); :func:`render_markdown` writes the Markdown. The frame stage calls
``render_datacard(bundle, coverage, dropped)`` in one line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.framers.coverage import Coverage, Gap, gaps, required_labels
from alignment_studio.framers.quality import distinctive_text, reason_category
from alignment_studio.types import DatasetBundle, Dropped, Example, Label, LeakCheck


class DropGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: str
    reason: str
    count: int
    examples: list[str] = Field(default_factory=list, description="a few dropped items, short")


class PolicyBalance(BaseModel):
    """Scenario label counts of one policy; ``ratio`` is largest / smallest required label
    (None when a required label has no item at all)."""

    model_config = ConfigDict(extra="forbid")
    policy_id: str
    labels: dict[str, int]
    ratio: float | None


class DataCard(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    total: int
    by_split: dict[str, int]
    by_kind: dict[str, int]
    by_label: dict[str, int]
    by_source: dict[str, int]
    dropped_total: int
    drops: list[DropGroup]
    label_share: dict[str, float] = Field(description="share of each label among labelled items")
    unbalanced: list[PolicyBalance] = Field(description="the most unbalanced policies first")
    policies_covered: int
    policies_total: int
    terms_covered: int
    terms_total: int
    gaps: list[Gap]
    leak: LeakCheck | None = Field(None, description="can labels be read off the wording?")


def _counter(values: Sequence[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _snippet(item: Dropped, width: int = 110) -> str:
    text = distinctive_text(item.example) if item.example else (item.text or "")
    text = " ".join(text.split())
    text = text if len(text) <= width else text[:width - 1] + "…"
    who = item.example.id if item.example else ", ".join(item.policy_ids) or "-"
    return f"{who}: {text}"


def drop_groups(dropped: Sequence[Dropped], earlier: dict[str, int] | None = None,
                per_reason: int = 3) -> list[DropGroup]:
    """Drops by stage and reason category, largest first, with up to ``per_reason`` examples;
    ``earlier`` adds drops only counted (the manifest's 'reason' -> count)."""
    grouped: dict[tuple[str, str], list[Dropped]] = defaultdict(list)
    for item in dropped:
        grouped[(item.stage, reason_category(item.reason))].append(item)
    groups = [DropGroup(stage=stage, reason=reason, count=len(items),
                        examples=[_snippet(x) for x in items[:per_reason]])
              for (stage, reason), items in grouped.items()]
    groups += [DropGroup(stage="counted", reason=reason, count=n)
               for reason, n in (earlier or {}).items() if n]
    return sorted(groups, key=lambda g: (-g.count, g.stage, g.reason))


def policy_balance(cov: Coverage, top: int = 5) -> list[PolicyBalance]:
    """The ``top`` policies whose required scenario labels are most unequal (missing first)."""
    rows: list[PolicyBalance] = []
    for row in cov.policies:
        needed = required_labels(row.modality)
        if len(needed) < 2:
            continue
        counts = {x.value: row.counts.scenario_labels.get(x.value, 0) for x in needed}
        low, high = min(counts.values()), max(counts.values())
        rows.append(PolicyBalance(policy_id=row.policy_id, labels=counts,
                                  ratio=round(high / low, 2) if low else None))
    rows.sort(key=lambda r: (r.ratio is not None, -(r.ratio or 0.0), r.policy_id))
    return rows[:top]


def build_datacard(bundle: DatasetBundle, cov: Coverage, dropped: Sequence[Dropped],
                   gap_list: list[Gap] | None = None) -> DataCard:
    """All figures of the card; ``gap_list`` defaults to :func:`gaps` with its defaults."""
    ex: list[Example] = bundle.examples
    labels = [e.label.value for e in ex if e.label is not None]
    share = {x.value: round(labels.count(x.value) / len(labels), 3) for x in Label} \
        if labels else {}
    gap_list = gaps(cov) if gap_list is None else gap_list
    counted = _only_counted(bundle, dropped)
    uncovered = {g.id for g in gap_list if g.subject == "policy"}
    bare_terms = {g.id for g in gap_list if g.subject == "term"}
    return DataCard(
        name=bundle.name, version=bundle.version, total=len(ex),
        by_split=_counter([e.split.value for e in ex]),
        by_kind=_counter([e.kind.value for e in ex]),
        by_label=_counter(labels), by_source=_counter([e.provenance.source for e in ex]),
        dropped_total=len(dropped) + sum(counted.values()),
        drops=drop_groups(dropped, counted),
        label_share=share, unbalanced=policy_balance(cov),
        policies_covered=len(cov.policies) - len(uncovered), policies_total=len(cov.policies),
        terms_covered=len(cov.terms) - len(bare_terms), terms_total=len(cov.terms),
        gaps=gap_list, leak=bundle.manifest.leak)


def _only_counted(bundle: DatasetBundle, dropped: Sequence[Dropped]) -> dict[str, int]:
    """Manifest drop counts not already present as Dropped items (older stages only count)."""
    listed = Counter(reason_category(d.reason) for d in dropped)
    listed.update(f"{d.stage}: {reason_category(d.reason)}" for d in dropped)
    return {r: n for r, n in bundle.manifest.dropped.items() if reason_category(r) not in listed}


def render_markdown(card: DataCard) -> str:
    """The card as Markdown: totals, drops, balance, coverage and gaps."""
    out = [f"# Data card: {card.name} {card.version}", "",
           f"{card.total} items kept, {card.dropped_total} dropped.", "", "## Totals", ""]
    for title, counts in [("split", card.by_split), ("kind", card.by_kind),
                          ("label", card.by_label), ("source", card.by_source)]:
        out.append(f"- by {title}: " + (", ".join(f"{k} {v}" for k, v in counts.items())
                                        or "none"))
    out += ["", "## Dropped", "", "| stage | reason | items |", "|---|---|---|"]
    out += [f"| {g.stage} | {g.reason} | {g.count} |" for g in card.drops]
    for g in card.drops:
        if g.examples:
            out += ["", f"{g.stage} / {g.reason}:"] + [f"- {x}" for x in g.examples]
    out += ["", "## Balance", "", "Label share of labelled items: "
            + (", ".join(f"{k} {v:.1%}" for k, v in card.label_share.items()) or "none"), "",
            "| policy | labels | largest / smallest |", "|---|---|---|"]
    out += [f"| {b.policy_id} | {', '.join(f'{k} {v}' for k, v in b.labels.items())} | "
            f"{'missing label' if b.ratio is None else f'{b.ratio:g}'} |" for b in card.unbalanced]
    out += ["", "## Leak check", "", _leak_line(card.leak)]
    out += ["", "## Coverage", "",
            f"- policies covered: {card.policies_covered} of {card.policies_total}",
            f"- terms covered: {card.terms_covered} of {card.terms_total}", "", "### Gaps", ""]
    out += [f"- {g.subject} {g.id}: missing {', '.join(g.missing)}" for g in card.gaps] or \
        ["none"]
    return "\n".join(out) + "\n"


def _leak_line(leak: LeakCheck | None) -> str:
    if leak is None:
        return "Too few scenarios or policies for the leak check."
    verdict = ("**labels leak**: the wording gives the label away; vary how situations are "
               "told" if leak.leaks else "no leak")
    return (f"A bag-of-words classifier on the situations alone (no policy), tested on "
            f"policies it was not fitted on: accuracy {leak.accuracy:.2f} against "
            f"{leak.majority:.2f} for always the most common label, over {leak.items} "
            f"scenarios of {leak.policies} policies; {verdict} (margin {leak.margin:.2f}).")


def render_datacard(bundle: DatasetBundle, cov: Coverage, dropped: Sequence[Dropped]) -> str:
    """The Markdown data card in one call (the frame stage's entry point)."""
    return render_markdown(build_datacard(bundle, cov, dropped))
