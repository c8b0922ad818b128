"""Definitions in policy text: quoted and plain definition passages, glossary entries, 'What
is X?' headings, and the genus or members a definition names (abbreviations: ``abbreviations``)."""

from __future__ import annotations

import re
from collections import Counter

from alignment_studio.core.text import tokens
from alignment_studio.framers.ontology.builder import Context
from alignment_studio.framers.ontology.syntax import NOUNS, listed, parsed, term
from alignment_studio.framers.ontology.words import STOP
from alignment_studio.types import Policy, Section

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
_BEFORE_GENUS = {"DET", "ADV", "ADJ", "PUNCT", "NUM"}
_NOT_IN_A_NAME = {"ADP", "VERB", "AUX", "SCONJ"}
_NOT_A_TERM = {"this", "that", "it", "which", "what", "there", "here", "these", "those", "he",
               "she", "they", "we", "you"}


def definitions(ctx: Context) -> list[tuple[str, str]]:
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


def heading_definitions(section: Section, parent: Section | None) -> list[tuple[str, Policy]]:
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
                        if m.group(1).lower() not in STOP)
    return f"{term} {followers.most_common(1)[0][0]}" if followers else term


def genus_of(body: str) -> tuple[str | None, list[str]]:
    """What a definition body says its term is, read from its parse: a genus (the head of its
    first noun phrase: 'any adverse action taken against ...' -> 'adverse action') or, for an
    enumeration ('gift cards, vouchers, prepaid cards ...'), its members. 'Any officer or
    employee of a government, ...' is a genus: its first part is no plain noun phrase."""
    if body.startswith("- "):
        return None, []  # a glossary entry's free prose names no genus
    doc = parsed(re.split(r"[.;:]\s", body, maxsplit=1)[0])
    comma = next((t.i for t in doc if t.text == ","), None)
    if comma is not None and not any(t.pos_ in _NOT_IN_A_NAME for t in doc[:comma]):
        found = listed(doc, 0)
        if len(found) >= 3:
            return None, found
    chunk = next(iter(doc.noun_chunks), None)
    if chunk is None or chunk.root.pos_ not in NOUNS or any(
            t.pos_ not in _BEFORE_GENUS for t in doc[:chunk.start]):
        return None, []  # 'used to describe the process ...' names no genus
    return term(chunk.root, with_phrase=False), []
