"""A learned second reading of the statements the rules leave informational.

The rules of framers/statements.py read a norm from its words: a modal, an imperative, a frame
("is required to"), a lead-in or a heading. On documents they were not tuned on they miss norms
said another way ("GSA IT manages software updates" in an equipment policy, "Right to merge
pull requests" under a role). This module is a multinomial logistic regression over words, word
pairs, the section's title and a few dependency-parse facts (modal lemma, negation, root verb and
its tag, subject), trained by ``bench/train_norm_model.py`` on the project's hand-labelled
documents (never on the held-out rounds). It only ever *adds* a norm: a statement the rules call
informational becomes the model's most likely norm when the model's probability of "no norm" is
below the threshold; what the rules call a norm is left alone (in the prototype, leaving one
round out, letting it veto a rule's norm at P(no norm) > 0.95 gained 2 points of precision and
lost 4 of recall, and letting it change a rule's modality lowered modality accuracy).

The weights ship as a gzipped JSON resource of the package; numpy computes the scores, so the
framers need no training library at run time.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Collection, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from alignment_studio.framers.clauses import fact_negated
from alignment_studio.types import Modality, Policy, PolicyDocument

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

NONE = "none"
CLASSES = (NONE, Modality.obligation.value, Modality.prohibition.value,
           Modality.permission.value, Modality.recommendation.value, Modality.definition.value)
RESOURCE = "norm_model.json.gz"
_TOKEN = re.compile(r"[a-z']+|[0-9]+|[^\sa-z0-9]")
_NEGATIONS = {"no", "never", "nobody", "none", "nothing", "neither", "nor", "without"}


class Example(BaseModel):
    """One statement as the model reads it, with its gold class (``none`` when no label)."""

    model_config = ConfigDict(extra="forbid")
    features: list[str]
    gold: str = NONE


class NormModel(BaseModel):
    """Weights per feature and class, the bias per class and the decision threshold."""

    model_config = ConfigDict(extra="forbid")
    classes: list[str] = Field(default_factory=lambda: list(CLASSES))
    weights: dict[str, list[float]]
    bias: list[float]
    threshold: float = Field(0.3, description="a norm is added when P(no norm) is below this")
    trained_on: list[str] = Field(default_factory=list, description="labelled documents used")

    _index: dict[str, int] = PrivateAttr(default_factory=dict)
    _matrix: np.ndarray | None = PrivateAttr(default=None)

    def probabilities(self, features: Sequence[Sequence[str]]) -> np.ndarray:
        """One row of class probabilities per statement; unknown features are ignored."""
        if self._matrix is None:  # the weights as one matrix, a row per feature, once
            self._index = {f: i for i, f in enumerate(self.weights)}
            self._matrix = np.array([*self.weights.values(), [0.0] * len(self.classes)])
        index = self._index  # a local name: a private attribute is slow to reach
        flat, starts, sizes = _pack([{index[f] for f in feats if f in index} for feats in features])
        return _softmax(_row_sums(self._matrix[flat], starts, sizes) + np.array(self.bias))


def features(text: str, title: str, form: str, question: bool, doc: Doc) -> list[str]:
    """What the model reads of one statement: its words and word pairs, its first words, its
    section's title words, its form and length, and the parse's modal, negation, root and
    subject."""
    words = _TOKEN.findall(text.lower())
    pairs = zip(words, words[1:], strict=False)
    out = [f"w:{w}" for w in words] + [f"b:{a}_{b}" for a, b in pairs]
    out += [f"f0:{w}" for w in words[:1]] + [f"f1:{'_'.join(words[:2])}"]
    out += [f"t:{w}" for w in _TOKEN.findall(title.lower())]
    out += [f"form:{form}", f"len:{min(len(words) // 5, 8)}", f"q:{int(question)}"]
    return out + _parse_features(doc)


def _parse_features(doc: Doc) -> list[str]:
    out: list[str] = []
    for token in doc:
        if token.tag_ == "MD":
            out.append(f"md:{token.lemma_.lower()}")
        if token.dep_ == "neg":
            out += [f"neg:{token.head.lemma_.lower()}", "neg"]
        if token.dep_ == "ROOT":
            out += [f"root:{token.lemma_.lower()}", f"roottag:{token.tag_}",
                    f"rootpos:{min(token.i, 5)}", f"subj:{_subject(token)}"]
            out += [f"rootchild:{child.dep_}" for child in token.children]
        if token.i == 0:
            out.append(f"tag0:{token.tag_}")
    return out


def _subject(root: Token) -> str:
    """A pronoun subject by its word ("you", "we"), any other by its relation and part of
    speech, or ``none`` for an imperative or a fragment."""
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
    if not subjects:
        return "none"
    first = subjects[0]
    return first.lower_ if first.tag_ == "PRP" else f"{first.dep_}:{first.pos_}"


def statement_features(document: PolicyDocument, docs: Iterable[Doc]) -> list[list[str]]:
    """The features of every statement of a document, in ``document.policies()`` order, from
    the statements' parses (``docs``, same order)."""
    titles = {s.id: s.title for s in document.all_sections()}
    return [features(*_context(p, titles), doc)
            for p, doc in zip(document.policies(), docs, strict=True)]


def _context(policy: Policy, titles: dict[str, str]) -> tuple[str, str, str, bool]:
    """What the model reads besides the parse: text, heading, form, whether it answers."""
    return policy.text, titles.get(policy.section_id, ""), policy.form.value, bool(policy.question)


def read_again(document: PolicyDocument, model: NormModel | None = None,
               skip: Collection[str] = ()) -> list[Policy]:
    """Give the model's norm to each informational statement it reads as a norm (in place),
    except those whose IDs are in ``skip`` (a rule read them as no norm on purpose); the
    statements changed."""
    from alignment_studio.framers.nlp import parse

    model = model or bundled()
    titles = {s.id: s.title for s in document.all_sections()}
    todo = [p for p in document.policies()
            if p.modality == Modality.informational and p.id not in skip]
    if model is None or not todo:
        return []
    # a handbook repeats sentences under the same heading: each distinct one is read once
    keys = [_context(p, titles) for p in todo]
    distinct = list(dict.fromkeys(keys))
    docs = dict(zip(distinct, parse([k[0] for k in distinct]), strict=True))
    probs = model.probabilities([features(*key, docs[key]) for key in distinct])
    rows = dict(zip(distinct, probs, strict=True))
    changed = []
    for policy, key in zip(todo, keys, strict=True):
        row = rows[key]
        if row[0] < model.threshold:
            _give_norm(policy, model.classes[int(np.argmax(row[1:])) + 1], docs[key])
            changed.append(policy)
    return changed


def _give_norm(policy: Policy, modality: str, doc: Doc) -> None:
    """A norm is negated where any negation is written; a definition where its main verb is
    ("X is not a security problem", "There are no fees for Y"), not for a "not" inside it."""
    policy.modality = Modality(modality)
    if modality == Modality.definition.value:
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        policy.negated = root is not None and fact_negated(root)
    else:
        policy.negated = any(t.dep_ == "neg" or t.lower_ in _NEGATIONS for t in doc)


@functools.lru_cache(maxsize=1)
def bundled() -> NormModel | None:
    """The model shipped with the package, or None when the resource is absent."""
    path = resources.files("alignment_studio") / "resources" / RESOURCE
    if not path.is_file():
        return None
    return NormModel.model_validate_json(gzip.decompress(path.read_bytes()))


def save(model: NormModel, path: Path) -> None:
    """Write the model as gzipped JSON, weights rounded to 3 decimals (mtime fixed, so the
    same training gives the same bytes)."""
    data = model.model_dump()
    data["weights"] = {k: [round(x, 3) for x in v] for k, v in sorted(data["weights"].items())}
    data["bias"] = [round(x, 3) for x in data["bias"]]
    path.write_bytes(gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0))


def train(examples: Sequence[Example], min_count: int = 3, steps: int = 150,
          rate: float = 0.1, l2: float = 1e-4, threshold: float = 0.3) -> NormModel:
    """Multinomial logistic regression by full-batch Adam over the features seen in at least
    ``min_count`` statements (rarer ones are dropped: they fit single documents)."""
    counts: dict[str, int] = {}
    for ex in examples:
        for f in set(ex.features):
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count))}
    flat, starts, sizes = _pack([{vocab[f] for f in ex.features if f in vocab} for ex in examples])
    owner = np.repeat(np.arange(len(sizes)), sizes)
    target = np.zeros((len(sizes), len(CLASSES)))
    target[np.arange(len(sizes)), [CLASSES.index(ex.gold) for ex in examples]] = 1.0
    weights = np.zeros((len(vocab) + 1, len(CLASSES)))  # the last row is the bias
    moment, second = np.zeros_like(weights), np.zeros_like(weights)
    for step in range(1, steps + 1):
        probs = _softmax(_row_sums(weights[flat], starts, sizes) + weights[-1])
        error = (probs - target) / len(sizes)
        spread = error[owner]
        grad = np.empty_like(weights)
        for c in range(len(CLASSES)):
            grad[:-1, c] = np.bincount(flat, weights=spread[:, c], minlength=len(vocab))
        grad[-1] = error.sum(axis=0)
        grad[:-1] += l2 * weights[:-1]
        moment = 0.9 * moment + 0.1 * grad
        second = 0.999 * second + 0.001 * grad**2
        weights -= rate * (moment / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    names = sorted(vocab, key=vocab.__getitem__)
    return NormModel(weights={f: weights[i].tolist() for i, f in enumerate(names)},
                     bias=weights[-1].tolist(), threshold=threshold)


def _pack(rows: Sequence[set[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each statement's distinct feature indices, one statement after another (the model is
    trained on which features a statement has, not how often), with where each starts and how
    many it has."""
    sizes = np.array([len(row) for row in rows], dtype=np.int64)
    flat = np.array([i for row in rows for i in sorted(row)], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return flat, starts, sizes


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _row_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Sum of each statement's feature rows (rows stored one statement after another); a
    statement without known features sums to zero."""
    out = np.zeros((len(sizes), values.shape[1]))
    nonempty = sizes > 0
    if nonempty.any():
        out[nonempty] = np.add.reduceat(values, starts[nonempty], axis=0)
    return out
