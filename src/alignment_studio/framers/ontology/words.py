"""Words: the keys by which concepts are matched, and the word lists shared by extraction.

Matching works on tokens: whole words, case-insensitive, singular and plural alike; words written
with a capital in a concept's label (GSA, Legal, Slack) must be written with that capital in the
text, so "it" is never "IT".
"""

from __future__ import annotations

import re

from alignment_studio.core.text import tokens

DETERMINERS = {"a", "an", "the", "any", "all", "some", "other", "your", "our", "their", "its",
               "his", "her", "this", "that", "these", "those", "each", "every", "such", "my",
               "certain", "many", "most", "more", "various", "few"}
STOP = {"to", "that", "which", "who", "whom", "whose", "from", "for", "with", "in", "on", "at",
        "by", "about", "because", "if", "when", "where", "while", "should", "must", "may",
        "can", "could", "would", "will", "shall", "is", "are", "was", "were", "be", "been",
        "being", "before", "after", "during", "so", "than", "then", "as", "like", "not", "no",
        "you", "we", "they", "it", "he", "she", "i", "or", "and", "but", "also", "even",
        "only", "into", "over", "under", "without", "within", "through", "has", "have", "had",
        "do", "does", "did", "taken", "used", "made", "given", "held", "including", "etc",
        "else", "there", "here", "what", "how", "why", "just", "very", "e", "g", "i.e", "e.g",
        "outside", "inside", "against", "between", "among", "per", "via", "upon", "across",
        "until", "since", "toward", "towards", "around", "whether", "although", "though"}
VAGUE = {"anything", "something", "anyone", "everyone", "someone", "everything", "nothing",
         "anybody", "everybody", "somebody", "thing", "things"}


_QUALIFIERS = {"of", "about", "for"}  # a phrase after the head: 'Compensation for Travel'
IRREGULAR = {"children": "child", "people": "person", "men": "man", "women": "woman",
             "spokespeople": "spokesperson", "media": "media", "data": "data"}


def singular(word: str) -> str:
    """Simple English singular of a lower-case word ('policies' -> 'policy')."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "'s")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def strip_possessive(token: str) -> str:
    return re.sub(r"['’]s?$", "", token)


def fold(token: str) -> str:
    """The case-insensitive key of one word: lower case, possessive dropped, singular."""
    return singular(strip_possessive(token).lower())


def exact_form(token: str) -> str:
    """The case-sensitive key of a capitalised word: 'APIs' -> 'API', 'GSA's' -> 'GSA'."""
    word = strip_possessive(token)
    if len(word) > 2 and word.endswith("s") and word[:-1].isupper():
        return word[:-1]
    return word


def _key_token(token: str) -> str:
    """A label word's key: a capitalised word matches only as written, others folded."""
    return "=" + exact_form(token) if token[:1].isupper() else fold(token)


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


def inflections(verb: str) -> list[str]:
    """Forms of a one-word action verb, so 'shared' and 'sharing' mention 'share'."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return [verb, verb + "s", verb + "es", stem + "ed", stem + "ing", verb + "d"]


def head_words(label: str) -> list[str]:
    """The words that carry a label's meaning: 'board of directors' -> ['board'],
    'information about the public' -> ['information']."""
    words = tokens(label)
    cut = next((i for i, w in enumerate(words) if i and w.lower() in _QUALIFIERS), len(words))
    return words[:cut]
