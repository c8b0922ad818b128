"""Any OpenAI-compatible chat server: vLLM, Ollama, llama.cpp server, hosted APIs."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from pydantic import Field

from alignment_studio.backends.base import Done, GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.backends.registry import BackendSpec
from alignment_studio.core.errors import StudioError
from alignment_studio.types import Message


class OpenAISpec(BackendSpec):
    """Any OpenAI-compatible server: vLLM, Ollama, llama.cpp server, a hosted API."""

    backend: Literal["openai"] = Field("openai", description="openai: any OpenAI-compatible "
                                       "server")
    base_url: str | None = Field(
        None, description="server base URL, for example http://127.0.0.1:8000/v1 (null: the "
        "openai client's default, api.openai.com)")
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="environment variable holding the API key ('EMPTY' is "
        "sent when it is unset and base_url is set)")
    concurrency: int = Field(4, ge=1, description="requests in flight at once")
    timeout_s: float = Field(60.0, gt=0, description="seconds before a request fails")
    max_retries: int = Field(3, ge=0, description="retries with exponential backoff")

    def calls_at_once(self) -> int:
        return self.concurrency * 2  # keep the server busy while replies come back


def build_openai(spec: OpenAISpec, adapters: Sequence[str], cache_dir: str | None
                 ) -> OpenAIBackend:
    return OpenAIBackend(spec.model, spec.base_url, spec.api_key_env, spec.concurrency,
                         spec.timeout_s, spec.max_retries)


class OpenAIBackend(ModelBackend):
    """Calls ``/v1/chat/completions`` through the official ``openai`` client.

    Concurrency is bounded by a semaphore; the client retries failed requests with exponential
    backoff (``max_retries``) and gives up after ``timeout_s`` per request.
    """

    name = "openai"

    def __init__(self, model: str, base_url: str | None, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 4, timeout_s: float = 60.0, max_retries: int = 3):
        try:
            import openai
        except ImportError as exc:
            raise StudioError("the openai backend needs the 'openai' package: "
                              "pip install 'alignment-studio[openai]'") from exc
        key = os.environ.get(api_key_env) or ("EMPTY" if base_url else None)
        if key is None:
            raise StudioError(f"no API key: set the environment variable {api_key_env}")
        self.model = model
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=key, timeout=timeout_s,
                                         max_retries=max_retries)
        self.concurrency = concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._errors: tuple[type[Exception], ...] = (openai.APIError,)

    def close(self) -> None:
        """Close the connection pool (from sync code, outside any running event loop)."""
        with contextlib.suppress(RuntimeError):  # inside a running loop: the caller closes it
            asyncio.run(self.client.close())

    def _limit(self) -> asyncio.Semaphore:
        # A semaphore belongs to the event loop it is first used in; create it lazily.
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        return self._semaphore

    def _request(self, messages: Sequence[Message], config: GenerationConfig) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": self.model,
                                  "messages": [m.model_dump() for m in messages],
                                  "max_tokens": config.max_new_tokens,
                                  "temperature": config.temperature, "top_p": config.top_p}
        if config.seed is not None:
            kwargs["seed"] = config.seed
        return kwargs

    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        kwargs = self._request(messages, config)
        async with self._limit():
            try:
                response = await self.client.chat.completions.create(**kwargs)
            except self._errors as exc:
                raise StudioError(f"openai backend at {self.client.base_url}: {exc}") from exc
        if not response.choices:
            raise StudioError(f"openai backend at {self.client.base_url}: a response with no "
                              "choices")
        choice = response.choices[0]
        usage = response.usage
        return ModelOutput(text=choice.message.content or "",
                           prompt_tokens=usage.prompt_tokens if usage else 0,
                           completion_tokens=usage.completion_tokens if usage else 0,
                           finish_reason=choice.finish_reason or "stop")

    async def score_choices(self, batch: Sequence[Sequence[Message]], options: Sequence[str]
                            ) -> list[list[float]] | None:
        """Each option's score from the server's first answer token: one request per
        conversation with ``max_tokens=1`` and ``top_logprobs=20``; an option scores the best
        log-probability among the listed tokens that begin it (a first-token approximation,
        since chat servers do not score given text), -inf when none is listed. None when the
        server returns no log-probabilities (not every server supports them)."""
        scored = await asyncio.gather(*(self._first_token(m, options) for m in batch))
        return None if any(s is None for s in scored) else [s for s in scored if s is not None]

    async def _first_token(self, messages: Sequence[Message], options: Sequence[str]
                           ) -> list[float] | None:
        kwargs = self._request(messages, GenerationConfig(max_new_tokens=1)) | {
            "logprobs": True, "top_logprobs": 20}
        async with self._limit():
            try:
                response = await self.client.chat.completions.create(**kwargs)
            except self._errors:
                return None  # the server refuses logprobs: greedy verdicts only
        logprobs = response.choices[0].logprobs if response.choices else None
        if logprobs is None or not logprobs.content:
            return None
        top = [(t.token.strip().lower(), t.logprob) for t in logprobs.content[0].top_logprobs]
        return [max((lp for token, lp in top if token and option.lower().startswith(token)),
                    default=float("-inf")) for option in options]

    async def stream(self, messages: Sequence[Message], config: GenerationConfig,
                     done: Done | None = None) -> AsyncIterator[str]:
        """The server's own stream (``stream=True``), content deltas passed through as they
        arrive; usage is asked for (``include_usage``) and is 0 when the server sends none."""
        kwargs = self._request(messages, config) | {
            "stream": True, "stream_options": {"include_usage": True}}
        pieces: list[str] = []
        finish, prompt_tokens, completion_tokens = "stop", 0, 0
        failed = False
        async with self._limit():
            try:
                async with await self.client.chat.completions.create(**kwargs) as chunks:
                    async for chunk in chunks:  # closed with the stream if left early
                        if chunk.usage is not None:
                            prompt_tokens = chunk.usage.prompt_tokens
                            completion_tokens = chunk.usage.completion_tokens
                        for choice in chunk.choices[:1]:
                            finish = choice.finish_reason or finish
                            if choice.delta.content:
                                pieces.append(choice.delta.content)
                                yield choice.delta.content
            except self._errors as exc:
                failed = True
                raise StudioError(f"openai backend at {self.client.base_url}: {exc}") from exc
            finally:
                if done is not None and not failed:
                    done(ModelOutput(text="".join(pieces), prompt_tokens=prompt_tokens,
                                     completion_tokens=completion_tokens, finish_reason=finish))
