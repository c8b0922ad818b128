"""The models the server answers with, loaded on first use and shared by the API and the web
studio.

``ModelPool.answer`` is the one way in for whole answers: ``model`` is a served name (base,
aligned, aggregated). Requests for the same model with the same decoding settings are
micro-batched: the first one opens a batch and waits up to ``batch_wait_ms`` for up to
``batch_size - 1`` others (and keeps collecting while the model is busy with the batch before
it); then one ``generate_batch`` call answers them all, and each request gets the output at its
own index. ``ModelPool.stream`` hands out the pieces of one answer as they are decoded.

A model is used by one batch or one stream at a time (a lock per model, first come first
served): local transformers models are not thread-safe, and a CPU gains nothing from running
two of them at once anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from alignment_studio.backends.base import Done, GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.core.errors import StudioError
from alignment_studio.types import Message

Loader = Callable[[str], ModelBackend]


@dataclass
class _Item:
    messages: list[Message]
    future: asyncio.Future[ModelOutput]


@dataclass
class _Batch:
    items: list[_Item] = field(default_factory=list)
    full: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Lane:
    """One model's traffic: its lock and its open batches, by decoding settings."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loading: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: dict[str, _Batch] = field(default_factory=dict)


class ModelPool:
    """Backends by served name, each loaded once, on first use, by ``loader``.

    ``batch_sizes[model]`` counts the batches run by size (what the load benchmark and the
    tests read)."""

    def __init__(self, names: Sequence[str], loader: Loader, batch_size: int = 8,
                 batch_wait_ms: float = 10.0):
        if batch_size < 1 or batch_wait_ms < 0:
            raise StudioError(f"batch_size must be >= 1 and batch_wait_ms >= 0, got "
                              f"{batch_size} and {batch_wait_ms}")
        self.names = list(names)
        self.loader = loader
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_ms / 1000
        self.backends: dict[str, ModelBackend] = {}
        self.batch_sizes: dict[str, Counter[int]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lanes: dict[str, _Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def check(self, model: str) -> None:
        if model not in self.names:
            raise StudioError(f"unknown model {model!r}: this server has "
                              f"{', '.join(self.names)}")

    def _lane(self, model: str) -> _Lane:
        """The model's lane in the running event loop. Locks and events belong to a loop, so a
        new loop (a test client's, say) starts with fresh lanes; loaded backends are kept."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._lanes = loop, {}
        return self._lanes.setdefault(model, _Lane())

    async def backend(self, model: str) -> ModelBackend:
        """The loaded backend of ``model`` (loaded once, even when many requests ask at once)."""
        self.check(model)
        if model not in self.backends:
            async with self._lane(model).loading:
                if model not in self.backends:
                    self.backends[model] = await asyncio.to_thread(self.loader, model)
        return self.backends[model]

    async def answer(self, model: str, messages: Sequence[Message],
                     config: GenerationConfig) -> ModelOutput:
        """One whole answer, generated in a batch with the requests that arrive with it."""
        backend = await self.backend(model)
        lane = self._lane(model)
        key = config.model_dump_json()
        batch = lane.open.get(key)
        if batch is None:
            batch = lane.open[key] = _Batch()
            self._spawn(self._run(model, backend, lane, key, batch, config))
        future: asyncio.Future[ModelOutput] = asyncio.get_running_loop().create_future()
        batch.items.append(_Item(list(messages), future))
        if len(batch.items) >= self.batch_size:
            _close(lane, key, batch)
            batch.full.set()
        return await future

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    async def _run(self, model: str, backend: ModelBackend, lane: _Lane, key: str,
                   batch: _Batch, config: GenerationConfig) -> None:
        """Wait for the batch to fill (or the wait to pass), then for the model, then answer
        every request still waiting; an error goes to each of them."""
        items: list[_Item] = []
        try:
            if self.batch_wait_s > 0:
                with contextlib.suppress(asyncio.TimeoutError):  # not TimeoutError before 3.11
                    await asyncio.wait_for(batch.full.wait(), self.batch_wait_s)
            async with lane.lock:
                _close(lane, key, batch)
                items = [i for i in batch.items if not i.future.done()]  # drop cancelled ones
                if not items:
                    return
                self.batch_sizes.setdefault(model, Counter())[len(items)] += 1
                outputs = await backend.generate_batch([i.messages for i in items], config)
            if len(outputs) != len(items):
                raise StudioError(f"model {model!r} gave {len(outputs)} answers to a batch of "
                                  f"{len(items)}")
            for item, output in zip(items, outputs, strict=True):
                if not item.future.done():
                    item.future.set_result(output)
        except Exception as exc:
            for item in items or batch.items:
                if not item.future.done():
                    item.future.set_exception(exc)
        finally:
            for item in batch.items:  # cancelled on the way: nobody is left waiting forever
                if not item.future.done():
                    item.future.cancel()

    async def stream(self, model: str, messages: Sequence[Message], config: GenerationConfig,
                     done: Done | None = None) -> AsyncGenerator[str, None]:
        """Pieces of one answer as they are decoded; ``done(output)`` after the last one (see
        ``ModelBackend.stream``). The model is held for this stream until it ends or closes."""
        backend = await self.backend(model)
        lane = self._lane(model)
        async with lane.lock:
            pieces = backend.stream(messages, config, done)
            try:
                async for piece in pieces:
                    yield piece
            finally:
                close = getattr(pieces, "aclose", None)
                if close is not None:
                    await close()

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()
        self.backends.clear()


def _close(lane: _Lane, key: str, batch: _Batch) -> None:
    """Take the batch off the open list: later requests start a new one."""
    if lane.open.get(key) is batch:
        del lane.open[key]
