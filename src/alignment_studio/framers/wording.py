"""Rules retold about someone: "your" -> "their" (stories) or "my" (a user asking)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

_SUBJECT_BEFORE = (r"(^|\b(?:that|if|when|whom|which|who|and|or|where|whether|because|unless|"
                   r"until|while|before|after|so|than|as)\s|[,;:]\s)")
_COMPANY = [(r"\bwe\b", "the company"), (r"\bour\b", "the company's"),
            (r"\bus\b", "the company")]  # lower case only: 'US dollars' stays
_THIRD = [(r"(?i:\byourself\b)", "themselves"), (r"(?i:\byour\b)", "their"),
          (_SUBJECT_BEFORE + r"(?i:you\b)", r"\1they"), (r"(?i:\byou\b)", "them"), *_COMPANY]
_FIRST = [(r"(?i:\byourself\b)", "myself"), (r"(?i:\byour\b)", "my"),
          (_SUBJECT_BEFORE + r"(?i:you are\b)", r"\1I am"),
          (_SUBJECT_BEFORE + r"(?i:you were\b)", r"\1I was"),
          (_SUBJECT_BEFORE + r"(?i:you\b)", r"\1I"), (r"(?i:\byou\b)", "me"), *_COMPANY]


def _swap(text: str, table: list[tuple[str, str]]) -> str:
    for pattern, repl in table:
        text = re.sub(pattern, repl, text)
    return text


def _subjects(text: str, subject: str, verb_be: dict[str, str]) -> str:
    """Every 'you' that the dependency parse reads as a clause's subject ("another manager you
    trust") replaced by ``subject``, with a following 'are'/'were' agreeing (``verb_be``); the
    word lists then handle the objects and possessives. The action is parsed as a sentence
    ("you " + action), so its own leading verb has a subject too."""
    from alignment_studio.framers.nlp import parse

    lead = "you "
    doc = parse([lead + text])[0]
    out = text
    for token in reversed(doc):
        start = token.idx - len(lead)
        after = token.nbor(1) if token.i + 1 < len(doc) else None
        if start < 0 or token.lower_ != "you" or not (
                token.dep_.startswith("nsubj") or _reduced_relative(token, after)):
            continue
        word = subject
        end = start + len(token.text)
        if after is not None and after.lower_ in verb_be:
            word = f"{subject} {verb_be[after.lower_]}"
            end = after.idx - len(lead) + len(after.text)
        out = out[:start] + word + out[end:]
    return out


def _reduced_relative(token: Token, after: Token | None) -> bool:
    """'another manager you trust': a 'you' right after a noun and before a word that is no
    preposition or punctuation is the subject of a relative clause (the small parser often
    misses it)."""
    return (token.i > 0 and token.nbor(-1).pos_ in ("NOUN", "PROPN") and after is not None
            and after.pos_ not in ("ADP", "PUNCT", "CCONJ", "PART"))


def third_person(text: str) -> str:
    """'protect your password' -> 'protect their password' (for stories about someone)."""
    return _swap(_subjects(text, "they", {}), _THIRD)


def first_person(text: str) -> str:
    """'protect your password' -> 'protect my password' (for a user asking about themself)."""
    return _swap(_subjects(text, "I", {"are": "am", "were": "was"}), _FIRST)
