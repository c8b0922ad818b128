"""What every quality filter shares: the settings, the result types and the helpers.

Every filter returns a :class:`FilterResult` - the examples it kept, in their original order, and
a :class:`Dropped` record for each one it removed - so nothing is silently lost and the data card
can show why items went. A ``Dropped.reason`` starts with a fixed category ("near duplicate",
"balance", ...) optionally followed by details in parentheses; :func:`reason_category` strips the
details so drops can be counted by category.

Contrastive pairs (examples sharing ``pair_id``) are kept or dropped as a whole by every filter:
one half without its twin no longer teaches the difference the pair was made for
(:func:`units`, :func:`result`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.answers import strip_citations
from alignment_studio.types import Dropped, Example, Kind

PAYLOAD = re.compile(r"^(?:Situation|Question|Request)\s*:\s*(?P<text>.+?)(?:\n\s*\n|\Z)",
                     re.M | re.S)


class QualitySettings(BaseModel):
    """Thresholds of the filters; the defaults suit templated scenarios and short answers."""

    model_config = ConfigDict(extra="forbid")
    near_dup_threshold: float = Field(0.8, description="word-shingle Jaccard at or above which "
                                      "two items of the same kind and policy are duplicates")
    shingle_words: int = Field(1, description="words per shingle; single words keep a one- or "
                               "two-word edit of a 30-word text above 0.8 (bigrams did not: "
                               "recall 0.61 against 0.97 in bench/bench_dedup.py)")
    num_perm: int = Field(128, description="MinHash permutations")
    minhash_seed: int = 1
    grounding_threshold: float = Field(0.4, description="least share of an answer's content "
                                       "words and bigrams found in the policy and question")
    restatement_threshold: float = Field(0.8, description="Jaccard of a situation with its "
                                         "policy text at or above which it only restates it")
    template_sources: list[str] = Field(["structure"], description="sources whose labels come "
                                        "from templates: near-identical items of two such "
                                        "sources are deliberate contrasts, not label noise")
    max_per_cell: int | None = Field(None, description="most items per (policy, kind, label)")
    max_label_ratio: float | None = Field(3.0, description="largest label count may be at most "
                                          "this factor times the smallest present, per policy "
                                          "and overall")
    cue_variants_differ: bool = Field(True, description="items with different cue terms are "
                                      "never each other's near-duplicate: a cue variant swaps "
                                      "one term on purpose")
    pairs_first: bool = Field(True, description="near-duplicate removal keeps a contrastive "
                              "pair over an earlier single item it repeats (seeds still win)")
    drop_order: list[str] = Field(["teacher", "structure", "seed"],
                                  description="sources whose surplus balance drops first")


class FilterResult(BaseModel):
    """What one filter kept (original order) and what it dropped, with reasons."""

    model_config = ConfigDict(extra="forbid")
    kept: list[Example]
    dropped: list[Dropped] = Field(default_factory=list)


class QualityReport(BaseModel):
    """The result of :func:`run_quality`: the kept items and every drop of every stage."""

    model_config = ConfigDict(extra="forbid")
    kept: list[Example]
    dropped: list[Dropped] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict,
                                   description="'stage: reason category' -> items dropped")


def reason_category(reason: str) -> str:
    """'near duplicate (of scn-1, Jaccard 0.91)' -> 'near duplicate'."""
    return reason.split(" (", 1)[0].strip()


def distinctive_text(example: Example) -> str:
    """The part of an item that makes it this item: its situation or question.

    The system prompt and the policy text are shared by every item of a policy, so comparing
    whole prompts would call all items of a policy duplicates. Without a 'Situation:' or
    'Question:' line (summaries, custom templates) the prompt minus the policy text plus the
    answer is used; a preference item adds its rejected answer (one question can carry several
    different preference pairs).
    """
    user = user_text(example)
    match = PAYLOAD.search(user)
    if match and example.kind == Kind.preference:  # same question, another rejected answer
        return f"{match.group('text').strip()}\n{example.rejected or ''}"
    if match:
        return match.group("text").strip()
    answer = example.target or example.chosen or ""
    rest = "\n".join(line for line in user.splitlines() if not line.startswith("Policy ["))
    return strip_citations(f"{rest}\n{answer}")


def units(examples: Sequence[Example]) -> list[list[int]]:
    """Indices grouped into units: a contrastive pair is one unit, any other item its own."""
    pairs: dict[str, list[int]] = {}
    units: list[list[int]] = []
    for i, ex in enumerate(examples):
        if ex.pair_id is None:
            units.append([i])
        elif ex.pair_id in pairs:
            pairs[ex.pair_id].append(i)
        else:
            pairs[ex.pair_id] = [i]
            units.append(pairs[ex.pair_id])
    return units


def result(examples: Sequence[Example], drops: dict[int, str], stage: str) -> FilterResult:
    """Kept items in order, and the drops; a twin of a dropped pair half goes with it."""
    drops = dict(drops)
    gone_pairs = {examples[i].pair_id: reason_category(r) for i, r in drops.items()
                  if examples[i].pair_id is not None}
    for i, ex in enumerate(examples):
        if i not in drops and ex.pair_id in gone_pairs:
            drops[i] = f"twin dropped (its pair half was dropped: {gone_pairs[ex.pair_id]})"
    kept = [ex for i, ex in enumerate(examples) if i not in drops]
    dropped = [Dropped(reason=drops[i], stage=stage, policy_ids=list(examples[i].policy_ids),
                       example=examples[i]) for i in sorted(drops)]
    return FilterResult(kept=kept, dropped=dropped)


def user_text(example: Example) -> str:
    return next((m.content for m in reversed(example.messages) if m.role == "user"), "")


def label_name(example: Example) -> str:
    return example.label.value if example.label is not None else "-"
