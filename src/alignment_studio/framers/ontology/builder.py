"""The working state of an ontology build: each policy in its context, and the collector of
concept drafts and edges that merges a concept seen twice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from alignment_studio.framers.ontology.lexicon import Lexicon, LexiconEntry
from alignment_studio.framers.ontology.words import exact_form, folded_key, head_words, singular
from alignment_studio.framers.structure import slugify
from alignment_studio.types import Policy, PolicyDocument, Section
from alignment_studio.types.ontology import Category, ConceptSource, RelationType


@dataclass
class Draft:
    label: str
    category: Category
    source: ConceptSource
    synonyms: list[str] = field(default_factory=list)
    definition: str | None = None
    defined_in: str | None = None
    policy_ids: list[str] = field(default_factory=list)


@dataclass
class Context:
    """A policy with what surrounds it: its section, its neighbours, its section's parent."""

    policy: Policy
    section: Section
    parent: Section | None
    index: int


class Builder:
    """Collects concepts and edges; merges a concept seen twice (by ID or by any of its forms)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self.drafts: dict[str, Draft] = {}
        self.forms: dict[tuple[str, ...], str] = {}  # folded key of label/synonym -> concept ID
        self.edges: dict[tuple[str, RelationType, str], list[str]] = {}

    def find(self, text: str) -> str | None:
        return self.forms.get(folded_key(text))

    def add(self, label: str, category: Category | None = None,
            source: ConceptSource = ConceptSource.document,
            synonyms: Iterable[str] = ()) -> str:
        """The ID of the concept with this label (or synonym), created when new."""
        label = " ".join(label.split())
        known = self.find(label) or next((self.find(s) for s in synonyms if self.find(s)), None)
        entry = self.lexicon.entry(label)
        if known is None and entry is not None:
            known = self.from_lexicon(entry, source)
        if known is None:
            label = _singular_label(label)
            cid = slugify(label) or "concept"
            while cid in self.drafts:
                cid += "-2"
            self.drafts[cid] = Draft(label=label, category=category or self.guess(label),
                                     source=source)
            self.forms[folded_key(label)] = cid
            known = cid
        draft = self.drafts[known]
        if source == ConceptSource.document:
            draft.source = ConceptSource.document
        if (draft.category == Category.other and category and category != Category.other
                and self.lexicon.entry(draft.label) is None):
            draft.category = category
        for s in synonyms:
            self.synonym(known, s)
        return known

    def from_lexicon(self, entry: LexiconEntry, source: ConceptSource) -> str:
        cid = slugify(entry.term)
        if cid not in self.drafts:
            self.drafts[cid] = Draft(label=entry.term, category=entry.category, source=source,
                                     synonyms=list(entry.synonyms))
            for form in (entry.term, *entry.synonyms):
                self.forms.setdefault(folded_key(form), cid)
        return cid

    def synonym(self, cid: str, word: str) -> None:
        draft = self.drafts[cid]
        if folded_key(word) != folded_key(draft.label) and word not in draft.synonyms:
            draft.synonyms.append(word)
        self.forms.setdefault(folded_key(word), cid)

    def guess(self, label: str) -> Category:
        """Category of a new label: the lexicon's category of its head noun, if any."""
        head = head_words(label)
        for k in range(len(head), 0, -1):
            found = self.lexicon.entry(" ".join(head[-k:]))
            if found:
                return found.category
        return Category.other

    def relate(self, source: str, kind: RelationType, target: str,
               evidence: Iterable[str] = ()) -> None:
        if source == target:
            return
        ids = self.edges.setdefault((source, kind, target), [])
        ids += [e for e in evidence if e not in ids]

    def define(self, cid: str, definition: str, policy_id: str) -> None:
        draft = self.drafts[cid]
        if draft.defined_in is None:
            draft.definition, draft.defined_in = definition, policy_id


def _singular_label(label: str) -> str:
    """'IP addresses' -> 'IP address', 'account IDs' -> 'account ID'; names stay as written."""
    words = label.split(" ")
    if len(words) == len(head_words(label)) and exact_form(words[-1]) != words[-1]:
        return " ".join([*words[:-1], exact_form(words[-1])])  # 'URLs', 'AWS account IDs'
    if len(words) != len(head_words(label)) or words[0][:1].isupper() and not words[0].isupper():
        return label
    last = words[-1]
    words[-1] = exact_form(last) if last[:1].isupper() else singular(last)
    return " ".join(words)


def policy_contexts(documents: list[PolicyDocument]) -> Iterator[Context]:
    for document in documents:
        for top in document.sections:
            yield from _section_contexts(top, None)


def _section_contexts(section: Section, parent: Section | None) -> Iterator[Context]:
    for i, p in enumerate(section.policies):
        yield Context(p, section, parent, i)
    for child in section.children:
        yield from _section_contexts(child, section)
