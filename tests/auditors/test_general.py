"""The general-capability benchmark: its bundled items, checks, run, scores and overrides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from alignment_studio.auditors.general import (
    BUNDLED,
    GeneralItem,
    GeneralResult,
    check_answer,
    general_scores,
    load_general,
    load_general_file,
    run_general,
)
from alignment_studio.backends.base import GenerationConfig, ModelOutput, Progress
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import words
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import Message


def item(check: str, **fields: object) -> GeneralItem:
    return GeneralItem.model_validate({"id": "x", "category": "c", "prompt": "q",
                                       "check": check, **fields})


def mentions(text: str, phrase: str) -> bool:
    said, want = words(text), words(phrase)
    return any(said[i:i + len(want)] == want for i in range(len(said) - len(want) + 1))


def test_the_bundled_benchmark_is_well_formed() -> None:
    items = load_general()
    assert 60 <= len(items) <= 100
    assert len({i.id for i in items}) == len(items)
    categories = {i.category for i in items}
    assert categories == {"arithmetic", "facts", "reading", "instructions", "common_sense"}
    assert all(sum(i.category == c for i in items) >= 10 for c in categories)
    for it in items:
        prompt = it.prompt or ""
        assert len(prompt.split()) <= 25, it.id  # short questions for a small model
        if it.category == "reading":  # the answer and the distractor both stand in the passage
            assert it.reject and any(mentions(prompt, r) for r in it.reject), it.id
            assert any(mentions(prompt, a) for a in it.answers), it.id
        elif it.check in ("contains", "count"):  # an echoed question must not pass
            assert not any(mentions(prompt, a) for a in it.answers), it.id


@pytest.mark.parametrize(("check", "fields", "output", "passed"), [
    ("exact", {"answers": ["banana"]}, "Banana.", True),
    ("exact", {"answers": ["Pacific Ocean"]}, "The Pacific ocean", True),
    ("exact", {"answers": ["banana"]}, "A banana, please", False),
    ("contains", {"answers": ["carbon dioxide", "CO2"]}, "Plants take in carbon dioxide.", True),
    ("contains", {"answers": ["carbon dioxide"]}, "carbon and oxygen dioxide", False),
    ("contains", {"answers": ["5"]}, "2 + 3 = 15", False),  # whole words only
    ("contains", {"answers": ["1,000"]}, "There are 1,000 grams.", True),
    ("contains", {"answers": ["1,000"]}, "There are 1 or 1,000 grams.", False),  # the first
    ("contains", {"answers": ["5", "five"]}, "2 + 3 = 5", False),  # number said is 2
    ("contains", {"answers": ["42", "forty-two"]}, "Forty-two.", True),
    ("contains", {"answers": ["Paris"]}, "Lyon.\nParis is the capital.", False),  # first line
    ("contains", {"answers": ["blue"], "reject": ["red"]}, "The kite is blue.", True),
    ("contains", {"answers": ["blue"], "reject": ["red"]}, "A red ball and a blue kite.", False),
    ("regex", {"pattern": r"1\s*,\s*2\s*,\s*3"}, "1, 2, 3", True),
    ("regex", {"pattern": r"1\s*,\s*2\s*,\s*3"}, "1 2 3", False),
    ("one_word", {"answers": ["blue"]}, "Blue.", True),
    ("one_word", {"answers": ["blue"]}, "It is blue.", False),
    ("one_word", {"answers": ["blue"]}, "Red", False),
    ("one_word", {}, "anything", True),
    ("max_words", {"n": 3, "answers": ["honey"]}, "Bees make honey", True),
    ("max_words", {"n": 3, "answers": ["honey"]}, "Bees make sweet honey", False),
    ("max_words", {"n": 3}, "", False),
    ("count", {"n": 3, "answers": ["red", "blue", "green", "yellow"]}, "Red, blue, red.", False),
    ("count", {"n": 3, "answers": ["red", "blue", "green", "yellow"]},
     "1. Red\n2. Green\n3. Yellow", True),
    ("uppercase", {"text": "good morning"}, "GOOD MORNING!", True),
    ("uppercase", {"text": "good morning"}, "Good Morning", False),
])
def test_checks(check: str, fields: dict[str, object], output: str, passed: bool) -> None:
    assert check_answer(item(check, **fields), output) is passed


class CountingBackend(FakeBackend):
    """A FakeBackend that also counts how many batches it was asked for."""

    def __init__(self, responder: Callable[[Sequence[Message]], str]):
        super().__init__(responder=responder)
        self.batches = 0

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        self.batches += 1
        return await super().generate_batch(batch, config, progress)


def test_run_answers_every_item_in_one_batch_and_checks_it() -> None:
    items = [i for i in load_general() if i.id in ("arith-01", "fact-01", "read-01", "instr-04")]
    answers = {"What is 2 + 3?": "5, since 2 + 3 = 5", "What is the capital of France?": "Lyon",
               "Tom has a red ball and a blue kite. What color is the kite?": "Blue.",
               "Write the word hello in capital letters.": "hello"}
    backend = CountingBackend(lambda messages: answers[messages[-1].content])
    results = run_general(backend, items)
    assert backend.batches == 1 and len(backend.history) == 4
    assert [(r.id, r.category, r.passed) for r in results] == [
        ("arith-01", "arithmetic", True), ("fact-01", "facts", False),
        ("read-01", "reading", True), ("instr-04", "instructions", False)]
    assert results[1].output == "Lyon"
    assert run_general(backend, []) == [] and backend.batches == 1


def test_scores_overall_and_per_category() -> None:
    outcomes = [("a", True), ("a", False), ("a", True), ("b", False), ("b", False)]
    results = [GeneralResult(id=str(i), category=c, output="", passed=p)
               for i, (c, p) in enumerate(outcomes)]
    scores = general_scores(results)
    assert [(s.metric, s.value, s.n) for s in scores] == [
        ("general_accuracy", 2 / 5, 5), ("general_accuracy:a", 2 / 3, 3),
        ("general_accuracy:b", 0.0, 2)]
    assert scores[0].ci == wilson(2, 5)
    assert general_scores([]) == []


def test_a_workspace_replaces_and_adds_items(tmp_path: Path) -> None:
    (tmp_path / "general.yaml").write_text(
        "version: 1\nitems:\n"
        "  - {id: arith-01, category: arithmetic, prompt: 'What is 1 + 1?', check: contains,"
        " answers: ['2', two]}\n"
        "  - id: ours-01\n    category: domain\n    messages:\n"
        "      - {role: system, content: Be brief.}\n"
        "      - {role: user, content: Name a primary color.}\n"
        "    check: contains\n    answers: [red, blue, yellow]\n")
    bundled = load_general()
    items = load_general(tmp_path)
    assert len(items) == len(bundled) + 1
    assert items[0].id == "arith-01" and items[0].prompt == "What is 1 + 1?"
    assert [i.id for i in items[1:-1]] == [i.id for i in bundled[1:]]
    assert items[-1].chat()[0] == Message(role="system", content="Be brief.")
    assert load_general(tmp_path / "missing") == bundled
    assert load_general_file(BUNDLED) == bundled


@pytest.mark.parametrize(("body", "line", "problem"), [
    ("  - {id: a, category: c, prompt: q}\n", 3, "check: Field required"),
    ("  - {id: a, category: c, prompt: q, check: contains}\n", 3, "needs answers"),
    ("  - {id: a, category: c, prompt: q, check: count, answers: [x]}\n", 3, "needs n"),
    ("  - {id: a, category: c, prompt: q, check: regex, pattern: '('}\n", 3,
     "not a valid regular expression"),
    ("  - {id: a, category: c, check: one_word}\n", 3, "either prompt or messages"),
    ("  - {id: a, category: c, prompt: q, check: fuzzy}\n", 3, "check: Input should be"),
    ("  - {id: a, category: c, prompt: q, check: one_word}\n"
     "  - {id: b, category: c, prompt: q, check: one_word}\n"
     "  - {id: a, category: c, prompt: q, check: one_word}\n", 5, "duplicate item id 'a'"),
    ("  - {id: a, category: c, prompt: q, check: one_word, colour: red}\n", 3,
     "colour: unknown key"),
])
def test_bad_files_fail_with_file_and_line(tmp_path: Path, body: str, line: int,
                                           problem: str) -> None:
    path = tmp_path / "general.yaml"
    path.write_text("version: 1\nitems:\n" + body)
    with pytest.raises(StudioError) as err:
        load_general(tmp_path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: ") and problem in message
    assert "\n" not in message
