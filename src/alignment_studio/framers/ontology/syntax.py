"""Terms read from the dependency parse (``framers.nlp``), not from word windows.

A term is the noun a pattern's dependency points at, with its compound and adjective
modifiers ('non-public security vulnerabilities') and an 'about' phrase ('sensitive information
about the public'); 'kinds of X' names X. A list ('A, B, and C') is cut at its commas and
coordinators, each part named by its words up to the first function word, and ends where a
part is no noun phrase ('..., with vendors', '... should not be kept'). The is-a patterns that
use these terms are in ``patterns``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from alignment_studio.framers.nlp import parse
from alignment_studio.framers.ontology.words import DETERMINERS, STOP, VAGUE, natural_case

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

NOUNS = {"NOUN", "PROPN"}
KINDS = {"kind", "type", "sort", "example", "form", "category", "class", "variety"}
# adjectives that grade a thing rather than name a kind of it ('a helpful resource')
EVALUATIVE = {"helpful", "useful", "important", "good", "great", "best", "better", "common",
              "main", "major", "appropriate", "specific", "certain", "different", "various",
              "particular", "own", "same", "such", "many", "several", "following", "above",
              "additional", "relevant", "potential", "possible", "typical", "usual", "other",
              "further", "whole", "entire", "real", "actual", "simple", "easy"}
_NOUN_PHRASE = {"NOUN", "PROPN", "ADJ"}
_QUOTES = {"\"", "“", "”", "'", "‘", "’"}
_FINITE = {"VBP", "VBZ", "VBD"}
_CLOSING = {"(", ")", "[", "]", ";", ":", ".", "!", "?", "—", "–"}
_NOT_A_HEAD = {"ADP", "CCONJ", "SCONJ", "PART", "AUX", "DET", "PRON", "ADV", "PUNCT", "NUM"}
_HEDGES = {"potentially", "possibly", "especially", "highly", "very", "particularly", "really",
          "most", "more", "less", "also", "only", "even", "usually", "often"}
_MODIFIERS = {"compound", "amod", "nmod"}
_INSIDE = {"advmod", "amod", "compound", "nmod", "punct", "npadvmod"}
_OF = frozenset({"of"})
_NOT_A_TERM = {"following", "above", "below", "others", "one", "ones", "etc", "number", "lot",
               "range"}
ABBREVIATION_PARENS = re.compile(
    r"\s*\((?:the\s+)?[\"“]?[A-Za-z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*(?:/[A-Za-z0-9-]+)*[\"”]?\)")


def prepare(text: str, fragment: bool = False) -> str:
    """Text for the parser: '(PII)' after a long form dropped (abbreviations are read apart),
    'including but not limited to' and 'e.g.' made the plain patterns they mean. A
    ``fragment`` (a list item) in sentence case starts lower-case, or the parser reads 'Office
    chat rooms' as a sentence whose verb is 'chat'."""
    text = ABBREVIATION_PARENS.sub("", text)
    if fragment and re.match(r"[A-Z][a-z]+ [a-z]", text):
        text = text[0].lower() + text[1:]
    text = re.sub(r"\bincluding,? but not limited to,?", "including", text, flags=re.I)
    return re.sub(r"(?<!\()\s*,?\s*\be\.\s?g\.,?\s+", ", such as ", text)


def parsed(text: str, fragment: bool = False) -> Doc:
    return parse([prepare(text, fragment)])[0]


def _modifier(child: Token) -> bool:
    """Whether a left dependent of a noun belongs to the term it heads."""
    if child.dep_ not in _MODIFIERS or child.lower_ in DETERMINERS | EVALUATIVE:
        return False
    if child.like_num or child.tag_ == "CD" or child.tag_ in {"JJR", "JJS"} and child.is_lower:
        return False  # 'larger', 'best' grade; 'AWS' mistagged JJR stays
    return all(t.dep_ in _INSIDE and t.lower_ not in _HEDGES | EVALUATIVE
               and (t.pos_ != "PUNCT" or t.text in {"-", "/", "."})
               for t in child.subtree if t.i != child.i)


def span_start(head: Token) -> int:
    """Where the term headed by ``head`` starts: its contiguous run of modifiers."""
    start = head.i
    for child in sorted(head.lefts, key=lambda t: -t.i):
        if child.right_edge.i != start - 1 or not _modifier(child):
            break
        start = child.left_edge.i
    return start


def of_phrase(head: Token, words: frozenset[str] = frozenset({"about"})) -> Token | None:
    """The object of a phrase right after ``head`` ('information about the public'), when
    short and plain. Only 'about' by default: 'the possession of classified information' is
    no term, and 'member of the public' is rare enough to give up."""
    for prep in head.rights:
        if prep.dep_ == "prep" and prep.lower_ in words and prep.i == head.i + 1:
            objects = [t for t in prep.children if t.dep_ == "pobj" and t.pos_ in NOUNS]
            if objects and objects[0].i - head.i <= 4 and not any(
                    t.is_punct for t in head.doc[head.i:objects[0].i + 1]):
                return objects[0]
    return None


def kind_of(head: Token) -> Token:
    """'types of API tokens' -> 'tokens': a kinds-word names what it is a kind of."""
    while head.lemma_.lower() in KINDS and (obj := of_phrase(head, _OF)) is not None:
        head = obj
    return head


def term(head: Token, with_phrase: bool = True) -> str | None:
    """The term a noun heads ('non-public security vulnerabilities'); None for a pronoun, a
    vague word ('anything') or a number."""
    head = kind_of(head)
    if head.pos_ not in NOUNS or head.lower_ in VAGUE | _NOT_A_TERM or head.like_num:
        return None
    end = head.i
    if with_phrase and head.lemma_.lower() not in KINDS and (obj := of_phrase(head)):
        end = obj.i
    start = span_start(head)
    words = re.sub(r"['’]s?$", "", " ".join(head.doc[start:end + 1].text.split())).strip(" -/.")
    if not words or not any(c.isalpha() for c in words):
        return None
    return natural_case(words) if head.doc[start].is_sent_start else words  # 'Slack' stays


def coordinated(token: Token) -> list[Token]:
    """A noun and its conjuncts as the parser links them ('Laptops, tablets and other devices'),
    in text order; a list item it took for an apposition ('gift cards, vouchers') counts."""
    found = [token]
    for child in token.children:
        item = child.dep_ == "appos" and token.doc[child.left_edge.i - 1].text == ","
        if (child.dep_ == "conj" or item) and child.pos_ in NOUNS:
            found += coordinated(child)
    return sorted(found, key=lambda t: t.i)


def other(token: Token) -> bool:
    """Whether a noun is written 'other X'."""
    return any(c.lower_ == "other" for c in token.children if c.dep_ in {"amod", "det"})


def members(tokens: list[Token]) -> tuple[str, ...]:
    """The terms of coordinated nouns; 'other X' closing a list is its genus, not a member."""
    return tuple(t for t in (term(k) for k in tokens if not other(k)) if t)


def parts(doc: Doc, start: int) -> list[list[Token]]:
    """The words of a list starting at ``start``, cut at commas and coordinators; the list
    stops at a bracket, a colon, a semicolon, the end of the sentence or a verb group."""
    found: list[list[Token]] = [[]]
    closed = False  # after 'and'/'or' a comma ends the list: '..., and C, every year'
    for tok in doc[start:]:
        if _ends_list(tok) or tok.i > start and tok.is_sent_start or (
                tok.tag_ in _FINITE and (found[-1] or len(found) > 1)) or (
                closed and tok.text == "," and found[-1] and not _goes_on(tok)):
            break  # a lone 'usernames' is tagged a verb: only a list's first word may be one
        if _separates(tok):  # 'spouse or partner, parents, ...' goes on: no comma before 'or'
            closed = closed or tok.text != ","
            found.append([])
        else:
            found[-1].append(tok)
    return [p for p in found if p]


def _goes_on(comma: Token) -> bool:
    """Whether another list part follows the part after this comma ('provision or payment,
    pictures, PII, etc.'), rather than the sentence going on ('..., every year.')."""
    for tok in comma.doc[comma.i + 1:]:
        if _separates(tok):
            return True
        if _ends_list(tok):
            return False
    return False


def _ends_list(tok: Token) -> bool:
    return tok.text in _CLOSING or tok.pos_ == "AUX" or tok.tag_ == "MD"


def _separates(tok: Token) -> bool:
    return tok.text in {",", "&", "and/or"} or tok.dep_ == "cc" and tok.lower_ in {"and", "or"}


def listed_before(doc: Doc, end: int) -> list[str]:
    """The terms of a list that ends just before ``end`` ('A, B' of 'A, B and other X'), each
    part named by its trailing run of nouns and adjectives; a part with more before that run
    ('Caulking checks for many common types of API tokens') is the list's first."""
    found: list[str] = []
    words: list[Token] = []
    for tok in [*reversed(doc[:end]), None]:
        if tok is not None and not _separates(tok) and not _ends_list(tok):
            words.insert(0, tok)
            continue
        run = _trailing_noun_phrase(words)
        if run:
            found.append(_words(run))
        if tok is None or _ends_list(tok) or len(run) < len(words):
            break
        words = []
    return found[::-1]


def _trailing_noun_phrase(words: list[Token]) -> list[Token]:
    """The noun phrase ending a list part: nouns, adjectives, participles ('sanctioned
    entities') and the adverbs of those ('politically exposed persons')."""
    start = len(words)
    while start and _in_noun_phrase(words[start - 1], words[start] if start < len(words)
                                    else None):
        start -= 1
    run = words[start:]
    if not run or run[-1].pos_ not in NOUNS or run[-1].lower_ in VAGUE:
        return []
    first = span_start(run[-1])  # not 'institution screens' of 'Our institution screens ...'
    return [w for w in run if w.i >= first] if run[0].i < first <= run[-1].i else run


def _in_noun_phrase(word: Token, following: Token | None) -> bool:
    if word.lower_ in EVALUATIVE | DETERMINERS:
        return False
    if word.pos_ == "ADV":
        return word.lower_.endswith("ly") and following is not None and (
            following.pos_ == "ADJ" or following.tag_ in {"VBN", "VBG"})
    return word.pos_ in _NOUN_PHRASE or word.tag_ in {"HYPH", "VBN"}


def listed(doc: Doc, start: int, other_of: str | None = None) -> list[str]:
    """The terms of a list ('passwords, API keys, and private keys should ...'), up to the
    first part that is no noun phrase. ``other_of``: 'other X' for this X is a member (a
    category named 'other X'); any other 'other ...' part is the list's genus and ends it."""
    found: list[str] = []
    for words in parts(doc, start):
        named = part_term(words, other_of)
        if named is None:
            break
        if named:
            found.append(named)
    return found


def part_term(words: list[Token], other_of: str | None = None) -> str | None:
    """The term one list part names ('a customer' -> 'customer', 'employee of a government'
    -> 'employee'); '' for 'etc.'; None where the list has ended."""
    while words and (words[0].lower_ in DETERMINERS - {"other"} or words[0].tag_ == "PRP$"):
        words = words[1:]
    if not words or words[0].lower_ in {"etc", "etc."}:
        return ""
    if words[0].text in _QUOTES:
        return None  # '(for example, “Let’s go around the room”)' quotes, names no kind
    if words[0].lower_ == "other":
        rest = part_term(words[1:])
        return f"other {rest}" if other_of and rest and rest.lower() == other_of.lower() else None
    if len(words) > 2 and words[0].lemma_.lower() in KINDS and words[1].lower_ == "of":
        words = words[2:]  # 'some kinds of acquisition information'
    cut = next((i for i, w in enumerate(words) if w.lower_ in STOP | {"of"} and not (
        i and (w.lower_ == "about" or _bare_of(words[i:])))), len(words))
    words = words[:next((i for i, w in enumerate(words[:cut]) if i and w.tag_ in _FINITE), cut)]
    if not words or len(words) > 5 or words[-1].pos_ in _NOT_A_HEAD or words[-1].lower_ in (
            VAGUE | _NOT_A_TERM):
        return None
    return _words(words)


def _bare_of(words: list[Token]) -> bool:
    """'of' in a term: 'heads of state', 'board of directors'; not 'employee of a
    government', 'identity documents of each UBO'."""
    rest = words[1:]
    return words[0].lower_ == "of" and 0 < len(rest) <= 2 and rest[-1].pos_ in NOUNS and not any(
        w.lower_ in DETERMINERS or w.pos_ in {"DET", "PRON"} for w in rest)


def _words(words: list[Token]) -> str:
    text = " ".join(words[0].doc[words[0].i:words[-1].i + 1].text.split()) if words else ""
    text = re.sub(r"['’]s?$", "", text).strip(" -/.")
    return natural_case(text) if words and words[0].is_sent_start else text


def item_terms(text: str) -> list[str]:
    """The terms a list item names ('roles, policies, and group membership'); none when the
    item is a sentence ('See ... for exceptions', 'Install Caulking'). A lone adjective of a
    first part carries over to a bare second one ('private certificates and keys')."""
    doc = parsed(text, fragment=True)
    if not len(doc) or doc[0].tag_ == "VB":
        return []
    pieces = parts(doc, 0)
    found = listed(doc, 0)
    if len(pieces) == 2 and len(found) == 2 and len(pieces[1]) == 1 and len(pieces[0]) == 2 \
            and pieces[0][0].pos_ == "ADJ" and pieces[0][1].pos_ in NOUNS:
        found[1] = f"{pieces[0][0].text} {found[1]}"
    return found


def word_runs(text: str, length: int) -> list[str]:
    """Runs of ``length`` words that could name a thing (candidates an acronym may stand
    for): nouns, adjectives and participles, the last a noun, 'of'/'and'/'for' only inside;
    read from the parse's tags, since its tree can fail such a run ('The money laundering
    reporting officer signs ...')."""
    doc = parsed(text)
    found: list[str] = []
    for i in range(len(doc) - length + 1):
        run = doc[i:i + length]
        inside = all(t.pos_ in _NOUN_PHRASE or t.tag_ in {"VBG", "VBN", "HYPH"}
                     or t.lower_ in {"of", "and", "for", "&"} and 0 < k < length - 1
                     for k, t in enumerate(run))
        if inside and run[-1].pos_ in NOUNS and run[0].lower_ not in DETERMINERS | EVALUATIVE:
            found.append(" ".join(run.text.split()))
    return found
