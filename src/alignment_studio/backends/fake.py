"""A scripted backend for tests and dry runs; it records every call in ``history``."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Literal

from pydantic import Field

from alignment_studio.backends.base import Done, GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.backends.registry import BackendSpec
from alignment_studio.types import Message

Responder = Callable[[Sequence[Message]], str]
_WORD = re.compile(r"\s*\S+|\s+$")  # a word with the space before it, or trailing space


class FakeBackend(ModelBackend):
    """Answers from a queue of scripted outputs, or from a callable, or echoes a default.

    >>> fake = FakeBackend(outputs=["violating: gifts of cash are never allowed"])
    """

    name = "fake"

    def __init__(self, outputs: Iterable[str] = (), responder: Responder | None = None,
                 default: str = "compliant", chooser: Responder | None = None):
        self.queue: deque[str] = deque(outputs)
        self.responder = responder
        self.default = default
        self.chooser = chooser
        self.history: list[list[Message]] = []

    def enqueue(self, *outputs: str) -> None:
        self.queue.extend(outputs)

    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        self.history.append(list(messages))
        if self.queue:
            text = self.queue.popleft()
        elif self.responder is not None:
            text = self.responder(messages)
        else:
            text = self.default
        words = text.split()
        finish = "stop"
        if len(words) > config.max_new_tokens:  # a word stands in for a token
            words, finish = words[: config.max_new_tokens], "length"
            text = " ".join(words)
        return ModelOutput(text=text, prompt_tokens=sum(len(m.content.split()) for m in messages),
                           completion_tokens=len(words), finish_reason=finish)

    async def score_choices(self, batch: Sequence[Sequence[Message]], options: Sequence[str]
                            ) -> list[list[float]]:
        """0.0 for every option the scripted answer starts with (case aside), -10.0 for the
        rest. The answer is ``chooser``'s, else the responder's or the default (the queue is
        left alone: it scripts ``generate``)."""
        pick = self.chooser or self.responder or (lambda _: self.default)
        scores = []
        for messages in batch:
            text = pick(messages).lower()
            scores.append([0.0 if text.startswith(o.lower()) else -10.0 for o in options])
        return scores

    async def stream(self, messages: Sequence[Message], config: GenerationConfig,
                     done: Done | None = None) -> AsyncIterator[str]:
        """``generate``'s answer word by word (each with the space before it), yielding to the
        event loop between words as a decoding model would."""
        output = await self.generate(messages, config)
        try:
            for piece in _WORD.findall(output.text):
                yield piece
                await asyncio.sleep(0)
        finally:
            if done is not None:
                done(output)


def echo_last_user(messages: Sequence[Message]) -> str:
    """The last user turn, verbatim: a responder whose answers show which request they belong
    to (the server's load test checks no answer goes to another request)."""
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


class FakeSpec(BackendSpec):
    """The scripted backend: no model at all, for tests and dry runs."""

    backend: Literal["fake"] = Field("fake", description="fake: scripted outputs, no model "
                                     "(tests and dry runs)")
    model: str = Field("scripted", description="'echo' repeats the last user turn (load "
                       "tests); any other name answers 'compliant'")


def build_fake(spec: FakeSpec, adapters: Sequence[str], cache_dir: str | None) -> FakeBackend:
    return FakeBackend(responder=echo_last_user) if spec.model == "echo" else FakeBackend()
