"""The one tokenizer and stop-word list every text comparison of the house uses."""

from __future__ import annotations

from alignment_studio.core.text import (
    STOP_WORDS,
    content_words,
    normalise,
    stem,
    text_hash,
    token_spans,
    tokens,
    words,
)


def test_tokens_keep_case_and_inner_apostrophes_and_hyphens() -> None:
    text = "Don’t e-mail the CDD file (p-0cb9da) to vendors' staff!"
    assert tokens(text) == ["Don’t", "e-mail", "the", "CDD", "file", "p-0cb9da", "to",
                            "vendors", "staff"]
    assert [t for _, t in token_spans(text)] == tokens(text)
    assert all(text[start:].startswith(t) for start, t in token_spans(text))


def test_words_are_lower_case_and_split_at_hyphens() -> None:
    assert words("Don’t E-mail p-0cb9da") == ["don't", "e", "mail", "p", "0cb9da"]
    assert words("") == []


def test_content_words_drop_stop_words_tails_and_single_letters() -> None:
    assert content_words("The employee's manager must not accept a gift card, can't she?") == [
        "employee", "manager", "accept", "gift", "card"]
    assert content_words("employees report gifts", extra_stop={"employees"}) == ["report",
                                                                                  "gifts"]
    assert {"the", "must", "not", "while", "whose"} <= STOP_WORDS


def test_stem_removes_a_plural_s_only() -> None:
    assert [stem(w) for w in ("gifts", "access", "bus", "policies", "is")] == [
        "gift", "access", "bus", "policie", "is"]


def test_normalised_text_hashes_survive_reflowing() -> None:
    assert normalise("  Gifts\n of  CASH ") == "gifts of cash"
    assert text_hash("Gifts of cash") == text_hash("gifts  of\ncash") != text_hash("gifts")
    assert len(text_hash("x", 12)) == 12
