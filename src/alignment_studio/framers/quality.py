"""Quality control of framed data: duplicates, grounding, label consistency and balance.

Every filter returns a :class:`FilterResult` - the examples it kept, in their original order, and
a :class:`Dropped` record for each one it removed - so nothing is silently lost and the data card
can show why items went. A ``Dropped.reason`` starts with a fixed category ("near duplicate",
"balance", ...) optionally followed by details in parentheses; :func:`reason_category` strips the
details so drops can be counted by category.

Contrastive pairs (examples sharing ``pair_id``) are kept or dropped as a whole by every filter:
one half without its twin no longer teaches the difference the pair was made for.

Near-duplicates are found with MinHash + LSH over word shingles of each item's distinctive content
(the situation or question, not the shared system prompt and policy text), implemented with numpy
so that 100,000 items take seconds.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.answers import bracketed, parse_label, strip_citations
from alignment_studio.core.text import content_words, stem, words
from alignment_studio.framers.split import is_promoted_failure
from alignment_studio.types import Dropped, Example, Kind, Label, Policy

M = TypeVar("M", bound=BaseModel)

_SHIFT32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_PAYLOAD = re.compile(r"^(?:Situation|Question|Request)\s*:\s*(?P<text>.+?)(?:\n\s*\n|\Z)",
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


# ---------------------------------------------------------------------------------------------
# Shared helpers


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
    user = _user(example)
    match = _PAYLOAD.search(user)
    if match and example.kind == Kind.preference:  # same question, another rejected answer
        return f"{match.group('text').strip()}\n{example.rejected or ''}"
    if match:
        return match.group("text").strip()
    answer = example.target or example.chosen or ""
    rest = "\n".join(line for line in user.splitlines() if not line.startswith("Policy ["))
    return strip_citations(f"{rest}\n{answer}")


def _units(examples: Sequence[Example]) -> list[list[int]]:
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


def _result(examples: Sequence[Example], drops: dict[int, str], stage: str) -> FilterResult:
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


# ---------------------------------------------------------------------------------------------
# Exact duplicates


def exact_key(example: Example) -> str:
    """Hash of the normalised prompt and completions (case and whitespace ignored) and the
    label: the same text under another label is a contradiction for :func:`check_labels`."""
    parts = [m.content for m in example.messages]
    parts += [example.target or "", example.chosen or "", example.rejected or "",
              _label_name(example)]
    text = " ".join("\x1f".join(parts).lower().split())
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def drop_exact_duplicates(examples: Sequence[Example]) -> FilterResult:
    """Keep the first of identical items; a pair whose half repeats another item goes whole."""
    keys = [exact_key(ex) for ex in examples]
    seen: dict[str, int] = {}
    drops: dict[int, str] = {}
    for unit in _units(examples):
        outside = [i for i in unit if keys[i] in seen]
        if outside:
            for i in unit:
                drops[i] = f"exact duplicate (of {examples[seen[keys[i]]].id})" if i in outside \
                    else "twin dropped (its pair half was an exact duplicate)"
            continue
        for i in unit:
            if keys[i] in seen:
                drops[i] = f"exact duplicate (of {examples[seen[keys[i]]].id})"
            else:
                seen[keys[i]] = i
    return _result(examples, drops, "dedup")


# ---------------------------------------------------------------------------------------------
# MinHash + LSH


@dataclass(frozen=True)
class Shingles:
    """Word-shingle ids of every text, flattened: text t owns ``ids[offsets[t]:offsets[t+1]]``."""

    ids: np.ndarray  # (S,) uint64 holding 32-bit hashes, sorted within each text
    offsets: np.ndarray  # (T + 1,) int64

    def of(self, t: int) -> set[int]:
        return set(self.ids[self.offsets[t]:self.offsets[t + 1]].tolist())


def shingle(texts: Sequence[str], k: int) -> Shingles:
    """Distinct k-word shingles of each text as 32-bit hashes (a text shorter than k: itself).

    Tokens of all texts are hashed in one flat array; k-grams that straddle two texts are
    masked out, so the work is a handful of numpy passes whatever the number of texts.
    """
    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # a new word gets the next id, at C speed
    buffer = array("q")  # token ids as raw int64, not millions of Python objects
    lengths = np.zeros(len(texts), dtype=np.int64)
    for t, text in enumerate(texts):
        ws = words(text)
        lengths[t] = len(ws)
        buffer.extend(map(vocab.__getitem__, ws))
    ids = np.frombuffer(buffer, dtype=np.int64).astype(np.uint64) + np.uint64(1)
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    grams, gram_owner = _flat_kgrams(ids, owner, k)
    short = np.flatnonzero((lengths > 0) & (lengths < k))
    if len(short):  # texts shorter than k words are one shingle of all their words
        starts = np.r_[0, np.cumsum(lengths)]
        extra = [_kgram_hash(ids[starts[t]:starts[t + 1]], int(lengths[t]))[0] for t in short]
        grams = np.r_[grams, np.array(extra, dtype=np.uint64)]
        gram_owner = np.r_[gram_owner, short.astype(np.uint64)]
    keys = np.sort((gram_owner << np.uint64(32)) | grams)  # sorted by text
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys  # distinct
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(texts)),
              out=offsets[1:])
    return Shingles(ids=keys & _MASK32, offsets=offsets)


def _flat_kgrams(ids: np.ndarray, owner: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) < k:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
    grams = _kgram_hash(ids, k)
    same = owner[:len(grams)] == owner[k - 1:]
    return grams[same], owner[:len(grams)][same]


def _kgram_hash(ids: np.ndarray, k: int) -> np.ndarray:
    """32-bit hashes of every run of k consecutive token ids (uint64 arithmetic wraps)."""
    n = len(ids) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + ids[j:j + n]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return h & _MASK32


def minhash(shingles: Shingles, num_perm: int = 128, seed: int = 1,
            texts_per_chunk: int = 2048) -> np.ndarray:
    """(texts, num_perm) uint32 MinHash signatures; an empty text keeps all-max (never matches).

    Hash family: multiply-shift, the high 32 bits of (a * x + b) mod 2^64 with a odd - as good
    as datasketch's (a * x + b) mod (2^61 - 1) for MinHash, and several times faster in numpy
    (no modulo). Each distinct shingle is hashed once into a (num_perm, distinct) table; texts
    are then processed a chunk at a time so the (num_perm, shingles) gather stays small.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    n = len(shingles.offsets) - 1
    sig = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if len(shingles.ids) == 0:
        return sig
    distinct, inverse = np.unique(shingles.ids, return_inverse=True)  # hash each value once
    with np.errstate(over="ignore"):
        table = ((a[:, None] * distinct[None, :] + b[:, None]) >> _SHIFT32).astype(np.uint32)
    filled = np.flatnonzero(np.diff(shingles.offsets) > 0)
    for g in range(0, len(filled), texts_per_chunk):
        docs = filled[g:g + texts_per_chunk]
        lo, hi = shingles.offsets[docs[0]], shingles.offsets[docs[-1] + 1]
        hv = table[:, inverse[lo:hi]]  # (P, S)
        sig[docs] = np.minimum.reduceat(hv, shingles.offsets[docs] - lo, axis=1).T
    return sig


def lsh_params(threshold: float, num_perm: int, miss_weight: float = 0.95) -> tuple[int, int]:
    """(bands, rows) minimising weighted false positives + false negatives around ``threshold``.

    Misses weigh 0.95: every candidate is confirmed by exact Jaccard, so a false candidate costs
    only a set comparison while a missed one is a duplicate left in. With 128 permutations at
    0.8 this gives 16 bands of 8 rows: a pair at Jaccard 0.8 is found with probability 0.95,
    at 0.85 with 0.99 (equal weights gave 9 x 14 and only 0.33 and 0.62).
    """
    xs = np.linspace(0.0, 1.0, 201)
    best, best_err = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        rows = num_perm // bands
        prob = 1.0 - (1.0 - xs ** rows) ** bands
        err = float(np.trapezoid(np.where(xs < threshold, (1 - miss_weight) * prob,
                                          miss_weight * (1.0 - prob)), xs))
        if err < best_err:
            best, best_err = (bands, rows), err
    return best


def candidate_pairs(sig: np.ndarray, groups: np.ndarray, threshold: float) -> np.ndarray:
    """(m, 2) index pairs i<j that share an LSH bucket within the same group."""
    bands, rows = lsh_params(threshold, sig.shape[1])
    found: list[np.ndarray] = []
    mult = np.uint64(0x9E3779B97F4A7C15)
    for band in range(bands):
        block = sig[:, band * rows:(band + 1) * rows].astype(np.uint64)
        key = groups.astype(np.uint64) * mult
        with np.errstate(over="ignore"):
            for col in range(rows):
                key = (key ^ block[:, col]) * mult
        found.append(_bucket_pairs(key))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    n = np.int64(len(sig))
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])  # one row per pair, however many bands
    return np.stack([codes // n, codes % n], axis=1)


def _bucket_pairs(key: np.ndarray) -> np.ndarray:
    """All index pairs (i<j) with equal keys; buckets of two (the usual case) vectorised."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    two = starts[sizes == 2]
    out = [np.sort(np.stack([order[two], order[two + 1]], axis=1), axis=1)]
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
        members = np.sort(order[start:start + size])
        i, j = np.triu_indices(len(members), 1)
        out.append(np.stack([members[i], members[j]], axis=1))
    return np.concatenate(out).astype(np.int64)


def _estimate(sig: np.ndarray, pairs: np.ndarray, chunk: int = 1 << 17) -> np.ndarray:
    """MinHash Jaccard estimates of candidate pairs: share of equal signature entries.

    Templated items of one policy share long phrases, so LSH proposes many pairs near 0.5-0.7;
    the estimate (standard error 0.035 at 128 permutations) discards them in numpy before the
    exact set comparison, which stays in Python.
    """
    out = np.zeros(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        out[start:start + chunk] = (sig[part[:, 0]] == sig[part[:, 1]]).mean(axis=1)
    return out


def jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicate_pairs(examples: Sequence[Example], settings: QualitySettings,
                         same_label: bool = True) -> list[tuple[int, int, float]]:
    """(i, j, Jaccard) for items i<j of the same kind, policies and cue terms (and label, if
    ``same_label``) whose distinctive texts are at least ``near_dup_threshold`` similar (LSH
    candidates, confirmed by exact Jaccard). Items with different labels are not duplicates:
    they teach different answers; whether they contradict each other is :func:`check_labels`'
    business."""
    if len(examples) < 2:
        return []
    shingles = shingle([distinctive_text(ex) for ex in examples], settings.shingle_words)
    sig = minhash(shingles, settings.num_perm, settings.minhash_seed)
    scope: dict[tuple[str, ...], int] = {}
    groups = np.array([scope.setdefault(_scope(ex, same_label, settings.cue_variants_differ),
                                        len(scope)) for ex in examples], dtype=np.int64)
    pairs = candidate_pairs(sig, groups, settings.near_dup_threshold)
    pairs = pairs[_estimate(sig, pairs) >= settings.near_dup_threshold - 0.15]
    found: list[tuple[int, int, float]] = []
    for i, j in pairs.tolist():
        score = jaccard(shingles.of(i), shingles.of(j))
        if score >= settings.near_dup_threshold:
            found.append((i, j, score))
    return found


def _scope(example: Example, same_label: bool, by_terms: bool) -> tuple[str, ...]:
    """Items are compared only within one scope: kind, policies, (label), (cue terms)."""
    label = _label_name(example) if same_label else ""
    terms = "|".join(sorted(example.terms)) if by_terms else ""
    return example.kind.value, label, terms, context_line(example), *sorted(example.policy_ids)


def context_line(example: Example) -> str:
    """The 'Context: role=…' line of the system prompt, if any: the same question asked in
    two contexts is two items (its answer may differ), never a duplicate."""
    return next((line for m in example.messages if m.role == "system"
                 for line in m.content.splitlines() if line.startswith("Context: ")), "")


def drop_near_duplicates(examples: Sequence[Example],
                         settings: QualitySettings | None = None) -> FilterResult:
    """Keep the first item of each near-duplicate cluster; twins are never each other's
    duplicate, and a pair goes whole when one half repeats an item kept before it."""
    settings = settings or QualitySettings()
    near: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for i, j, score in near_duplicate_pairs(examples, settings):
        near[i].append((j, score))
        near[j].append((i, score))
    kept: set[int] = set()
    drops: dict[int, str] = {}
    for unit in _priority(examples, _units(examples), settings.pairs_first):
        hits = {i: max(((j, s) for j, s in near[i] if j in kept), key=lambda h: h[1],
                       default=None) for i in unit}
        if any(hit is not None for hit in hits.values()):
            for i, hit in hits.items():
                drops[i] = ("twin dropped (its pair half was a near duplicate)" if hit is None
                            else f"near duplicate (of {examples[hit[0]].id}, "
                                 f"Jaccard {hit[1]:.2f})")
        else:
            kept.update(unit)
    return _result(examples, drops, "dedup")


def _priority(examples: Sequence[Example], units: list[list[int]],
              pairs_first: bool) -> list[list[int]]:
    """Units in the order near-duplicate removal keeps them: seeds, then (optionally) pairs,
    then the rest, each in input order."""
    def rank(unit: list[int]) -> tuple[int, int]:
        if any(examples[i].provenance.source == "seed" for i in unit):
            return 0, unit[0]
        return (1 if pairs_first and len(unit) > 1 else 2), unit[0]

    return sorted(units, key=rank)


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
    question = distinctive_text(example) if _PAYLOAD.search(_user(example)) else ""
    score = support_score(answer, [*texts, question])
    if score < threshold:
        return f"answer not supported by the policy (support {score:.2f} < {threshold:.2f})"
    return None


def _user(example: Example) -> str:
    return next((m.content for m in reversed(example.messages) if m.role == "user"), "")


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
    return _result(examples, drops, "grounding")


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


def _label_name(example: Example) -> str:
    return example.label.value if example.label is not None else "-"


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
    return _result(examples, drops, "consistency")


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
        labels = sorted({_label_name(sub[k]) for k in members})
        if len(labels) > 1:
            for k in members:
                drops[idx[k]] = f"inconsistent labels ({' vs '.join(labels)} for " \
                                f"near-identical situations)"
    return drops


# ---------------------------------------------------------------------------------------------
# Balance


def balance(examples: Sequence[Example], settings: QualitySettings | None = None,
            ) -> FilterResult:
    """Cap over-represented cells, dropping surplus teacher, then structure, then seed items
    (latest first, pair halves last; promoted red-team failures never): per (policy, kind,
    label), then label ratios per policy and overall."""
    settings = settings or QualitySettings()
    rank = {s: r for r, s in enumerate(settings.drop_order)}

    def victims_first(members: list[int]) -> list[int]:
        """Droppable members, first victim first; promoted red-team failures are never
        dropped (a person confirmed each one)."""
        return sorted((i for i in members if not is_promoted_failure(examples[i])),
                      key=lambda i: (examples[i].pair_id is not None,
                                     rank.get(examples[i].provenance.source, len(rank)), -i))

    drops: dict[int, str] = {}
    if settings.max_per_cell is not None:
        cells: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, ex in enumerate(examples):
            label = _label_name(ex)
            for pid in ex.policy_ids[:1]:
                cells[(pid, ex.kind.value, label)].append(i)
        for (pid, kind, label), members in sorted(cells.items()):
            surplus = len(members) - settings.max_per_cell
            for i in victims_first(members)[:max(0, surplus)]:
                drops[i] = f"balance (over {settings.max_per_cell} items in {pid} {kind} {label})"
    if settings.max_label_ratio is not None:
        per_policy: dict[str, list[int]] = defaultdict(list)
        for i, ex in enumerate(examples):
            if ex.label is not None and i not in drops and ex.policy_ids:
                per_policy[ex.policy_ids[0]].append(i)
        for pid, members in sorted(per_policy.items()):
            drops.update(_ratio_cap(examples, members, settings.max_label_ratio, victims_first,
                                    f"label ratio in {pid}"))
        labelled = [i for i, ex in enumerate(examples) if ex.label is not None and i not in drops]
        drops.update(_ratio_cap(examples, labelled, settings.max_label_ratio, victims_first,
                                "overall label ratio"))
    return _result(examples, drops, "balance")


def _ratio_cap(examples: Sequence[Example], members: list[int], factor: float,
               order: Callable[[list[int]], list[int]], where: str) -> dict[int, str]:
    by_label: dict[Label, list[int]] = defaultdict(list)
    for i in members:
        label = examples[i].label
        if label is not None:
            by_label[label].append(i)
    if len(by_label) < 2:
        return {}
    cap = int(factor * min(len(v) for v in by_label.values()))
    drops: dict[int, str] = {}
    for label, items in by_label.items():
        for i in order(items)[:max(0, len(items) - cap)]:
            drops[i] = f"balance ({where}: {label.value} over {factor:g} x the rarest label)"
    return drops


# ---------------------------------------------------------------------------------------------
# The whole pass


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
