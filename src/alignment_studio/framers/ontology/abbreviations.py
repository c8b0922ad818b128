"""Abbreviations: those a text defines ('Customer Due Diligence (CDD)', 'CDD (customer due
diligence)', 'CDD: customer due diligence') and upper-case acronyms a document uses that spell
one of its own multi-word terms ('CDD' where the document says 'customer due diligence'
elsewhere). Each becomes a concept labelled with its expansion, the abbreviation a synonym."""

from __future__ import annotations

import re
from collections.abc import Iterable

from alignment_studio.framers.ontology.words import folded_key, natural_case

_ABBREVIATION = re.compile(
    r"((?:[A-Za-z][\w'’-]*\s+){1,8})\((?:the\s+)?[\"“']?([A-Za-z][A-Za-z0-9-]{1,9}"
    r"(?:/[A-Za-z][A-Za-z0-9-]{1,9})*)[\"”']?\)")
_REVERSED = re.compile(
    r"\b([A-Z][A-Za-z0-9&]*[A-Z][A-Za-z0-9&]*?)s?\s+\(([A-Za-z][\w'’ -]{3,80})\)")
_GLOSSARY = re.compile(r"^\s*([A-Z][A-Z0-9&]{1,9})s?\s*(?::|=|\s[-–—])\s*([A-Za-z][\w'’ -]{3,80})")
_ACRONYM = re.compile(r"(?<![\w.@/-])([A-Z][A-Z0-9&]{1,7})(?:s|['’]s)?(?![\w@/-])")
_FUNCTION = {"of", "and", "for", "the", "to", "in", "on", "&", "a", "an"}


def abbreviations(text: str) -> list[tuple[str, str]]:
    """(long form, abbreviation) pairs a text defines: 'Long Form Name (LFN)' (also '(LFNs)',
    '("LFN")', '(PHI/ePHI)'), 'LFN (long form name)' and a glossary line 'LFN: Long Form'."""
    found = [*_long_first(text), *_abbreviation_first(text)]
    if m := _GLOSSARY.match(text):
        long = _prefix_spelling(m.group(2).split(), _letters(m.group(1)))
        if long:
            found.append((long, m.group(1)))
    return found


def _letters(abbr: str) -> list[str]:
    return [c.lower() for c in abbr if c.isupper() or c.isdigit()]


def _long_first(text: str) -> list[tuple[str, str]]:
    """'Long Form Name (LFN)': the long form is the shortest run of words before the
    parenthesis whose letters contain the abbreviation's in order, the first at the start of a
    word (Schwartz & Hearst, 2003): 'GSA Online University (OLU)' -> 'Online University'."""
    found: list[tuple[str, str]] = []
    for m in _ABBREVIATION.finditer(text):
        words = m.group(1).split()
        for abbr in m.group(2).split("/"):
            abbr = abbr[:-1] if abbr.endswith("s") and abbr[-2:-1].isupper() else abbr
            letters = _letters(abbr)
            if len(letters) < 2 or not abbr[-1].isupper() and not abbr[-1].isdigit():
                continue
            for n in range(1, min(len(letters) + 5, 2 * len(letters), len(words)) + 1):
                tail = words[-n:]
                if tail[0][0].lower() == letters[0] and _spells(" ".join(tail).lower(), letters):
                    found.append((_singular_form(natural_case(" ".join(tail)), m.group(2)), abbr))
                    break
    return found


def _singular_form(long: str, written: str) -> str:
    """'ultimate beneficial owners (UBOs)' names the singular 'ultimate beneficial owner'."""
    return long[:-1] if written.endswith("s") and long.endswith("s") else long


def _abbreviation_first(text: str) -> list[tuple[str, str]]:
    """'CDD (customer due diligence)': the words in parentheses, when their initials spell
    the abbreviation."""
    found: list[tuple[str, str]] = []
    for m in _REVERSED.finditer(text):
        long = _prefix_spelling(m.group(2).split(), _letters(m.group(1)))
        if long:
            found.append((long, m.group(1)))
    return found


def _prefix_spelling(words: list[str], letters: list[str]) -> str | None:
    """The shortest run of leading words whose initials spell ``letters``."""
    while words and words[0].lower() in {"the", "a", "an"}:
        words = words[1:]
    for n in range(len(letters), min(len(words), 2 * len(letters)) + 1):
        if initials(words[:n]) == letters or initials(words[:n], True) == letters:
            return natural_case(" ".join(words[:n]).rstrip(" ,;.:"))
    return None


def initials(words: Iterable[str], content_only: bool = False) -> list[str]:
    """First letters of words and of the parts of hyphenated ones ('anti-money laundering'
    -> a, m, l); ``content_only`` leaves out 'of', 'and', 'the' and the like."""
    parts = [p for w in words for p in re.split(r"[-/]", w) if p]
    return [p[0].lower() for p in parts
            if p[0].isalnum() and not (content_only and p.lower() in _FUNCTION)]


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


def acronyms(texts: Iterable[str]) -> list[str]:
    """Upper-case acronyms the texts use ('CDD', 'UBOs' -> 'UBO'), in order of first use;
    a word the texts also write in lower case ('NOT', 'MUST') is emphasis, not an acronym."""
    texts = list(texts)
    lower = {w for t in texts for w in re.findall(r"\b[a-z]+\b", t)}
    found: dict[str, None] = {}
    for t in texts:
        for m in _ACRONYM.finditer(t):
            if m.group(1).lower() not in lower and len(_letters(m.group(1))) >= 2:
                found.setdefault(m.group(1), None)
    return list(found)


def acronym_expansions(used: Iterable[str], terms: Iterable[str]) -> list[tuple[str, str]]:
    """(term, acronym) for each acronym whose letters are the initials of exactly one of the
    document's multi-word terms (written out in full: no acronym among its words)."""
    candidates: dict[tuple[str, ...], str] = {}
    for t in terms:
        words = t.split()
        if len(words) >= 2 and not any(w.isupper() and len(w) > 1 for w in words):
            candidates.setdefault(folded_key(t), t)
    found: list[tuple[str, str]] = []
    for acronym in used:
        letters = _letters(acronym)
        matches = {t for t in candidates.values()
                   if initials(t.split()) == letters or initials(t.split(), True) == letters}
        if len(matches) == 1:
            found.append((matches.pop(), acronym))
    return found
