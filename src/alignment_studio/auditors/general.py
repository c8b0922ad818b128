"""General-capability regression: does alignment cost the model what it could already do?

A small offline benchmark the project writes itself (``resources/general/general.yaml``):
short arithmetic, facts, reading comprehension, instruction following and common-sense items
with one- or two-word answers, each with a deterministic check, so that both the base and the
aligned model are scored the same way and a drop is forgetting, not grader noise. The items are
easy enough for a 135M instruct model to get some right, so a loss is measurable.

A workspace adds items, or replaces bundled ones with the same ``id``, in ``DIR/general.yaml``
(same format). Checks (``check``):

- ``exact``: the answer, normalised (lower case, alphanumeric words, a leading article
  dropped), equals one of ``answers``;
- ``contains``: scored strictly, on what the answer says first: when the accepted answers are
  numbers, the answer's first number (digits or words, "forty-two") must be one of them; else
  the answer's first line must hold one of ``answers`` as whole words. "What is 2 + 3?" answered
  "2 + 3 = 5" fails: its first number is 2;
- ``regex``: ``pattern`` is found (case-sensitive; write ``(?i)`` to ignore case);
- ``one_word``: the answer is one word (and one of ``answers`` if given);
- ``max_words``: at most ``n`` words (and contains one of ``answers`` if given);
- ``count``: at least ``n`` different ``answers`` appear ("name three colours");
- ``uppercase``: ``text`` appears written in capitals.

Any item may list ``reject``: words that must not appear (a reading item's distractors, so an
answer that echoes the passage does not pass).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import words
from alignment_studio.core.yamlio import line_of, read_yaml, validate_yaml
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import Message, Score

GENERAL_FILE = "general.yaml"
BUNDLED = Path(str(files("alignment_studio") / "resources" / "general" / GENERAL_FILE))
DEFAULT_CONFIG = GenerationConfig(max_new_tokens=32)
CheckName = Literal["exact", "contains", "regex", "one_word", "max_words", "count", "uppercase"]
_ARTICLES = ("the", "a", "an")


class GeneralItem(BaseModel):
    """One benchmark question and how its answer is checked."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    prompt: str | None = Field(None, description="the user message (or give messages)")
    messages: list[Message] | None = None
    check: CheckName
    answers: list[str] = Field(default_factory=list, description="accepted answers")
    reject: list[str] = Field(default_factory=list, description="words that fail the answer")
    pattern: str | None = Field(None, description="regex check: the pattern to find")
    n: int | None = Field(None, ge=1, description="count: how many; max_words: the limit")
    text: str | None = Field(None, description="uppercase check: the text to write in capitals")

    @model_validator(mode="after")
    def _complete(self) -> GeneralItem:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give either prompt or messages")
        if self.messages is not None and (not self.messages or self.messages[-1].role != "user"):
            raise ValueError("messages must end with a user message")
        needs = {"exact": ("answers",), "contains": ("answers",), "count": ("answers", "n"),
                 "max_words": ("n",), "regex": ("pattern",), "uppercase": ("text",)}
        missing = [f for f in needs.get(self.check, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"check {self.check} needs {' and '.join(missing)}")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return self

    def chat(self) -> list[Message]:
        return list(self.messages) if self.messages else [Message(role="user",
                                                                 content=self.prompt or "")]


class GeneralFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    items: list[GeneralItem]


class GeneralResult(BaseModel):
    """One benchmark item answered by one model."""

    model_config = ConfigDict(extra="forbid")
    id: str
    category: str
    output: str
    passed: bool


def load_general_file(path: Path) -> list[GeneralItem]:
    """The items of one benchmark file; errors name the file and line."""
    data, text = read_yaml(path)
    parsed: GeneralFile = validate_yaml(GeneralFile, data, text, path)
    seen: set[str] = set()
    for i, item in enumerate(parsed.items):
        if item.id in seen:
            raise StudioError(f"duplicate item id {item.id!r}", path,
                              line_of(text, ["items", i, "id"]))
        seen.add(item.id)
    return parsed.items


def load_general(workspace: Path | None = None) -> list[GeneralItem]:
    """The bundled benchmark, with ``workspace/general.yaml`` applied when there is one: an item
    with a bundled item's ``id`` replaces it in place, new items come after."""
    items = {item.id: item for item in load_general_file(BUNDLED)}
    override = workspace / GENERAL_FILE if workspace else None
    if override is not None and override.is_file():
        items.update({item.id: item for item in load_general_file(override)})
    return list(items.values())


def _normalised(text: str) -> list[str]:
    said = words(text)
    return said[1:] if len(said) > 1 and said[0] in _ARTICLES else said


def _has_phrase(output_words: list[str], phrase: str) -> bool:
    """Whether the phrase's words occur contiguously in the output's words."""
    want = words(phrase)
    size = len(want)
    return bool(want) and any(output_words[i:i + size] == want
                              for i in range(len(output_words) - size + 1))


def _contains_any(output: str, answers: Sequence[str]) -> bool:
    said = words(output)
    return any(_has_phrase(said, a) for a in answers)


def _check_exact(item: GeneralItem, output: str) -> bool:
    return _normalised(output) in [_normalised(a) for a in item.answers]


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER = re.compile(
    r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\b"
    r"|\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[- ](?P<unit>" + "|".join(_UNITS[1:10]) + r"))?"
    r"|(?P<small>" + "|".join(_UNITS) + r"))(?:\s+(?P<hundred>hundred))?\b", re.I)


def _number(match: re.Match[str]) -> float:
    """The value of one number match: digits, or words up to "ninety-nine hundred"."""
    text = match.group(0)
    if text[0].isdigit():
        return float(text.replace(",", ""))
    value = float(_UNITS.index(match.group("small").lower())) if match.group("small") else (
        20 + 10 * _TENS.index(match.group("tens").lower())
        + (_UNITS.index(match.group("unit").lower()) if match.group("unit") else 0))
    return value * 100 if match.group("hundred") else value


def first_number(text: str) -> float | None:
    """The first number the text says, in digits or in words."""
    match = _NUMBER.search(text)
    return _number(match) if match else None


def _check_contains(item: GeneralItem, output: str) -> bool:
    numbers = [first_number(a) for a in item.answers]
    if numbers and all(n is not None for n in numbers):
        return first_number(output) in numbers
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return bool(lines) and _contains_any(lines[0], item.answers)


def _check_regex(item: GeneralItem, output: str) -> bool:
    return re.search(item.pattern or "", output.strip()) is not None


def _check_one_word(item: GeneralItem, output: str) -> bool:
    one = len(output.split()) == 1 and len(words(output)) == 1
    return one and (not item.answers or _check_exact(item, output))


def _check_max_words(item: GeneralItem, output: str) -> bool:
    short = 0 < len(output.split()) <= (item.n or 0)
    return short and (not item.answers or _contains_any(output, item.answers))


def _check_count(item: GeneralItem, output: str) -> bool:
    said = words(output)
    named = {" ".join(words(a)) for a in item.answers if _has_phrase(said, a)}
    return len(named) >= (item.n or 0)


def _check_uppercase(item: GeneralItem, output: str) -> bool:
    return (item.text or "").upper() in output


CHECKS: dict[str, Callable[[GeneralItem, str], bool]] = {
    "exact": _check_exact, "contains": _check_contains, "regex": _check_regex,
    "one_word": _check_one_word, "max_words": _check_max_words, "count": _check_count,
    "uppercase": _check_uppercase,
}


def check_answer(item: GeneralItem, output: str) -> bool:
    """Whether ``output`` passes the item's check and names none of its ``reject`` words."""
    if item.reject and _contains_any(output, item.reject):
        return False
    return CHECKS[item.check](item, output)


def run_general(backend: ModelBackend, items: Sequence[GeneralItem],
                config: GenerationConfig = DEFAULT_CONFIG,
                progress: Callable[[int], None] | None = None) -> list[GeneralResult]:
    """Every item answered in one batch (greedy by default, short answers) and checked."""
    if not items:
        return []
    outputs = asyncio.run(backend.generate_batch([item.chat() for item in items], config,
                                                 progress))
    return [GeneralResult(id=item.id, category=item.category, output=out.text,
                          passed=check_answer(item, out.text))
            for item, out in zip(items, outputs, strict=True)]


def general_scores(results: Sequence[GeneralResult]) -> list[Score]:
    """``general_accuracy`` over all items, then ``general_accuracy:<category>`` for each
    category (alphabetical), each with a Wilson interval."""
    if not results:
        return []
    groups: dict[str, list[GeneralResult]] = {"general_accuracy": list(results)}
    for category in sorted({r.category for r in results}):
        groups[f"general_accuracy:{category}"] = [r for r in results if r.category == category]
    scores = []
    for metric, group in groups.items():
        hits = sum(r.passed for r in group)
        scores.append(Score(metric=metric, value=hits / len(group), n=len(group),
                            ci=wilson(hits, len(group))))
    return scores
