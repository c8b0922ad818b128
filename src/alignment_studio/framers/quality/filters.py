"""Content filters: grounding of instruction answers in their policy, and label consistency of
scenarios (verdict, contrastive pairs, restated policies, near-identical situations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from alignment_studio.core.answers import bracketed, parse_label, strip_citations
from alignment_studio.core.text import content_words, stem, words
from alignment_studio.framers.quality.common import (
    PAYLOAD,
    FilterResult,
    QualitySettings,
    distinctive_text,
    label_name,
    result,
    user_text,
)
from alignment_studio.framers.quality.dedup import jaccard, near_duplicate_pairs
from alignment_studio.types import Example, Kind, Policy

# ---------------------------------------------------------------------------------------------
# Grounding


def stems(text: str) -> list[str]:
    """Content words with a plural 's' removed, so "gift" and "gifts" match."""
    return [stem(w) for w in content_words(text)]


def support_score(answer: str, sources: Iterable[str]) -> float:
    """Mean share of the answer's content words and content-word bigrams found in the sources.

    Lexical support is a cheap proxy for faithfulness: an answer made of the policy's own words
    (and the question's) rarely invents rules; one mostly made of other words often does.
    """
    answer_words = stems(strip_citations(answer))
    if not answer_words:
        return 0.0
    source_words = [stems(s) for s in sources]
    vocab = {w for ws in source_words for w in ws}
    bigrams = {(a, b) for ws in source_words for a, b in zip(ws, ws[1:], strict=False)}
    uni = sum(w in vocab for w in answer_words) / len(answer_words)
    pairs = list(zip(answer_words, answer_words[1:], strict=False))
    bi = sum(p in bigrams for p in pairs) / len(pairs) if pairs else uni
    return (uni + bi) / 2


def grounding_problem(example: Example, policies: dict[str, Policy], threshold: float,
                      ) -> str | None:
    """Why an instruction answer is not grounded in the policy it cites, or None if it is."""
    answer = example.target or example.chosen or ""
    if not example.policy_ids or example.policy_ids[0] not in policies:
        return f"unknown policy ({', '.join(example.policy_ids) or 'none'})"
    cites = bracketed(answer)
    if not cites:
        return "cites no policy"
    if not set(cites) & set(example.policy_ids):
        return f"cites a different policy ({', '.join(cites)})"
    texts = [policies[p].text for p in example.policy_ids if p in policies]
    question = distinctive_text(example) if PAYLOAD.search(user_text(example)) else ""
    score = support_score(answer, [*texts, question])
    if score < threshold:
        return f"answer not supported by the policy (support {score:.2f} < {threshold:.2f})"
    return None



def filter_grounding(examples: Sequence[Example], policies: dict[str, Policy],
                     threshold: float = 0.5, trusted: Sequence[str] = ("seed",)) -> FilterResult:
    """Drop instruction items whose answer does not cite, or is not supported by, its policy.

    Items from ``trusted`` sources (expert seeds) are not checked: an expert may rightly answer
    in words the clause does not use, and the filter is there to catch generated answers.
    """
    drops: dict[int, str] = {}
    for i, ex in enumerate(examples):
        if ex.kind == Kind.instruction and ex.provenance.source not in trusted:
            problem = grounding_problem(ex, policies, threshold)
            if problem:
                drops[i] = problem
    return result(examples, drops, "grounding")


# ---------------------------------------------------------------------------------------------
# Label consistency


def _scenario_problem(example: Example, policies: dict[str, Policy], threshold: float,
                      ) -> str | None:
    if example.label is None:
        return "scenario without a label"
    verdict = parse_label(example.target or "")
    if verdict is None:
        return "target states no verdict"
    if verdict != example.label:
        return f"verdict differs from label (target says {verdict.value}, " \
               f"label is {example.label.value})"
    situation = _shingle_set(distinctive_text(example))
    for pid in example.policy_ids:
        if pid in policies:
            score = jaccard(situation, _shingle_set(policies[pid].text))
            if score >= threshold:
                return f"situation restates the policy (Jaccard {score:.2f})"
    return None



def _shingle_set(text: str, k: int = 2) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i:i + k]) for i in range(max(1, len(ws) - k + 1))}


def check_labels(examples: Sequence[Example], policies: dict[str, Policy],
                 settings: QualitySettings | None = None) -> FilterResult:
    """Scenario checks: stated verdict equals the label, a pair has two different labels, the
    situation is not the policy restated, and near-identical situations of one policy agree."""
    settings = settings or QualitySettings()
    drops: dict[int, str] = {}
    for i, ex in enumerate(examples):
        if ex.kind == Kind.scenario:
            problem = _scenario_problem(ex, policies, settings.restatement_threshold)
            if problem:
                drops[i] = problem
    by_pair: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        if ex.pair_id is not None and i not in drops:
            by_pair[ex.pair_id].append(i)
    for members in by_pair.values():
        labels = [examples[i].label for i in members]
        if len(members) > 1 and len(set(labels)) < len(labels):
            drops.update({i: "contrastive pair with the same label" for i in members})
    drops.update(_inconsistent(examples, settings, set(drops)))
    return result(examples, drops, "consistency")


def _inconsistent(examples: Sequence[Example], settings: QualitySettings,
                  skip: set[int]) -> dict[int, str]:
    """Near-identical scenarios of the same policy with different labels: all go.

    Twins of a pair, and two template-made items, are exempt: their one differing phrase is the
    decisive fact by construction ('decided to X' / 'was asked to X and refused').
    """
    idx = [i for i, ex in enumerate(examples) if ex.kind == Kind.scenario and i not in skip]
    sub = [examples[i] for i in idx]
    parent = list(range(len(sub)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    templated = set(settings.template_sources)
    for a, b, _ in near_duplicate_pairs(sub, settings, same_label=False):
        twins = sub[a].pair_id is not None and sub[a].pair_id == sub[b].pair_id
        contrast = {sub[a].provenance.source, sub[b].provenance.source} <= templated
        if not twins and not contrast:
            parent[find(a)] = find(b)
    clusters: dict[int, list[int]] = defaultdict(list)
    for k in range(len(sub)):
        clusters[find(k)].append(k)
    drops: dict[int, str] = {}
    for members in clusters.values():
        labels = sorted({label_name(sub[k]) for k in members})
        if len(labels) > 1:
            for k in members:
                drops[idx[k]] = f"inconsistent labels ({' vs '.join(labels)} for " \
                                f"near-identical situations)"
    return drops
