"""Rules retold about someone: "your" -> "their" (stories) or "my" (a user asking)."""

from __future__ import annotations

import re

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


def third_person(text: str) -> str:
    """'protect your password' -> 'protect their password' (for stories about someone)."""
    return _swap(text, _THIRD)


def first_person(text: str) -> str:
    """'protect your password' -> 'protect my password' (for a user asking about themself)."""
    return _swap(text, _FIRST)
