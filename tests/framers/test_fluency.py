"""Teacher items kept only where the student reads them as fluent as the reference items."""

from __future__ import annotations

from collections.abc import Sequence

from alignment_studio.framers.fluency import fluency_bar, fluency_text, fluent_only
from alignment_studio.types import Example, Kind, Message, Provenance


def item(i: int, asked: str, source: str = "teacher") -> Example:
    return Example(id=f"e{i}", kind=Kind.instruction, target=f"An answer [doc/p-{i}]",
                   asked=asked, messages=[Message(role="user", content=f"Policy: x\n\n{asked}")],
                   policy_ids=[f"doc/p-{i}"], provenance=Provenance(source=source))


def broken_words(texts: Sequence[str]) -> list[float]:
    """A stand-in student: each repeated word in a row multiplies the perplexity."""
    out = []
    for text in texts:
        words = text.lower().split()
        repeats = sum(a == b for a, b in zip(words, words[1:], strict=False))
        out.append(20.0 * 5 ** repeats)
    return out


def test_broken_teacher_items_are_dropped_with_the_bar_in_the_reason() -> None:
    reference = [item(i, f"May I accept gift number {i}?", "structure") for i in range(10)]
    good = item(20, "Can I keep a pen a supplier gave me?")
    broken = item(21, "chose not to not install the the updates")
    kept, dropped, bar = fluent_only([good, broken], reference, broken_words, 95)
    assert kept == [good] and bar == 20.0
    assert [d.example for d in dropped] == [broken] and dropped[0].stage == "fluency"
    assert dropped[0].reason.startswith("not fluent (student perplexity 100 above 20")


def test_nothing_is_dropped_when_the_student_cannot_score_or_nothing_compares() -> None:
    teacher = [item(1, "the the the")]
    assert fluent_only(teacher, [item(2, "x", "seed")], lambda texts: None, 95)[0] == teacher
    assert fluent_only(teacher, [], broken_words, 95) == (teacher, [], None)


def test_the_bar_is_a_nearest_rank_percentile_and_the_text_is_what_a_user_reads() -> None:
    assert fluency_bar(list(map(float, range(1, 101))), 95) == 95.0
    assert fluency_bar([3.0, 1.0, 2.0], 50) == 2.0
    assert fluency_text(item(3, "May I?")) == "May I? An answer"
