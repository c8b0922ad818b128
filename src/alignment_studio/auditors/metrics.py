"""Deterministic metrics of an answer against its reference: ROUGE-L, completeness, whether a
needs-info answer asks for what is missing. Verdicts and citations are read by
:mod:`alignment_studio.core.answers`."""

from __future__ import annotations

import re

from alignment_studio.core.answers import cue_position, parse_label, strip_citations
from alignment_studio.core.text import content_words, words
from alignment_studio.types import Label


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, O(len(a) * len(b)) time, O(len(b)) memory."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lower-cased word tokens (:func:`alignment_studio.core.text.words`)."""
    cand, ref = words(candidate), words(reference)
    lcs = lcs_length(cand, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def completeness(answer: str, reference: str) -> float:
    """Share of the reference's distinct content words that the answer also uses.

    A recall proxy for "does the answer say everything the reference says"; ROUGE-L (an F1 over
    word order) stays the faithfulness proxy. Bracketed policy IDs are removed from both texts
    first, since citing is scored on its own. A reference without content words gives 1.0:
    there is nothing to miss."""
    wanted = set(content_words(strip_citations(reference)))
    if not wanted:
        return 1.0
    said = set(content_words(strip_citations(answer)))
    return len(wanted & said) / len(wanted)


# A request for the missing facts: "could you tell me ...", "I need to know ...", "it depends on".
_ASK = re.compile(
    r"\b(?:could|can|would) you (?:please )?(?:tell|clarify|confirm|share|provide|specify|"
    r"explain|say|let me know)\b|"
    r"\bplease (?:tell|clarify|confirm|share|provide|specify|let me know)\b|"
    r"\bi(?: would|'d)? need to know\b|\bi(?: would|'d)? need (?:more |some )?"
    r"(?:details|information|context)\b|"
    r"\bneed to know (?:whether|if|what|which|who|when|where|how)\b|"
    r"\b(?:it|that|this) depends on\b", re.I)
# A question back to the asker: a sentence ending in "?" that is a wh-question ("Which vendor
# was it?") or speaks to the asker ("Did you get approval?"). One that carries a verdict cue
# ("Does the situation comply ...?", "Is this allowed?") repeats the verdict question instead.
_QUESTION = re.compile(r"(?:^|(?<=[.!?:;\n]))\s*([^.!?\n]*\?)")
_WH_OR_YOU = re.compile(r"^(?:which|what|whether|who|whom|whose|when|where|how)\b|\byou(?:r)?\b",
                        re.I)
_GUESS_LABELS = (Label.compliant, Label.violating)


def _first_guess(text: str) -> int | None:
    """Where the earliest compliant or violating cue starts (see ``parse_label``), or None."""
    return cue_position(text, _GUESS_LABELS)


def _first_ask(text: str) -> int | None:
    """Where the earliest request for missing facts starts: an ask phrase or a question back."""
    starts = [m.start() for m in [_ASK.search(text)] if m]
    starts += [m.start(1) for m in _QUESTION.finditer(text)
               if _WH_OR_YOU.search(m.group(1)) and parse_label(m.group(1)) is None]
    return min(starts) if starts else None


def asks_for_info(text: str) -> bool:
    """Whether the answer asks for what is missing instead of guessing a verdict.

    True when its verdict is needs_info (``parse_label``), or when it asks (a question back such
    as "Which vendor was it?", or "could you tell me", "I need to know", "it depends on") before
    any compliant or violating verdict. "Violating. Could you tell me more?" has guessed first:
    False."""
    if parse_label(text) == Label.needs_info:
        return True
    ask = _first_ask(text)
    if ask is None:
        return False
    guess = _first_guess(text)
    return guess is None or ask < guess
