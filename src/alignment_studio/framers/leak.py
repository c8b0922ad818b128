"""The leak check: can a scenario's label be read off its wording alone?

A bag-of-words classifier (multinomial naive Bayes with add-one smoothing, on the situation's
words, without the policy) is trained on the scenarios of some policies and tested on the
scenarios of the others, in five folds by policy. If it beats always answering the most common
label by more than ``MARGIN``, the labels can be read from how the situations are worded (a
template per label), and a model trained on them learns the template, not the rule. The frame
stage records the figures in the manifest and the data card.

Naive Bayes over word counts is the textbook baseline for this question and fits in a few
lines of numpy; a bigger library would add nothing to a yes/no figure.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np

from alignment_studio.core.text import words
from alignment_studio.types import Example, Kind, LeakCheck

MARGIN = 0.10  # what the classifier may gain over the majority rate before labels leak
FOLDS = 5
MIN_ITEMS = 20  # fewer scenarios than this: no figure


def leak_check(examples: list[Example]) -> LeakCheck | None:
    """Held-out-policy accuracy of a bag-of-words classifier on situations alone, against the
    majority rate of the same items; None with too few scenarios or policies."""
    items = {(e.asked, e.label.value, e.policy_ids[0]) for e in examples
             if e.kind == Kind.scenario and e.asked and e.label is not None and e.policy_ids}
    rows = sorted(items)
    policies = sorted({p for _, _, p in rows})
    if len(rows) < MIN_ITEMS or len(policies) < FOLDS:
        return None
    fold = {p: int(hashlib.sha256(p.encode()).hexdigest(), 16) % FOLDS for p in policies}
    right = majority_right = 0
    for k in range(FOLDS):
        train = [r for r in rows if fold[r[2]] != k]
        test = [r for r in rows if fold[r[2]] == k]
        if not train or not test:
            continue
        predict = _naive_bayes([r[0] for r in train], [r[1] for r in train])
        common = Counter(r[1] for r in train).most_common(1)[0][0]
        right += sum(predict(text) == label for text, label, _ in test)
        majority_right += sum(label == common for _, label, _ in test)
    accuracy, majority = right / len(rows), majority_right / len(rows)
    return LeakCheck(items=len(rows), policies=len(policies), accuracy=round(accuracy, 4),
                     majority=round(majority, 4), margin=MARGIN,
                     leaks=accuracy - majority > MARGIN)


def _naive_bayes(texts: list[str], labels: list[str]):  # type: ignore[no-untyped-def]
    """A fitted multinomial naive Bayes: text -> the most likely label."""
    vocab = {w: i for i, w in enumerate(sorted({w for t in texts for w in words(t)}))}
    classes = sorted(set(labels))
    counts = np.ones((len(classes), len(vocab)))  # add-one smoothing
    prior = np.zeros(len(classes))
    for text, label in zip(texts, labels, strict=True):
        c = classes.index(label)
        prior[c] += 1
        for w in words(text):
            counts[c, vocab[w]] += 1
    log_word = np.log(counts / counts.sum(axis=1, keepdims=True))
    log_prior = np.log(prior / prior.sum())

    def predict(text: str) -> str:
        seen = [vocab[w] for w in words(text) if w in vocab]
        scores = log_prior + log_word[:, seen].sum(axis=1)
        return classes[int(np.argmax(scores))]

    return predict
