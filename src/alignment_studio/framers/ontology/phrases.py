"""Lists and names in policy text: the members of 'examples of X:' lists, and capitalised
multi-word names. (Is-a patterns in running text are read from the parse: ``syntax``.)"""

from __future__ import annotations

import re
from collections.abc import Callable

from alignment_studio.framers.ontology.builder import Context
from alignment_studio.framers.ontology.syntax import ABBREVIATION_PARENS, item_terms
from alignment_studio.framers.ontology.words import natural_case, strip_possessive

_EXAMPLES_OF = re.compile(r"\b(?:examples|kinds|types) of ([\w'’ -]{2,50}?)\s*(?:include)?:\s*$",
                          re.I)


def list_hyponyms(ctx: Context) -> tuple[str, list[str]] | None:
    """'Here are some examples of X:' followed by list items: the items are kinds of X. Each
    item names its terms by its parse ('roles, policies, and group membership'); an item that
    is a sentence ('See ... for exceptions') names none."""
    m = _EXAMPLES_OF.search(ctx.policy.text)
    if not m:
        return None
    items: list[str] = []
    for p in ctx.section.policies[ctx.index + 1:]:
        if p.form.value != "list_item":
            break
        items += item_terms(p.text)
    general = item_terms(m.group(1))
    return (general[0] if len(general) == 1 else natural_case(m.group(1))), items


def names(text: str, common: set[str], known: Callable[[str], bool]) -> list[str]:
    """Capitalised multi-word names ('Ethics Office', 'Board of Directors') in a text.

    A capitalised first word of a sentence counts only when the corpus never writes it in
    lower case ('You must …', 'All Employees' are no names) or when the lexicon knows the
    whole run ('Personally Identifiable Information')."""
    found: list[str] = []
    text = ABBREVIATION_PARENS.sub("", text)  # 'the GSA ... Information (CUI) Guide' is one name
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
