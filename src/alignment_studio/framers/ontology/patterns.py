"""Is-a statements in running text, each pattern anchored on the dependency parse.

'X such as A, B and C', 'X, like A', 'X, including A and B' (the preposition hangs on X, or on
a verb whose object is X), 'A, B and other X' (X a conjunct of A), 'A is a X' (a copula with an
indefinite attribute), 'categorizes X as A, B and C', 'X (e.g. A, B)' and 'X (A, B, etc.)',
'Examples of X include A'. The parent is the noun the parser attaches the list to, so a noun
that merely stands nearby ('customers such as politically exposed persons and financial
institutions') never becomes one; the members are the parts of the list (``syntax.listed``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alignment_studio.framers.ontology.syntax import (
    KINDS,
    NOUNS,
    coordinated,
    kind_of,
    listed,
    listed_before,
    members,
    of_phrase,
    other,
    parsed,
    term,
)
from alignment_studio.framers.ontology.words import VAGUE

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_PLACES = {"in", "within", "inside", "into", "at", "from", "on"}
_CATEGORIZE = {"categorize", "categorise", "classify", "divide", "group", "sort", "split"}
_NOT_A_GENUS = {"part", "member", "component", "piece", "way", "thing", "result", "reason"}
_ANAPHORIC = {"this", "that", "these", "those", "its", "their", "our", "your", "my", "his",
              "her", "such"}
_MARKERS = re.compile(r"(?:e\.\s?g\.|for example|for instance|such as|including|like)[,:]?\s*",
                      re.I)


@dataclass(frozen=True)
class Hyponymy:
    """``children`` are kinds of ``parent``; ``other``: the text names the parent 'other X'
    (a category of its own where the document defined one); ``loose``: 'like' and
    'including' may hang on another noun than the parse says, so categories are checked."""

    parent: str
    children: tuple[str, ...]
    other: bool = False
    loose: bool = False


def hyponymies(text: str, defining: bool = False, fragment: bool = False) -> list[Hyponymy]:
    """The is-a statements of one policy text (``fragment``: a list item). In a definition,
    what follows 'including' belongs to the defined term, so ``defining`` leaves that pattern
    to the caller."""
    doc = parsed(text, fragment)
    parens = _parens(doc)
    found = [*_examples(doc, parens, defining), *_and_other(doc), *_copula(doc),
             *_categorized(doc), *_include(doc), *_parenthetical(doc, parens)]
    return [h for h in found if h.children]


def _parens(doc: Doc) -> list[tuple[int, int]]:
    spans, start = [], None
    for t in doc:
        if t.text == "(":
            start = t.i
        elif t.text == ")" and start is not None:
            spans.append((start, t.i))
            start = None
    return spans


def _examples(doc: Doc, parens: list[tuple[int, int]], defining: bool) -> Iterator[Hyponymy]:
    """'X such as A, B', 'X, like A', 'X, including A': the preposition's head is X (or X is
    the object of the verb it hangs on)."""
    for tok in doc:
        such_as = tok.lower_ == "as" and tok.i > 0 and doc[tok.i - 1].lower_ == "such"
        marker = tok.lower_ in {"like", "including"} and tok.dep_ in {"prep", "advcl", "acl"}
        if not (such_as or marker) or any(a < tok.i < b for a, b in parens):
            continue
        if defining and tok.lower_ == "including":
            continue
        before = doc[tok.i - 2 if such_as else tok.i - 1] if tok.i > 1 else doc[0]
        if before.text == "," and before.i > 0:
            before = doc[before.i - 1]
        if before.lower_ == "else" and before.i > 0:
            before = doc[before.i - 1]
        if before.pos_ == "PRON" or before.lower_ in VAGUE:
            continue  # 'with anyone, including IT staff': the parser hangs it elsewhere
        parent = _anchor(tok)
        if parent is not None and (general := term(parent)):
            yield Hyponymy(general, tuple(listed(doc, tok.i + 1)), other(parent),
                           loose=not such_as)


def _anchor(marker: Token) -> Token | None:
    """The noun a 'such as' / 'like' / 'including' phrase is about."""
    head = marker.head
    if head.lower_ == "such":  # 'such' attached as the head of 'as'
        head = head.head
    if head.pos_ in NOUNS:  # 'GS-15, step 10, including ...': an identifier, not a class
        head = _nearest(head, marker)
        return None if any(c.dep_ == "nummod" for c in head.children) else head
    if head.pos_ in {"VERB", "AUX"}:
        if marker.lower_ == "like" and marker.doc[marker.i - 1].text != ",":
            return None  # 'treat contractors like employees' compares
        objects = [c for c in head.children if c.dep_ in {"dobj", "nsubjpass"}
                   and c.pos_ in NOUNS and c.i < marker.i]
        return _nearest(objects[-1], marker) if objects else None
    return None


def _nearest(head: Token, marker: Token) -> Token:
    """The noun of a phrase that ends right before the marker, when the parser hung the
    marker higher ('transactions with politically exposed persons, like heads of state'): a
    list of examples names kinds of the nearest noun, unless that noun only says where ('store
    sensitive information in GitHub, including ...')."""
    end = marker.i - (2 if marker.lower_ == "as" else 1)
    end -= 1 if end >= 0 and marker.doc[end].text == "," else 0
    for prep in head.rights:
        objects = [c for c in prep.children if c.dep_ == "pobj" and c.pos_ in NOUNS]
        if prep.dep_ == "prep" and prep.lower_ not in _PLACES and objects and (
                objects[0].right_edge.i == end):
            return _nearest(objects[0], marker)
    return head


def _and_other(doc: Doc) -> Iterator[Hyponymy]:
    """'A, B and other X', 'A or any other X': the parts of the list before 'and' are kinds
    of X, the noun 'other' qualifies."""
    for tok in doc:
        if tok.lower_ != "other" or tok.head.pos_ not in NOUNS or tok.i < 2:
            continue
        cc = doc[tok.i - 2] if doc[tok.i - 1].lower_ == "any" else doc[tok.i - 1]
        if cc.lower_ in {"and", "or"} and (general := term(tok.head)):
            yield Hyponymy(general, tuple(listed_before(doc, cc.i)))


def _copula(doc: Doc) -> Iterator[Hyponymy]:
    """'A burner phone is a phone ...', 'Cloud service providers are private organizations':
    present-tense 'be', no negation, an indefinite attribute (or plural subject and attribute,
    neither with an article), a subject in the attribute's number and without a qualifying
    phrase ('Employees of central banks are ...' says nothing of employees)."""
    for be in doc:
        if be.lemma_ != "be" or be.dep_ != "ROOT" or be.tag_ not in {"VBZ", "VBP"}:
            continue
        subjects = [c for c in be.children if c.dep_ == "nsubj" and c.pos_ in NOUNS]
        attrs = [c for c in be.children if c.dep_ == "attr" and c.pos_ == "NOUN"]
        if not subjects or not attrs or any(c.dep_ == "neg" for c in be.children):
            continue
        subject, attr = subjects[0], attrs[0]
        if not _plain_subject(subject, attr):
            continue
        article = {c.lower_ for c in attr.children if c.dep_ == "det"}
        plural = attr.tag_ == "NNS" and subject.tag_ in {"NNS", "NNPS"} and not article and not any(
            c.dep_ == "det" for c in subject.children)  # 'Laptops are devices', not 'The ...'
        genus = kind_of(attr)
        if (article & {"a", "an"} or plural) and genus.lemma_.lower() not in _NOT_A_GENUS and (
                general := term(genus)):
            yield Hyponymy(general, members(coordinated(subject)))


def _plain_subject(subject: Token, attr: Token) -> bool:
    if subject.lemma_.lower() in KINDS or subject.tag_ == "NNS" and attr.tag_ == "NN":
        return False  # 'The type of work is a factor'; 'Changes ... are a consideration'
    return not any(c.lower_ in _ANAPHORIC or c.dep_ in {"prep", "relcl", "acl"}
                   for c in subject.children)


def _categorized(doc: Doc) -> Iterator[Hyponymy]:
    """'TTS categorizes sensitive information as secrets, privacy, and other sensitive
    information': the members are kinds of the object; 'other X' among them is a category
    named 'other X'."""
    for verb in doc:
        if verb.lemma_.lower() not in _CATEGORIZE:
            continue
        objects = [c for c in verb.children if c.dep_ in {"dobj", "nsubjpass"} and c.pos_ in NOUNS]
        if not objects or not (general := term(objects[0])):
            continue
        for prep in (p for t in (verb, objects[0]) for p in t.children
                     if p.dep_ == "prep" and p.lower_ in {"as", "into"}):
            kinds = [k for k in listed(doc, prep.i + 1, other_of=general)
                     if k.lower() != general.lower()]
            yield Hyponymy(general, tuple(kinds))


def _include(doc: Doc) -> Iterator[Hyponymy]:
    """'Examples of X include A and B', 'Company assets include equipment, funds, ...': a
    kinds-word subject, or one without article or possessive (a general statement; 'The kit
    includes a laptop' is part-whole)."""
    for verb in doc:
        if verb.lemma_ != "include" or verb.tag_ not in {"VBP", "VBZ"}:
            continue
        subjects = [c for c in verb.children if c.dep_ == "nsubj" and c.pos_ in NOUNS]
        if not subjects or any(c.dep_ == "neg" for c in verb.children):
            continue
        subject = subjects[0]
        bare = not any(c.dep_ in {"det", "poss"} for c in subject.children)
        if (subject.lemma_.lower() in KINDS or bare) and (general := term(subject)):
            yield Hyponymy(general, tuple(listed(doc, verb.i + 1)))


def _parenthetical(doc: Doc, parens: list[tuple[int, int]]) -> Iterator[Hyponymy]:
    """'classified information (Secret, Top Secret, etc.)', 'private organizations (for
    example, cloud service providers ...)': examples in parentheses after a noun."""
    for start, end in parens:
        if start == 0 or doc[start - 1].pos_ not in NOUNS or end == start + 1:
            continue
        inner = doc[start + 1:end]
        marker = _MARKERS.match(inner.text)
        etc = any(t.lower_ in {"etc", "etc."} for t in inner)
        if not (marker or etc):
            continue  # 'email (messages)', '(PII)': no list of examples
        first = start + 1
        if marker:
            first = next((t.i for t in inner if t.idx >= inner.start_char + marker.end()), end)
        parent = _outer_noun(doc[start - 1])
        if parent.dep_ == "pobj" and parent.head.lower_ in _PLACES:
            continue  # 'within the repository (e.g. new issues ...)': about what it holds
        if general := term(parent):
            yield Hyponymy(general, tuple(listed(doc, first)))


def _outer_noun(noun: Token) -> Token:
    """The noun whose term ends at ``noun``: 'sensitive information about the public' for
    'public'."""
    while noun.dep_ == "pobj" and noun.head.lower_ == "about" and (
            (obj := of_phrase(noun.head.head)) is not None and obj.i == noun.i):
        noun = noun.head.head
    return noun
