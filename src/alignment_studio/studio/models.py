"""The models the server answers with, loaded on first use and shared by the API and the web
studio.

``ModelPool.answer`` is the one way in: ``model`` is a served name (base, aligned, aggregated).
This first version answers one request at a time per model under a lock; the serving work
replaces the inside (micro-batching, token streaming) without changing the interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from alignment_studio.backends.base import GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.errors import StudioError
from alignment_studio.types import Message

Loader = Callable[[str], ModelBackend]


class ModelPool:
    """Backends by served name, each loaded once, on first use, by ``loader``."""

    def __init__(self, names: Sequence[str], loader: Loader):
        self.names = list(names)
        self.loader = loader
        self.backends: dict[str, ModelBackend] = {}
        self.locks: dict[str, asyncio.Lock] = {}

    def check(self, model: str) -> None:
        if model not in self.names:
            raise StudioError(f"unknown model {model!r}: this server has "
                              f"{', '.join(self.names)}")

    async def backend(self, model: str) -> ModelBackend:
        self.check(model)
        if model not in self.backends:
            self.backends[model] = await asyncio.to_thread(self.loader, model)
        return self.backends[model]

    async def answer(self, model: str, messages: Sequence[Message],
                     config: GenerationConfig) -> ModelOutput:
        backend = await self.backend(model)
        async with self.locks.setdefault(model, asyncio.Lock()):
            return await backend.generate(messages, config)

    async def stream(self, model: str, messages: Sequence[Message],
                     config: GenerationConfig) -> AsyncIterator[str]:
        """Pieces of the answer as they come (this version: the whole answer at once)."""
        yield (await self.answer(model, messages, config)).text

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()
        self.backends.clear()
