"""One async interface for every model: ``generate`` and a batched ``generate_batch``."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

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

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release resources (models, connections)."""

