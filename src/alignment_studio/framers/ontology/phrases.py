"""Noun phrases, enumerations and names in policy text: the members of 'X such as A, B',
'A, B and other X', 'X include A, B' and of 'examples of X:' lists, and capitalised multi-word
names."""

from __future__ import annotations

import re
from collections.abc import Callable

from alignment_studio.core.text import tokens
from alignment_studio.framers.ontology.builder import Context
from alignment_studio.framers.ontology.words import (
    DETERMINERS,
    STOP,
    VAGUE,
    natural_case,
    strip_possessive,
)

_KINDS = {"kind", "kinds", "type", "types", "sort", "sorts", "example", "examples", "form", "forms"}


def clean_np(words: list[str], limit: int = 4) -> str | None:
    """A short noun phrase from words: determiners off the front, cut at the first stop word."""
    while words and words[0].lower() in DETERMINERS:
        words = words[1:]
    if len(words) > 2 and words[0].lower() in _KINDS and words[1].lower() == "of":
        words = words[2:]  # 'some kinds of acquisition information'
    kept: list[str] = []
    for w in words:
        if w.lower() in STOP:
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
        if w.lower() in STOP or w.lower() in DETERMINERS or len(kept) == limit:
            break
        kept.insert(0, w)
    return clean_np(kept, limit)


def enumerated(text: str) -> list[str]:
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
        np = clean_np(words)
        if np is None:
            break
        if np.lower() not in VAGUE and np.lower() != "anything else":
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
        np = clean_np(words)
        if np is not None and len(tokens(np)) == len(words):
            found.insert(0, np)
            continue
        if last := _np_before(part, 2):
            found.insert(0, last)
        break
    return found


_SUCH_AS = re.compile(r"(.{3,}?),?\s+such as\s+(.+)", re.S)
_LIKE = re.compile(r"(.{3,}?),\s+(?:like|including)\s+(.+)", re.S)
_AND_OTHER = re.compile(r"((?:[\w'’-]+(?:\s+[\w'’-]+){0,3},\s*)*[\w'’-]+(?:\s+[\w'’-]+){0,3}),?"
                        r"\s+(?:and|or)\s+other\s+(.+)", re.S)
_INCLUDE = re.compile(r"^([\w'’-]+(?:\s+[\w'’-]+){0,3}?(?:s\s+include|[a-rt-z]\s+includes))\s+(.+)",
                      re.S | re.I)  # a plural subject 'include', a singular one 'includes'

_EXAMPLES_OF = re.compile(r"\b(?:examples|kinds|types) of ([\w'’ -]{2,50}?)\s*(?:include)?:\s*$",
                          re.I)


def hearst(text: str, defining: bool) -> list[tuple[str, list[str], bool]]:
    """(hypernym, hyponyms, loose) triples: 'X such as A, B', 'X, like A, B', 'A, B and other
    X', 'X include A, B'. In a definition, what follows 'including' belongs to the defined
    term, so ``defining`` leaves that pattern out. ``loose``: ', like/including' may hang on a
    noun phrase other than the one before it, so the caller checks that the categories agree."""
    found: list[tuple[str, list[str], bool]] = []
    for pattern in (_SUCH_AS,) if defining else (_SUCH_AS, _LIKE):
        if (m := pattern.match(text)) and (general := _np_before(m.group(1))):
            found.append((general, enumerated(m.group(2)), pattern is _LIKE))
    if m := _AND_OTHER.search(text):
        general = clean_np(tokens(m.group(2)), 3)
        members = _items_before(m.group(1))
        if general and members:
            found.append((general, members, False))
    if m := _INCLUDE.match(text):
        general = clean_np(tokens(m.group(1))[:-1], 3)
        if general:
            found.append((general, enumerated(m.group(2)), False))
    return [(g, [i for i in items if i.lower() != g.lower()], loose)
            for g, items, loose in found if items]


def list_hyponyms(ctx: Context) -> tuple[str, list[str]] | None:
    """'Here are some examples of X:' followed by list items: the items are kinds of X."""
    m = _EXAMPLES_OF.search(ctx.policy.text)
    if not m:
        return None
    items: list[str] = []
    for p in ctx.section.policies[ctx.index + 1:]:
        if p.form.value != "list_item":
            break
        head = re.split(r",?\s+such as\s+|\s*\(", p.text, maxsplit=1)[0]
        items += enumerated(head) if len(tokens(head)) <= 8 else []
    return (clean_np(tokens(m.group(1))) or m.group(1)), items


def names(text: str, common: set[str], known: Callable[[str], bool]) -> list[str]:
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
        run = [*run[:-1], strip_possessive(run[-1])]
    capitals = [w for w in run if w[:1].isupper() or w[:1].isdigit()]
    return [" ".join(run)] if len(capitals) >= 2 and len(run) <= 6 else []
