"""Mentions: finding the concepts a text names, longest match first, each word used once."""

from __future__ import annotations

import re

from alignment_studio.core.text import token_spans
from alignment_studio.framers.ontology.builder import Draft
from alignment_studio.framers.ontology.words import exact_form, fold, inflections, phrase_key
from alignment_studio.types.ontology import Category


class Matcher:
    """Finds concepts in text: longest match first, each word used once."""

    def __init__(self, forms: dict[str, list[str]]):
        self.keys: dict[tuple[str, ...], str] = {}
        for cid, surface in forms.items():
            for form in surface:
                key = phrase_key(form)
                if key:
                    self.keys.setdefault(key, cid)
        self.longest = max((len(k) for k in self.keys), default=1)

    def find(self, text: str) -> list[tuple[int, str, str]]:
        """(word position, concept ID, the words as written) in text order."""
        spans = token_spans(text)
        words = [w for _, w in spans]
        folded = [fold(w) for w in words]
        exact = ["=" + exact_form(w) if w[:1].isupper() or w[:1].isdigit() else None for w in words]
        named = [bool(w[:1].isupper()) and not _sentence_start(text, start)
                 for start, w in spans]
        hits: list[tuple[int, str, str]] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                if n == 1 and named[i]:  # 'this Code' is not the common noun 'code'
                    cid = self.keys.get((exact[i] or "",))
                else:
                    cid = self._lookup(folded[i:i + n], exact[i:i + n])
                if cid:
                    surface = re.search(r"\s+".join(map(re.escape, words[i:i + n])), text)
                    hits.append((i, cid, surface.group(0) if surface else " ".join(words[i:i+n])))
                    i += n
                    break
            else:
                i += 1
        return hits

    def _lookup(self, folded: list[str], exact: list[str | None]) -> str | None:
        options: list[list[str]] = [[f] if e is None else [f, e] for f, e in zip(folded, exact,
                                                                                  strict=True)]
        keys: list[tuple[str, ...]] = [()]
        for choice in options:
            keys = [k + (c,) for k in keys for c in choice]
        for key in keys:
            if key in self.keys:
                return self.keys[key]
        return None


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" _*`'\"“‘(")
    return not before or before[-1] in ".!?:;•-—–"


def surface_forms(draft: Draft) -> list[str]:
    forms = [draft.label, *draft.synonyms]
    if draft.category == Category.action:
        forms += [f for w in (draft.label, *draft.synonyms) if " " not in w
                  for f in inflections(w)]
    return forms
