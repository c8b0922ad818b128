"""One async interface for every model: ``generate``, a batched ``generate_batch`` and a
token-streaming ``stream``."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types import Message


class GenerationConfig(BaseModel):
    """Decoding options; unknown options are rejected."""

    model_config = ConfigDict(extra="forbid")
    max_new_tokens: int = Field(128, ge=1)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    seed: int | None = None


class ModelOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"


Progress = Callable[[int], None]
Done = Callable[[ModelOutput], None]


class ModelBackend(ABC):
    """A model that turns chat messages into text."""

    name: str = "base"

    @abstractmethod
    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        """One completion for one conversation."""

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        """Completions for many conversations, in input order; ``progress(n)`` after each done.

        The default runs ``generate`` concurrently; backends that batch natively override it.
        """

        async def one(messages: Sequence[Message]) -> ModelOutput:
            out = await self.generate(messages, config)
            if progress:
                progress(1)
            return out

        return list(await asyncio.gather(*(one(m) for m in batch)))

    async def stream(self, messages: Sequence[Message], config: GenerationConfig,
                     done: Done | None = None) -> AsyncIterator[str]:
        """The answer in pieces as they are decoded; joined, they are ``generate``'s text.

        ``done(output)`` is called once when the stream ends, with the output (usage and finish
        reason, which the pieces cannot carry); a stream closed early (a stop sequence was
        seen, the client left) calls it with what was generated until then, and a failed one
        does not call it. The default yields the whole text once; backends that decode token
        by token override it.
        """
        output = await self.generate(messages, config)
        try:
            yield output.text
        finally:
            if done is not None:
                done(output)

    async def score_choices(self, batch: Sequence[Sequence[Message]], options: Sequence[str]
                            ) -> list[list[float]] | None:
        """The log-likelihood of each option as the start of the answer to each conversation
        (constrained choice: which of a closed set of answers the model finds most likely),
        one list per conversation in ``options`` order; None when the backend cannot score
        text, and the caller then keeps to greedy answers. The default cannot."""
        return None

    async def perplexity(self, texts: Sequence[str]) -> list[float] | None:
        """Each text's perplexity under the model (exp of the mean token negative
        log-likelihood, the first token given); None when the backend cannot score text."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release resources (models, connections)."""

