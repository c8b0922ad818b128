"""FakeBackend: scripted outputs, responder, history, truncation, batching."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from alignment_studio.backends import FakeBackend, GenerationConfig
from alignment_studio.types import Message

CONFIG = GenerationConfig()


def user(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


async def test_scripted_outputs_in_order_then_default() -> None:
    fake = FakeBackend(outputs=["first", "second"], default="fallback")
    texts = [(await fake.generate(user("q"), CONFIG)).text for _ in range(3)]
    assert texts == ["first", "second", "fallback"]


async def test_responder_used_once_queue_is_empty() -> None:
    def responder(messages: Sequence[Message]) -> str:
        return messages[-1].content.upper()

    fake = FakeBackend(outputs=["scripted"], responder=responder)
    assert (await fake.generate(user("a"), CONFIG)).text == "scripted"
    assert (await fake.generate(user("shout"), CONFIG)).text == "SHOUT"


async def test_history_records_messages_of_each_call() -> None:
    fake = FakeBackend()
    first = [Message(role="system", content="s"), Message(role="user", content="one")]
    await fake.generate(first, CONFIG)
    await fake.generate(user("two"), CONFIG)
    assert fake.history == [first, user("two")]


async def test_enqueue_adds_outputs_after_existing_ones() -> None:
    fake = FakeBackend(outputs=["a"])
    fake.enqueue("b", "c")
    texts = [(await fake.generate(user("q"), CONFIG)).text for _ in range(4)]
    assert texts == ["a", "b", "c", "compliant"]


async def test_max_new_tokens_truncates_and_sets_length() -> None:
    fake = FakeBackend(outputs=["one two three four five", "one two"])
    short = GenerationConfig(max_new_tokens=3)

    cut = await fake.generate(user("count to five please"), short)
    assert cut.text == "one two three"
    assert cut.finish_reason == "length"
    assert cut.completion_tokens == 3
    assert cut.prompt_tokens == 4

    whole = await fake.generate(user("q"), short)
    assert whole.text == "one two"
    assert whole.finish_reason == "stop"


async def test_generate_batch_keeps_order_and_reports_progress() -> None:
    fake = FakeBackend(responder=lambda m: f"answer {m[-1].content}")
    calls: list[int] = []

    outs = await fake.generate_batch([user(str(i)) for i in range(5)], CONFIG,
                                     progress=calls.append)

    assert [o.text for o in outs] == [f"answer {i}" for i in range(5)]
    assert calls == [1] * 5


def test_generation_config_rejects_unknown_options() -> None:
    with pytest.raises(ValidationError):
        GenerationConfig(max_new_tokens=8, beam_width=4)  # type: ignore[call-arg]


async def test_score_choices_favours_what_the_scripted_answer_starts_with() -> None:
    fake = FakeBackend(default="Violating: cash gifts are never allowed",
                       chooser=lambda m: "needs_info" if "vendor" in m[-1].content else "x")
    plain = FakeBackend(default="Violating: cash gifts are never allowed")
    options = ["compliant", "violating", "needs_info"]
    assert await plain.score_choices([user("a")], options) == [[-10.0, 0.0, -10.0]]
    assert await fake.score_choices([user("which vendor?"), user("a")], options) == [
        [-10.0, -10.0, 0.0], [-10.0, -10.0, -10.0]]
