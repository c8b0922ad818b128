"""Duplicate removal: exact duplicates by key, near-duplicates by MinHash + LSH.

Near-duplicates are found with MinHash + LSH over word shingles of each item's distinctive content
(the situation or question, not the shared system prompt and policy text), implemented with numpy
so that 100,000 items take seconds.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alignment_studio.core.text import words
from alignment_studio.framers.quality.common import (
    FilterResult,
    QualitySettings,
    distinctive_text,
    label_name,
    result,
    units,
)
from alignment_studio.types import Example

_SHIFT32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)


# ---------------------------------------------------------------------------------------------
# Exact duplicates


def exact_key(example: Example) -> str:
    """Hash of the normalised prompt and completions (case and whitespace ignored) and the
    label: the same text under another label is a contradiction for :func:`check_labels`."""
    parts = [m.content for m in example.messages]
    parts += [example.target or "", example.chosen or "", example.rejected or "",
              label_name(example)]
    text = " ".join("\x1f".join(parts).lower().split())
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def drop_exact_duplicates(examples: Sequence[Example]) -> FilterResult:
    """Keep the first of identical items; a pair whose half repeats another item goes whole."""
    keys = [exact_key(ex) for ex in examples]
    seen: dict[str, int] = {}
    drops: dict[int, str] = {}
    for unit in units(examples):
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
    return result(examples, drops, "dedup")


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
    label = label_name(example) if same_label else ""
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
    for unit in _priority(examples, units(examples), settings.pairs_first):
        hits = {i: max(((j, s) for j, s in near[i] if j in kept), key=lambda h: h[1],
                       default=None) for i in unit}
        if any(hit is not None for hit in hits.values()):
            for i, hit in hits.items():
                drops[i] = ("twin dropped (its pair half was a near duplicate)" if hit is None
                            else f"near duplicate (of {examples[hit[0]].id}, "
                                 f"Jaccard {hit[1]:.2f})")
        else:
            kept.update(unit)
    return result(examples, drops, "dedup")


def _priority(examples: Sequence[Example], units: list[list[int]],
              pairs_first: bool) -> list[list[int]]:
    """Units in the order near-duplicate removal keeps them: seeds, then (optionally) pairs,
    then the rest, each in input order."""
    def rank(unit: list[int]) -> tuple[int, int]:
        if any(examples[i].provenance.source == "seed" for i in unit):
            return 0, unit[0]
        return (1 if pairs_first and len(unit) > 1 else 2), unit[0]

    return sorted(units, key=rank)

