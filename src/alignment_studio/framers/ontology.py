"""The domain ontology of parsed policy documents, built without a model.

Deterministic and offline: the same documents always give the same ontology. Concepts come from
definition passages, abbreviations, enumerations ("X such as A, B"), capitalised names and a
bundled general lexicon (``resources/lexicon.yaml``). Matching works on tokens: whole words,
case-insensitive, singular and plural alike; words written with a capital in a concept's label
(GSA, Legal, Slack) must be written with that capital in the text, so "it" is never "IT".
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import token_spans, tokens
from alignment_studio.framers.structure import slugify
from alignment_studio.types import Modality, Policy, PolicyDocument, Section
from alignment_studio.types.ontology import (
    Category,
    Concept,
    ConceptSource,
    CueVariant,
    Ontology,
    Relation,
    RelationType,
)

# -- words -------------------------------------------------------------------------------------
_DETERMINERS = {"a", "an", "the", "any", "all", "some", "other", "your", "our", "their", "its",
                "his", "her", "this", "that", "these", "those", "each", "every", "such", "my",
                "certain", "many", "most", "more", "various", "few"}
_STOP = {"to", "that", "which", "who", "whom", "whose", "from", "for", "with", "in", "on", "at",
         "by", "about", "because", "if", "when", "where", "while", "should", "must", "may",
         "can", "could", "would", "will", "shall", "is", "are", "was", "were", "be", "been",
         "being", "before", "after", "during", "so", "than", "then", "as", "like", "not", "no",
         "you", "we", "they", "it", "he", "she", "i", "or", "and", "but", "also", "even",
         "only", "into", "over", "under", "without", "within", "through", "has", "have", "had",
         "do", "does", "did", "taken", "used", "made", "given", "held", "including", "etc",
         "else", "there", "here", "what", "how", "why", "just", "very", "e", "g", "i.e", "e.g",
         "outside", "inside", "against", "between", "among", "per", "via", "upon", "across",
         "until", "since", "toward", "towards", "around", "whether", "although", "though"}
_KINDS = {"kind", "kinds", "type", "types", "sort", "sorts", "example", "examples", "form", "forms"}
_VAGUE = {"anything", "something", "anyone", "everyone", "someone", "everything", "nothing",
          "anybody", "everybody", "somebody", "thing", "things"}
_NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "first", "second", "third", "many", "several"}
_MODAL = {"must", "should", "shall", "may", "can", "will", "required", "need", "needs",
          "expected", "cannot"}
_PROTECTING = {"protect", "encrypt"}
_REPORTING = {"report", "send", "disclose"}


_IRREGULAR = {"children": "child", "people": "person", "men": "man", "women": "woman",
              "spokespeople": "spokesperson", "media": "media", "data": "data"}


def singular(word: str) -> str:
    """Simple English singular of a lower-case word ('policies' -> 'policy')."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "'s")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _strip_possessive(token: str) -> str:
    return re.sub(r"['’]s?$", "", token)


def fold(token: str) -> str:
    """The case-insensitive key of one word: lower case, possessive dropped, singular."""
    return singular(_strip_possessive(token).lower())


def _exact(token: str) -> str:
    """The case-sensitive key of a capitalised word: 'APIs' -> 'API', 'GSA's' -> 'GSA'."""
    word = _strip_possessive(token)
    if len(word) > 2 and word.endswith("s") and word[:-1].isupper():
        return word[:-1]
    return word


def _key_token(token: str) -> str:
    """A label word's key: a capitalised word matches only as written, others folded."""
    return "=" + _exact(token) if token[:1].isupper() else fold(token)


def phrase_key(label: str) -> tuple[str, ...]:
    return tuple(_key_token(t) for t in tokens(label))


def folded_key(label: str) -> tuple[str, ...]:
    """A key that ignores case entirely (for head-noun and lexicon look-ups of any text)."""
    return tuple(fold(t) for t in tokens(label))


def natural_case(term: str) -> str:
    """'Confidential information' -> 'confidential information'; 'Ethics Office' unchanged."""
    words = term.split()
    if words and words[0][:1].isupper() and not words[0].isupper() and all(
            not w[:1].isupper() for w in words[1:]):
        words[0] = words[0].lower()
    return " ".join(words)


def _inflections(verb: str) -> list[str]:
    """Forms of a one-word action verb, so 'shared' and 'sharing' mention 'share'."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return [verb, verb + "s", verb + "es", stem + "ed", stem + "ing", verb + "d"]


# -- the lexicon -------------------------------------------------------------------------------
class LexiconEntry(BaseModel):
    """One term of the general vocabulary."""

    model_config = ConfigDict(extra="forbid")
    term: str
    category: Category
    synonyms: list[str] = Field(default_factory=list)
    is_a: list[str] = Field(default_factory=list)
    part_of: list[str] = Field(default_factory=list)


class Lexicon(BaseModel):
    """A small general vocabulary (synonyms, hypernyms) used offline to vary scenario cues.

    Look-ups accept any surface form of a term (plural, a synonym, any case) and answer with
    the terms as the lexicon writes them."""

    model_config = ConfigDict(extra="forbid")
    entries: list[LexiconEntry]
    _index: dict[tuple[str, ...], LexiconEntry] = PrivateAttr(default_factory=dict)
    _children: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        for e in self.entries:
            for form in (e.term, *e.synonyms):
                self._index.setdefault(folded_key(form), e)
            for parent in e.is_a:
                self._children.setdefault(parent, []).append(e.term)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """A lexicon file: category -> term -> {synonyms, is_a, part_of}."""
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
            entries = [LexiconEntry(term=term, category=Category(category), **(spec or {}))
                       for category, terms in raw.items() for term, spec in terms.items()]
        except (OSError, yaml.YAMLError, AttributeError, ValueError, TypeError,
                ValidationError) as exc:
            raise StudioError(f"not a valid lexicon: {str(exc).splitlines()[0]}", path) from None
        return cls(entries=entries)

    @classmethod
    @functools.cache
    def bundled(cls) -> Lexicon:
        """The curated lexicon shipped with the package (loaded once per process)."""
        return cls.load(Path(str(files("alignment_studio") / "resources" / "lexicon.yaml")))

    def entry(self, word: str) -> LexiconEntry | None:
        return self._index.get(folded_key(word))

    def category(self, word: str) -> Category | None:
        found = self.entry(word)
        return found.category if found else None

    def synonyms(self, word: str) -> list[str]:
        """Other words for the same thing (the entry's term first)."""
        found = self.entry(word)
        if not found:
            return []
        key = folded_key(word)
        return [w for w in (found.term, *found.synonyms) if folded_key(w) != key]

    def hypernyms(self, word: str, transitive: bool = False) -> list[str]:
        """What the word is a kind of: direct parents, or every ancestor nearest first."""
        found = self.entry(word)
        if not found:
            return []
        result: list[str] = []
        frontier = list(found.is_a)
        while frontier:
            parent = frontier.pop(0)
            if parent in result:
                continue
            result.append(parent)
            if transitive and (up := self.entry(parent)):
                frontier.extend(up.is_a)
        return result

    def hyponyms(self, word: str) -> list[str]:
        """Direct kinds of the word ('device' -> computer, tablet, phone, ...)."""
        found = self.entry(word)
        return list(self._children.get(found.term, [])) if found else []

    def siblings(self, word: str) -> list[str]:
        """Other kinds of the word's direct parents ('laptop' -> workstation, server, ...)."""
        found = self.entry(word)
        if not found:
            return []
        result: list[str] = []
        for parent in found.is_a:
            result += [w for w in self.hyponyms(parent) if w != found.term and w not in result]
        return result


# -- building ----------------------------------------------------------------------------------
@dataclass
class _Draft:
    label: str
    category: Category
    source: ConceptSource
    synonyms: list[str] = field(default_factory=list)
    definition: str | None = None
    defined_in: str | None = None
    policy_ids: list[str] = field(default_factory=list)


@dataclass
class _Context:
    """A policy with what surrounds it: its section, its neighbours, its section's parent."""

    policy: Policy
    section: Section
    parent: Section | None
    index: int


class _Builder:
    """Collects concepts and edges; merges a concept seen twice (by ID or by any of its forms)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self.drafts: dict[str, _Draft] = {}
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
            self.drafts[cid] = _Draft(label=label, category=category or self._guess(label),
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
            self.drafts[cid] = _Draft(label=entry.term, category=entry.category, source=source,
                                      synonyms=list(entry.synonyms))
            for form in (entry.term, *entry.synonyms):
                self.forms.setdefault(folded_key(form), cid)
        return cid

    def synonym(self, cid: str, word: str) -> None:
        draft = self.drafts[cid]
        if folded_key(word) != folded_key(draft.label) and word not in draft.synonyms:
            draft.synonyms.append(word)
        self.forms.setdefault(folded_key(word), cid)

    def _guess(self, label: str) -> Category:
        """Category of a new label: the lexicon's category of its head noun, if any."""
        head = _head(label)
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
    if len(words) != len(_head(label)) or words[0][:1].isupper() and not words[0].isupper():
        return label
    last = words[-1]
    words[-1] = _exact(last) if last[:1].isupper() else singular(last)
    return " ".join(words)


def _head(label: str) -> list[str]:
    """The words that carry a label's meaning: 'board of directors' -> ['board']."""
    words = tokens(label)
    lowered = [w.lower() for w in words]
    if "of" in lowered[1:]:
        words = words[:lowered.index("of")]
    return words


def _contexts(documents: list[PolicyDocument]) -> Iterator[_Context]:
    for document in documents:
        for top in document.sections:
            yield from _section_contexts(top, None)


def _section_contexts(section: Section, parent: Section | None) -> Iterator[_Context]:
    for i, p in enumerate(section.policies):
        yield _Context(p, section, parent, i)
    for child in section.children:
        yield from _section_contexts(child, section)


def _clean_np(words: list[str], limit: int = 4) -> str | None:
    """A short noun phrase from words: determiners off the front, cut at the first stop word."""
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    if len(words) > 2 and words[0].lower() in _KINDS and words[1].lower() == "of":
        words = words[2:]  # 'some kinds of acquisition information'
    kept: list[str] = []
    for w in words:
        if w.lower() in _STOP:
            break
        kept.append(w)
    while kept and kept[-1].lower() in {"of", "and", "or"}:
        kept.pop()
    if not kept or len(kept) > limit or not any(c.isalpha() for c in "".join(kept)):
        return None
    return natural_case(" ".join(kept))


def _np_before(text: str, limit: int = 3) -> str | None:
    """The noun phrase that ends ``text`` ('... in public places' -> 'public places')."""
    words = tokens(text.rstrip(" ,"))
    if not text.rstrip().endswith(tuple("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789")):
        return None
    kept: list[str] = []
    for w in reversed(words):
        if w.lower() in _STOP or w.lower() in _DETERMINERS or len(kept) == limit:
            break
        kept.insert(0, w)
    return _clean_np(kept, limit)


def _items(text: str) -> list[str]:
    """Members of an enumeration 'A, B, and C or D ...' (each a short noun phrase)."""
    text = re.split(r"[.;:!?()]", text, maxsplit=1)[0]
    parts = re.split(r",\s*|\s+(?:and|or)\s+", text)
    found: list[str] = []
    for part in parts:
        words = tokens(part)
        if words and words[0].lower() in {"and", "or"}:
            words = words[1:]
        if words and words[0].lower() in {"other", "any", "all"} and "other" in map(
                str.lower, words[:2]):
            break  # '... and any other information': the genus, not a member
        np = _clean_np(words)
        if np is None:
            break
        if np.lower() not in _VAGUE and np.lower() != "anything else":
            found.append(np)
        if len(words) > len(tokens(np)) + 1:  # the phrase went on past the noun phrase
            break
    return found


def _items_before(text: str) -> list[str]:
    """Members of an enumeration that ends ``text``: 'learn facts, figures' -> figures, and
    the noun phrase that ends the first part ('learn facts' -> 'facts')."""
    found: list[str] = []
    for part in reversed(re.split(r",\s*|\s+(?:and|or)\s+", text)):
        words = tokens(part)
        np = _clean_np(words)
        if np is not None and len(tokens(np)) == len(words):
            found.insert(0, np)
            continue
        if last := _np_before(part, 2):
            found.insert(0, last)
        break
    return found


# -- extraction: definitions -------------------------------------------------------------------
_DEFINES = r"(?:means(?! of)|refers to|is defined as|are defined as)"
_QUOTED_DEFINITION = re.compile(rf"[\"“]([^\"”]{{2,60}})[\"”]\s+{_DEFINES}\s+(.*)", re.S)
_PLAIN_DEFINITION = re.compile(
    rf"^(?:the\s+|a\s+|an\s+)?([A-Za-z][\w'’-]*(?:\s+[\w'’-]+){{0,4}})\s+{_DEFINES}\s+(.*)",
    re.S | re.I)
_IS_A = re.compile(r"^(?:an?|the)\s+([A-Za-z][\w'’-]*(?:\s+[\w'’-]+){0,3})\s+(?:is|are)\s+"
                   r"(an?\s+[\w'’-]+(?:\s+[\w'’-]+){0,3}\s+(?:that|which|who|whose|used|where)\b.*)",
                   re.S | re.I)  # 'A gift card is a prepaid card that ...'
_GLOSSARY_ITEM = re.compile(r"^([A-Z][\w'’/-]*(?:\s+[\w'’/-]+){0,4}):\s+(.+)", re.S)
_WHAT_IS = re.compile(
    r"^what\s+(?:is|are)\s+(?:considered\s+)?(?:an?\s+|the\s+)?([\w' -]{2,50})\?$", re.I)
_GLOSSARY_TITLE = re.compile(r"\b(definitions?|glossary|terms|terminology|key concepts)\b", re.I)
_NOT_A_TERM = {"this", "that", "it", "which", "what", "there", "here", "these", "those", "he",
               "she", "they", "we", "you"}


def _definitions(ctx: _Context) -> list[tuple[str, str]]:
    """(term, definition body) pairs that a policy's text states. A glossary entry's body
    ('Pay period: every employee works 80 hours ...') is free prose, so only one that starts
    'a/an ...' keeps its article, which marks it as a genus."""
    text = ctx.policy.text
    found = [(t, b) for t, b in _QUOTED_DEFINITION.findall(text)]
    m = None if found else _PLAIN_DEFINITION.match(text) or _IS_A.match(text)
    if m and m.group(1).split()[0].lower() not in _NOT_A_TERM:
        found.append((m.group(1), m.group(2)))
    in_glossary = any(s is not None and _GLOSSARY_TITLE.search(s.title)
                      for s in (ctx.section, ctx.parent))
    if not found and in_glossary and (m := _GLOSSARY_ITEM.match(text)):
        body = m.group(2)
        found.append((m.group(1), body if re.match(r"an?\s", body, re.I) else "- " + body))
    return found


def _heading_definitions(section: Section, parent: Section | None) -> list[tuple[str, Policy]]:
    """Terms a heading defines: a glossary entry's heading, or a 'What is X?' heading or line."""
    found: list[tuple[str, Policy]] = []
    policies = section.policies
    for i, p in enumerate(policies[:-1]):
        if m := _WHAT_IS.match(p.text.strip()):
            found.append((_complete(m.group(1), section), policies[i + 1]))
    if not policies or found:
        return found
    if parent is not None and _GLOSSARY_TITLE.search(parent.title) and len(
            tokens(section.title)) <= 5:
        found.append((section.title, policies[0]))
    elif m := _WHAT_IS.match(section.title.strip()):
        found.append((_complete(m.group(1), section), policies[0]))
    return found


def _complete(term: str, section: Section) -> str:
    """A lone adjective ('sensitive') completed with the word that most often follows it in
    the section ('sensitive information'); any other term as it is."""
    if len(term.split()) > 1 or not term.lower().endswith(("ive", "al", "ic", "ed", "ous", "ial")):
        return term
    followers = Counter(m.group(1).lower() for p in section.policies
                        for m in re.finditer(rf"\b{re.escape(term)}\s+([a-z]+)", p.text, re.I)
                        if m.group(1).lower() not in _STOP)
    return f"{term} {followers.most_common(1)[0][0]}" if followers else term


def _genus(body: str) -> tuple[str | None, list[str]]:
    """What a definition body says its term is: a genus ('any adverse action ...' -> 'adverse
    action') or, for an enumeration ('gift cards, vouchers, ...'), its members."""
    if body.startswith("- "):
        return None, []  # a glossary entry's free prose names no genus
    clause = re.split(r"\b(?:that|which|who|whose|where)\b|[.;:]", body, maxsplit=1)[0]
    chunks = [c for c in re.split(r",\s*", clause) if c.strip()]
    if len(chunks) >= 3 and all(len(tokens(c)) <= 5 for c in chunks[:2]):
        members = _items(clause)
        if len(members) >= 2:
            return None, members
    words = [w for w in tokens(clause.replace(",", " "))]
    return _clean_np(words), []


# -- extraction: abbreviations, enumerations, names -------------------------------------------
_ABBREVIATION = re.compile(r"((?:[A-Za-z][\w'’-]*\s+){1,8})\(([A-Za-z][A-Za-z0-9]{1,9})"
                           r"(?:/[A-Za-z0-9]+)?\)")


def _abbreviations(text: str) -> list[tuple[str, str]]:
    """(long form, abbreviation) pairs written as 'Long Form Name (LFN)'.

    The long form is the shortest run of words before the parenthesis whose letters contain
    the abbreviation's letters in order, the first at the start of a word (Schwartz & Hearst,
    2003): 'GSA Online University (OLU)' -> 'Online University'."""
    found: list[tuple[str, str]] = []
    for m in _ABBREVIATION.finditer(text):
        abbr = m.group(2)
        letters = [c.lower() for c in abbr if c.isupper() or c.isdigit()]
        if len(letters) < 2 or not abbr[-1].isupper():
            continue
        words = m.group(1).split()
        for n in range(1, min(len(letters) + 5, 2 * len(letters), len(words)) + 1):
            tail = words[-n:]
            if tail[0][0].lower() == letters[0] and _spells(" ".join(tail).lower(), letters):
                found.append((natural_case(" ".join(tail)), abbr))
                break
    return found


def _spells(long: str, letters: list[str]) -> bool:
    """Whether ``long`` holds ``letters`` in order, matched from the end, the first letter at
    the start of a word."""
    i = len(long) - 1
    for k in range(len(letters) - 1, -1, -1):
        while i >= 0 and (long[i] != letters[k] or (k == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True


_SUCH_AS = re.compile(r"(.{3,}?),?\s+such as\s+(.+)", re.S)
_LIKE = re.compile(r"(.{3,}?),\s+(?:like|including)\s+(.+)", re.S)
_AND_OTHER = re.compile(r"((?:[\w'’-]+(?:\s+[\w'’-]+){0,3},\s*)*[\w'’-]+(?:\s+[\w'’-]+){0,3}),?"
                        r"\s+(?:and|or)\s+other\s+(.+)", re.S)
_INCLUDE = re.compile(r"^([\w'’-]+(?:\s+[\w'’-]+){0,3}?(?:s\s+include|[a-rt-z]\s+includes))\s+(.+)",
                      re.S | re.I)  # a plural subject 'include', a singular one 'includes'

_EXAMPLES_OF = re.compile(r"\b(?:examples|kinds|types) of ([\w'’ -]{2,50}?)\s*(?:include)?:\s*$",
                          re.I)


def _hearst(text: str, defining: bool) -> list[tuple[str, list[str], bool]]:
    """(hypernym, hyponyms, loose) triples: 'X such as A, B', 'X, like A, B', 'A, B and other
    X', 'X include A, B'. In a definition, what follows 'including' belongs to the defined
    term, so ``defining`` leaves that pattern out. ``loose``: ', like/including' may hang on a
    noun phrase other than the one before it, so the caller checks that the categories agree."""
    found: list[tuple[str, list[str], bool]] = []
    for pattern in (_SUCH_AS,) if defining else (_SUCH_AS, _LIKE):
        if (m := pattern.match(text)) and (general := _np_before(m.group(1))):
            found.append((general, _items(m.group(2)), pattern is _LIKE))
    if m := _AND_OTHER.search(text):
        general = _clean_np(tokens(m.group(2)), 3)
        members = _items_before(m.group(1))
        if general and members:
            found.append((general, members, False))
    if m := _INCLUDE.match(text):
        general = _clean_np(tokens(m.group(1))[:-1], 3)
        if general:
            found.append((general, _items(m.group(2)), False))
    return [(g, [i for i in items if i.lower() != g.lower()], loose)
            for g, items, loose in found if items]


def _list_hyponyms(ctx: _Context) -> tuple[str, list[str]] | None:
    """'Here are some examples of X:' followed by list items: the items are kinds of X."""
    m = _EXAMPLES_OF.search(ctx.policy.text)
    if not m:
        return None
    items: list[str] = []
    for p in ctx.section.policies[ctx.index + 1:]:
        if p.form.value != "list_item":
            break
        head = re.split(r",?\s+such as\s+|\s*\(", p.text, maxsplit=1)[0]
        items += _items(head) if len(tokens(head)) <= 8 else []
    return (_clean_np(tokens(m.group(1))) or m.group(1)), items


def _names(text: str, common: set[str], known: Callable[[str], bool]) -> list[str]:
    """Capitalised multi-word names ('Ethics Office', 'Board of Directors') in a text.

    A capitalised first word of a sentence counts only when the corpus never writes it in
    lower case ('You must …', 'All Employees' are no names) or when the lexicon knows the
    whole run ('Personally Identifiable Information')."""
    found: list[str] = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\s+[-—–]\s+|[,()\"“”]", text):
        words = list(re.finditer(r"\S+", sentence))
        run: list[str] = []
        for i, w in enumerate(words + [None]):  # type: ignore[list-item]
            word = w.group(0) if w else ""
            bare = word.strip(".,;:!?*_`'’\"")
            capital = bool(bare) and (bare[0].isupper() or (bare[0].isdigit() and any(
                c.isupper() for c in bare)))
            connector = bool(run) and bare.lower() in {"of", "for"}
            if capital or connector:
                run.append(bare)
                if word != bare and not connector:  # punctuation ends the name
                    found += _name_of(run, known, run[0].lower() in common and i + 1 == len(run))
                    run = []
                continue
            found += _name_of(run, known, bool(run) and run[0].lower() in common and i == len(run))
            run = []
    return found


def _name_of(run: list[str], known: Callable[[str], bool], common_first: bool) -> list[str]:
    if common_first and not known(" ".join(run)):
        run = run[1:]
    while run and run[-1].lower() in {"of", "for"}:
        run = run[:-1]
    if run:
        run = [*run[:-1], _strip_possessive(run[-1])]
    capitals = [w for w in run if w[:1].isupper() or w[:1].isdigit()]
    return [" ".join(run)] if len(capitals) >= 2 and len(run) <= 6 else []


# -- mentions ----------------------------------------------------------------------------------
class _Matcher:
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
        exact = ["=" + _exact(w) if w[:1].isupper() or w[:1].isdigit() else None for w in words]
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


def _surface_forms(draft: _Draft) -> list[str]:
    forms = [draft.label, *draft.synonyms]
    if draft.category == Category.action:
        forms += [f for w in (draft.label, *draft.synonyms) if " " not in w
                  for f in _inflections(w)]
    return forms


# -- the whole build ---------------------------------------------------------------------------
def build_ontology(documents: list[PolicyDocument], lexicon: Lexicon | None = None) -> Ontology:
    """The ontology of the documents: concepts they define or name, the lexicon's terms they
    mention (with the lexicon's ancestors of those terms), is-a edges and statement relations,
    every concept linked to every policy that mentions it."""
    lexicon = lexicon or Lexicon.bundled()
    builder = _Builder(lexicon)
    contexts = list(_contexts(documents))
    _extract_terms(builder, documents, contexts)
    for entry in lexicon.entries:  # every term is a candidate; unmentioned ones are dropped
        if builder.find(entry.term) is None:
            builder.from_lexicon(entry, ConceptSource.lexicon)
    modifiers: dict[str, str] = {}  # compound concept -> the concept its modifier names
    for compound in _compounds(builder, contexts):
        cid = builder.add(compound)
        if named := builder.find(compound.split(" ", 1)[0]):
            modifiers[cid] = named
    matcher = _Matcher({cid: _surface_forms(d) for cid, d in builder.drafts.items()})
    found = {c.policy.id: matcher.find(c.policy.text) for c in contexts}
    for pid, hits in found.items():
        for _, cid, _ in hits:  # 'laptop password' mentions the laptop too
            for mentioned in (cid, modifiers.get(cid)):
                if mentioned and pid not in builder.drafts[mentioned].policy_ids:
                    builder.drafts[mentioned].policy_ids.append(pid)
    keep = {cid for cid, d in builder.drafts.items() if d.policy_ids or d.defined_in}
    for d in builder.drafts.values():  # mentioned lexicon terms count as the document's
        if d.policy_ids:
            d.source = ConceptSource.document
    _lexicon_edges(builder, keep)
    _head_edges(builder, keep)
    for ctx in contexts:
        _statement_edges(builder, ctx, found[ctx.policy.id])
    return _finish(builder, keep)


def _compounds(builder: _Builder, contexts: list[_Context]) -> list[str]:
    """Noun-noun compounds on a known head ('contractor supervisor', 'warehouse supervisor'):
    kept when the modifier is itself a known term or the compound recurs in two policies, so
    one-off adjectives ('lost laptop') do not become concepts."""
    matcher = _Matcher({cid: _surface_forms(d) for cid, d in builder.drafts.items()
                        if d.category != Category.action})
    verbs = {f for e in builder.lexicon.entries if e.category == Category.action
             for w in (e.term, *e.synonyms) if " " not in w for f in _inflections(w)}
    skip = _STOP | _DETERMINERS | _MODAL | _NUMBERS | verbs
    seen: dict[str, set[str]] = {}
    for ctx in contexts:
        words = tokens(ctx.policy.text)
        for i, _, surface in matcher.find(ctx.policy.text):
            modifier = words[i - 1] if i > 0 else ""
            compound = f"{modifier} {surface}"
            if (modifier.isalpha() and modifier.islower() and len(modifier) > 2
                    and modifier not in skip and not modifier.endswith(("ed", "ly"))
                    and not surface[:1].isupper() and compound in ctx.policy.text):
                seen.setdefault(compound, set()).add(ctx.policy.id)
    return sorted(c for c, ids in seen.items() if builder.find(c) is None and (
        len(ids) >= 2 or builder.lexicon.entry(c.split(" ", 1)[0]) is not None))


def _extract_terms(builder: _Builder, documents: list[PolicyDocument],
                   contexts: list[_Context]) -> None:
    common = {w.lower() for c in contexts for w in tokens(c.policy.text) if w[:1].islower()}
    for ctx in contexts:
        pid, text = ctx.policy.id, ctx.policy.text
        defined = _definitions(ctx)
        for term, body in defined:
            _add_definition(builder, natural_case(term.strip()), body, text, pid)
        for long, abbr in _abbreviations(text):
            builder.add(long, synonyms=[abbr])
        listed = _list_hyponyms(ctx)
        for general, members, loose in _hearst(text, bool(defined)) + (
                [(*listed, False)] if listed else []):
            parent = builder.add(general)
            for member in members:
                child = builder.add(member, builder.drafts[parent].category)
                kinds = {builder.drafts[c].category for c in (child, parent)} - {Category.other}
                if not (loose and len(kinds) > 1):
                    builder.relate(child, RelationType.is_a, parent, [pid])
        for name in _names(text, common, lambda s: builder.lexicon.entry(s) is not None):
            builder.add(name)
    for document in documents:
        for top in document.sections:
            for section, above in _with_parents(top, None):
                for term, policy in _heading_definitions(section, above):
                    cid = builder.add(natural_case(term))
                    builder.define(cid, policy.text, policy.id)


def _with_parents(section: Section, parent: Section | None) -> Iterator[tuple[Section,
                                                                           Section | None]]:
    yield section, parent
    for child in section.children:
        yield from _with_parents(child, section)


def _add_definition(builder: _Builder, term: str, body: str, text: str, pid: str) -> None:
    genus, members = _genus(body)
    category = builder.lexicon.category(genus) if genus else None
    cid = builder.add(term, category)
    builder.define(cid, text, pid)
    if genus and tokens(genus)[0].lower() not in _VAGUE:
        target = _known_suffix(builder, genus) or builder.add(genus)
        builder.relate(cid, RelationType.is_a, target, [pid])
    including = re.split(r",?\s+including\s+", body, maxsplit=1)
    for member in members + (_items(including[1]) if len(including) == 2 else []):
        builder.relate(builder.add(member, builder.drafts[cid].category), RelationType.is_a,
                       cid, [pid])


def _known_suffix(builder: _Builder, phrase: str) -> str | None:
    """The concept named by the longest known tail of a phrase ('material non-public
    information' -> 'information'), so a long genus links to what is already there."""
    words = tokens(phrase)
    for k in range(len(words), 0, -1):
        tail = " ".join(words[-k:])
        if cid := builder.find(tail):
            return cid
        if entry := builder.lexicon.entry(tail):
            return builder.add(entry.term, source=ConceptSource.lexicon)
    return None


def _lexicon_edges(builder: _Builder, keep: set[str]) -> None:
    """Is-a and part-of edges of the lexicon, climbing from every kept concept to the roots."""
    frontier = sorted(keep)
    while frontier:
        cid = frontier.pop()
        entry = builder.lexicon.entry(builder.drafts[cid].label)
        if entry is None:
            continue
        for kind, targets in ((RelationType.is_a, entry.is_a),
                              (RelationType.part_of, entry.part_of)):
            for target in targets:
                tid = builder.find(target) or builder.add(target, source=ConceptSource.lexicon)
                builder.relate(cid, kind, tid)
                if tid not in keep:
                    keep.add(tid)
                    frontier.append(tid)


def _head_edges(builder: _Builder, keep: set[str]) -> None:
    """'contractor supervisor' is a 'supervisor': a compound is a kind of its known head."""
    for cid in sorted(keep):
        draft = builder.drafts[cid]
        head = _head(draft.label)
        if len(tokens(draft.label)) < 2:
            continue
        for k in range(len(head) - (len(head) == len(tokens(draft.label))), 0, -1):
            target = _known_suffix(builder, " ".join(head[-k:]))
            if target and target != cid and Category.other not in (
                    draft.category, builder.drafts[target].category) and (
                    draft.category != builder.drafts[target].category):
                continue  # 'new hire' is no kind of the action 'hire'
            if target and target != cid:
                builder.relate(cid, RelationType.is_a, target, draft.policy_ids[:1])
                keep.add(target)
                break
    _lexicon_edges(builder, keep)


_ACTORS = {Category.role, Category.person, Category.organisation}
_OBJECTS = {Category.information_type, Category.asset}
_NORMS = {Modality.obligation, Modality.prohibition, Modality.permission,
          Modality.recommendation}


def _statement_edges(builder: _Builder, ctx: _Context, hits: list[tuple[int, str, str]]) -> None:
    """Who does what to which information: actors named before the modal verb perform the
    actions named after it; those actions handle (or protect) the objects that follow them;
    'report … to X' makes X whom the actors report to."""
    policy = ctx.policy
    if policy.modality not in _NORMS:
        return
    words = [fold(w) for w in tokens(policy.text)]
    modal = next((i for i, w in enumerate(words) if w in _MODAL), None)
    if modal is None:
        return
    category = {cid: builder.drafts[cid].category for _, cid, _ in hits}
    actors = [cid for i, cid, _ in hits if i < modal and category[cid] in _ACTORS]
    named = builder.find(policy.actor) if policy.actor else None
    if named and named not in actors and builder.drafts[named].category in _ACTORS:
        actors.insert(0, named)
    actions = [(i, cid) for i, cid, _ in hits if i > modal and category[cid] == Category.action]
    for a in actors:
        for _, act in actions:
            builder.relate(a, RelationType.performs, act, [policy.id])
    for n, (i, act) in enumerate(actions):
        end = actions[n + 1][0] if n + 1 < len(actions) else len(words)
        for j, cid, _ in hits:
            if i < j < end and category[cid] in _OBJECTS:
                kind = (RelationType.protects if builder.drafts[act].label in _PROTECTING
                        else RelationType.handles)
                builder.relate(act, kind, cid, [policy.id])
        if builder.drafts[act].label in _REPORTING:
            for j, cid, _ in hits:
                if j > i and category[cid] in _ACTORS and j > 0 and words[j - 1] in {"to", "the"}:
                    for a in actors:
                        builder.relate(a, RelationType.reports_to, cid, [policy.id])


def _finish(builder: _Builder, keep: set[str]) -> Ontology:
    keep = {cid for cid in keep if builder.drafts[cid].policy_ids or builder.drafts[
        cid].defined_in or builder.lexicon.entry(builder.drafts[cid].label)}
    concepts = [Concept(id=cid, label=d.label, category=d.category, synonyms=d.synonyms,
                        definition=d.definition, defined_in=d.defined_in,
                        policy_ids=d.policy_ids, source=d.source)
                for cid, d in sorted(builder.drafts.items()) if cid in keep]
    relations = [Relation(source=s, type=t, target=o, evidence=e)
                 for (s, t, o), e in sorted(builder.edges.items(), key=lambda x: (
                     x[0][0], x[0][1].value, x[0][2]))
                 if s in keep and o in keep]
    return Ontology(concepts=concepts, relations=relations)


# -- export ------------------------------------------------------------------------------------
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_NODE_KEYS = (("label", "label", "string"), ("category", "category", "string"),
              ("source", "source", "string"), ("policies", "policy_count", "int"),
              ("definition", "definition", "string"))
_EDGE_KEYS = (("type", "type", "string"), ("evidence", "evidence", "string"))


def ontology_to_json(ontology: Ontology) -> str:
    """The ontology as JSON; ``Ontology.model_validate_json`` reads it back."""
    return ontology.model_dump_json(indent=2)


def ontology_to_graphml(ontology: Ontology) -> str:
    """The ontology as GraphML (directed): one node per concept with its label, category,
    source, policy count and definition; one edge per relation with its type and evidence
    (space-separated policy IDs). Graph tools (yEd, Gephi, networkx) open it as is."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for owner, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for key_id, name, kind in keys:
            ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": key_id, "for": owner,
                                                          "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": "ontology",
                                                            "edgedefault": "directed"})
    for c in ontology.concepts:
        node = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": c.id})
        values = {"label": c.label, "category": c.category.value, "source": c.source.value,
                  "policies": str(len(c.policy_ids)), "definition": c.definition}
        for key_id, value in values.items():
            if value is not None:
                ET.SubElement(node, f"{{{GRAPHML_NS}}}data", {"key": key_id}).text = value
    for n, r in enumerate(ontology.relations):
        edge = ET.SubElement(graph, f"{{{GRAPHML_NS}}}edge", {"id": f"e{n}", "source": r.source,
                                                               "target": r.target})
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "type"}).text = r.type.value
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "evidence"}).text = " ".join(
            r.evidence)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# -- cue variants for the generator ------------------------------------------------------------
def cue_variants(ontology: Ontology, lexicon: Lexicon | None, policy: Policy,
                 k: int = 5) -> list[CueVariant]:
    """Up to ``k`` ways to reword a scenario cue of ``policy`` so the policy still applies.

    The rule, per noun concept that the policy's text names (actions are left alone, since a
    verb swap breaks inflection), in text order:
      1. a synonym (the ontology's or the lexicon's) — same meaning;
      2. a hyponym (an is-a child in the ontology or the lexicon) — a kind of what the policy
         names, so a rule about the general term covers it ('device' -> 'laptop');
      3. a sibling — another child of a hypernym H of the term, only when the policy's text
         names H itself ('laptop' -> 'phone' only where the policy also says 'device').
    Substitutes already in the text, or equal to the term, are skipped; a plural term gets a
    plural substitute. Variants are taken round-robin across terms (so ``k`` small still varies
    several cues), alphabetically within each kind: the same input gives the same list.
    """
    lexicon = lexicon or Lexicon.bundled()
    matcher = _Matcher({c.id: _surface_forms(_draft_of(c)) for c in ontology.concepts})
    hits = matcher.find(policy.text)
    named = {cid for _, cid, _ in hits}
    per_term: list[list[CueVariant]] = []
    done: set[str] = set()
    for _, cid, surface in hits:
        concept = ontology.concept(cid)
        if cid in done or concept.category == Category.action:
            continue
        done.add(cid)
        options = _substitutes(ontology, lexicon, concept, named)
        last = _head(surface)[-1]
        plural = len(_head(surface)) == len(tokens(surface)) and fold(last) != last.lower()
        variants = []
        for word, relation, via in options:
            substitute = _plural(word) if plural else word
            if folded_key(substitute) == folded_key(surface) or re.search(
                    rf"(?<![\w-]){re.escape(substitute)}(?![\w-])", policy.text, re.I):
                continue
            variants.append(CueVariant(policy_id=policy.id, concept_id=cid, term=surface,
                                       substitute=substitute, relation=relation, via=via))
        if variants:
            per_term.append(variants)
    picked: list[CueVariant] = []
    for rank in range(max((len(v) for v in per_term), default=0)):
        picked += [v[rank] for v in per_term if rank < len(v)]
    return picked[:k]


def _draft_of(c: Concept) -> _Draft:
    return _Draft(label=c.label, category=c.category, source=c.source, synonyms=c.synonyms)


def _substitutes(ontology: Ontology, lexicon: Lexicon, concept: Concept,
                 named: set[str]) -> list[tuple[str, str, str | None]]:
    labels = {c.id: c.label for c in ontology.concepts}
    synonyms = sorted({*concept.synonyms, *lexicon.synonyms(concept.label)} - {concept.label})
    hyponyms = sorted({labels[c] for c in ontology.children(concept.id)}
                      | set(lexicon.hyponyms(concept.label)))
    options: list[tuple[str, str, str | None]] = [(w, "synonym", None) for w in synonyms]
    if concept.label[:1].isupper():
        return options  # a name: another name's rules are not this one's
    options += [(w, "hyponym", None) for w in hyponyms]
    for parent in sorted(set(ontology.parents(concept.id)) & named):
        siblings = ({labels[c] for c in ontology.children(parent)}
                    | set(lexicon.hyponyms(labels[parent]))) - {concept.label}
        options += [(w, "sibling", parent) for w in sorted(siblings)]
    seen: set[tuple[str, ...]] = set()
    unique: list[tuple[str, str, str | None]] = []
    for word, relation, via in options:
        if folded_key(word) not in seen:
            seen.add(folded_key(word))
            unique.append((word, relation, via))
    return unique


def _plural(phrase: str) -> str:
    """'laptop' -> 'laptops', 'policy' -> 'policies' (last word only; acronyms get 's')."""
    head, _, last = phrase.rpartition(" ")
    irregular = {one: many for many, one in _IRREGULAR.items()}
    if last in irregular:
        last = irregular[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh", "z")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last
