"""The one way text is split into words, and the one stop-word list.

Every measure that compares texts by their words (near-duplicates, grounding, retrieval,
completeness, ROUGE-L, detector features, InstructLab matching, conflict overlap) splits them
here, so two parts of the house never disagree on what a word is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

# Letters and digits; an apostrophe or a hyphen inside a word keeps it whole ("don't",
# "e-mail", "p-0cb9da"); everything else separates words.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")

# Function words that carry no policy content: what completeness, retrieval, grounding and the
# conflict finder ignore. One list, so "content word" means the same everywhere.
STOP_WORDS: frozenset[str] = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each either else
etc even every few for from further had has have having he her here hers herself him himself
his how i if in into is it its itself just let like may me might more most must my myself no
nor not now of off on once only or other our ours ourselves out over own per s same shall she
should so some such t than that the their theirs them themselves then there these they this
those through to too under until up upon us very via was we were what when where whether
which while who whom whose why will with within without would yes yet you your yours yourself
yourselves
""".split())


def tokens(text: str) -> list[str]:
    """Word tokens as written (case kept), for term and phrase matching."""
    return _TOKEN.findall(text)


def token_spans(text: str) -> list[tuple[int, str]]:
    """(start offset, token) of every token :func:`tokens` finds."""
    return [(m.start(), m.group(0)) for m in _TOKEN.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-cased words: the tokens split at their hyphens ("e-mail" -> "e", "mail"), a
    typographic apostrophe made plain ("don’t" -> "don't")."""
    return [part for t in _TOKEN.findall(text.lower()) for part in t.replace("’", "'").split("-")]


def content_words(text: str, extra_stop: Collection[str] = ()) -> list[str]:
    """The words that carry what a text says: a possessive or contraction tail dropped
    ("employee's" -> "employee"), stop words (and ``extra_stop``) and single letters out."""
    heads = (w.split("'", 1)[0] for w in words(text))
    return [w for w in heads if len(w) > 1 and w not in STOP_WORDS and w not in extra_stop]


def stem(word: str) -> str:
    """A plural 's' removed so forms match ("gifts" -> "gift"), but not from "ss" ("access")
    or a short word ("bus")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def normalise(text: str) -> str:
    """Lower case, whitespace collapsed: what two copies of a text share after reflowing."""
    return " ".join(text.lower().split())


def text_hash(text: str, length: int = 6) -> str:
    """A short hash of the normalised text: stable IDs that reflowing does not change."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()[:length]
