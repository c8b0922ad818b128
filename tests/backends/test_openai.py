"""OpenAIBackend against a real OpenAI-compatible HTTP server (FastAPI + uvicorn in a thread).

The official ``openai`` client inside the backend is not mocked: every test goes over HTTP.
Special model names make the server misbehave: ``flaky`` fails twice, ``broken`` always
fails, ``slow`` sleeps 2 s, ``parallel`` sleeps 0.05 s so concurrent requests overlap.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from alignment_studio.backends import GenerationConfig, get_backend
from alignment_studio.backends.openai import OpenAIBackend, OpenAISpec
from alignment_studio.core.errors import StudioError
from alignment_studio.types import Message
from http_server import serve

KEY_ENV = "STUDIO_TEST_OPENAI_KEY"


@dataclass
class Recorder:
    """What the server saw; written on the server thread, read by the tests."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0

    def reset(self) -> None:
        self.requests.clear()
        self.calls.clear()
        self.in_flight = 0
        self.max_in_flight = 0


def make_app(rec: Recorder) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        names = ["test-model", "flaky", "broken", "slow", "parallel"]
        return {"object": "list",
                "data": [{"id": n, "object": "model", "created": 0, "owned_by": "test"}
                         for n in names]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        model: str = body["model"]
        rec.requests.append({
            "model": model,
            "messages": body["messages"],
            "max_tokens": body.get("max_tokens"),
            "temperature": body.get("temperature"),
            "top_p": body.get("top_p"),
            "authorization": request.headers.get("authorization"),
            "retry_count": request.headers.get("x-stainless-retry-count"),
        })
        rec.calls[model] += 1
        rec.in_flight += 1
        rec.max_in_flight = max(rec.max_in_flight, rec.in_flight)
        try:
            if model == "broken" or (model == "flaky" and rec.calls[model] <= 2):
                return JSONResponse({"error": {"message": "internal\nerror", "type": "server"}},
                                    status_code=500)
            if model == "slow":
                await asyncio.sleep(2.0)
            if model == "parallel":
                await asyncio.sleep(0.05)
            prompt = body["messages"][-1]["content"]
            content = f"echo: {prompt}"
            if '{"question"' in prompt:  # a teacher prompt asking for a question as JSON
                content = json.dumps({"question": f"echo: {' '.join(prompt.split()[:8])}?"})
            choice: dict[str, Any] = {"index": 0,
                                      "message": {"role": "assistant", "content": content},
                                      "finish_reason": "length" if prompt == "cut" else "stop"}
            if body.get("logprobs") and model == "test-model":  # "plain" ignores the option
                top = [{"token": "viol", "logprob": -0.2, "bytes": None},
                       {"token": " Compl", "logprob": -1.5, "bytes": None},
                       {"token": "The", "logprob": -2.0, "bytes": None}]
                choice["logprobs"] = {"content": [{"token": "viol", "logprob": -0.2,
                                                   "bytes": None, "top_logprobs": top}]}
                rec.requests[-1]["top_logprobs"] = body.get("top_logprobs")
            return JSONResponse({
                "id": f"chatcmpl-{rec.calls[model]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [choice],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            })
        finally:
            rec.in_flight -= 1

    return app


@dataclass
class Server:
    base_url: str
    rec: Recorder


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    rec = Recorder()
    with serve(make_app(rec)) as base_url:
        yield Server(base_url, rec)


@pytest.fixture
def srv(live_server: Server) -> Server:
    live_server.rec.reset()
    return live_server


@pytest.fixture
async def make_backend(srv: Server) -> AsyncIterator[Any]:
    """Build backends pointed at the server; their HTTP clients are closed afterwards."""
    made: list[OpenAIBackend] = []

    def build(model: str = "test-model", **kwargs: Any) -> OpenAIBackend:
        backend = OpenAIBackend(model, srv.base_url, **kwargs)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        await backend.client.close()


def msgs(text: str) -> list[Message]:
    return [Message(role="system", content="be brief"), Message(role="user", content=text)]


async def test_generate_returns_server_output_and_sends_config(
        srv: Server, make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend("test-model")
    config = GenerationConfig(max_new_tokens=33, temperature=0.7, top_p=0.9)

    out = await backend.generate(msgs("hello"), config)

    assert out.text == "echo: hello"
    assert (out.prompt_tokens, out.completion_tokens) == (11, 7)
    assert out.finish_reason == "stop"
    [req] = srv.rec.requests
    assert req["model"] == "test-model"
    assert req["messages"] == [{"role": "system", "content": "be brief"},
                               {"role": "user", "content": "hello"}]
    assert req["max_tokens"] == 33
    assert req["temperature"] == pytest.approx(0.7)
    assert req["top_p"] == pytest.approx(0.9)


async def test_generate_passes_finish_reason_through(make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend()
    out = await backend.generate(msgs("cut"), GenerationConfig())
    assert out.finish_reason == "length"


async def test_score_choices_reads_the_first_tokens_log_probabilities(
        srv: Server, make_backend: Any) -> None:
    backend = make_backend()
    scores = await backend.score_choices([msgs("a"), msgs("b")],
                                         ["violating", "compliant", "needs_info"])
    assert scores == [[-0.2, -1.5, float("-inf")]] * 2
    assert [r["max_tokens"] for r in srv.rec.requests] == [1, 1]
    assert {r["top_logprobs"] for r in srv.rec.requests} == {20}


async def test_score_choices_is_none_when_the_server_sends_no_log_probabilities(
        make_backend: Any) -> None:
    assert await make_backend("plain").score_choices([msgs("a")], ["violating"]) is None


async def test_api_key_from_named_env_var_is_sent_as_bearer(
        srv: Server, make_backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-1234")
    backend: OpenAIBackend = make_backend(api_key_env=KEY_ENV)

    await backend.generate(msgs("hi"), GenerationConfig())

    assert srv.rec.requests[0]["authorization"] == "Bearer sk-test-1234"


async def test_generate_batch_keeps_order_and_bounds_concurrency(
        srv: Server, make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend("parallel", concurrency=3)
    prompts = [f"prompt {i}" for i in range(12)]
    done: list[int] = []

    outs = await backend.generate_batch([msgs(p) for p in prompts], GenerationConfig(),
                                        progress=done.append)

    assert [o.text for o in outs] == [f"echo: {p}" for p in prompts]
    assert sum(done) == 12
    assert srv.rec.calls["parallel"] == 12
    assert 1 < srv.rec.max_in_flight <= 3


async def test_server_errors_are_retried_with_backoff(srv: Server, make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend("flaky", max_retries=3)

    start = time.monotonic()
    out = await backend.generate(msgs("again"), GenerationConfig())
    elapsed = time.monotonic() - start

    assert out.text == "echo: again"
    assert srv.rec.calls["flaky"] == 3
    assert [r["retry_count"] for r in srv.rec.requests] == ["0", "1", "2"]
    # Exponential backoff: ~0.5 s then ~1 s (minus at most 25 % jitter).
    assert elapsed >= 1.0


async def test_persistent_server_error_raises_one_line_studio_error(
        srv: Server, make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend("broken", max_retries=0)

    with pytest.raises(StudioError) as info:
        await backend.generate(msgs("x"), GenerationConfig())

    message = str(info.value)
    assert "\n" not in message
    assert srv.base_url in message
    assert srv.rec.calls["broken"] == 1


async def test_request_slower_than_timeout_raises_studio_error(make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend("slow", timeout_s=0.3, max_retries=0)

    start = time.monotonic()
    with pytest.raises(StudioError):
        await backend.generate(msgs("x"), GenerationConfig())
    assert time.monotonic() - start < 1.5


def test_missing_api_key_without_base_url_names_the_env_var(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)

    with pytest.raises(StudioError, match=KEY_ENV):
        OpenAIBackend("gpt-x", base_url=None, api_key_env=KEY_ENV)


async def test_get_backend_builds_working_openai_backend(srv: Server) -> None:
    spec = OpenAISpec(model="test-model", base_url=srv.base_url,
                       concurrency=2, max_retries=0)

    backend = get_backend(spec)
    assert isinstance(backend, OpenAIBackend)
    try:
        assert backend.model == "test-model"
        assert backend.concurrency == 2
        out = await backend.generate(msgs("via spec"), GenerationConfig())
    finally:
        await backend.client.close()

    assert out.text == "echo: via spec"
    assert srv.rec.requests[0]["model"] == "test-model"


async def test_models_endpoint_is_served(srv: Server, make_backend: Any) -> None:
    backend: OpenAIBackend = make_backend()
    ids = [m.id async for m in backend.client.models.list()]
    assert "test-model" in ids


def test_frame_with_an_openai_compatible_teacher(srv: Server, tmp_path: Any,
                                                 example_policy: Any) -> None:
    """The whole frame stage with the teacher behind the server: prompts go out, items come back
    with their provenance, and outputs that fail the filters are dropped with a reason."""
    from alignment_studio.stages import frame
    from alignment_studio.stages.init import init_workspace
    from alignment_studio.workspace import Workspace
    from alignment_studio.workspace.config import StudioConfig

    config = StudioConfig(organization="Meridian Harbor Technologies")
    config.teacher = OpenAISpec(model="test-model", base_url=srv.base_url)
    config.frame.teacher_policies = 3
    init_workspace(tmp_path / "ws", [example_policy], [], config)
    studio = Workspace(tmp_path / "ws")
    bundle = frame.bundle(studio, frame.dataset(studio))
    # 3 questions and 3 stories; each story echoes the prompt's JSON template, which fails
    # validation ("too short"), so it is asked once more with the error, then dropped.
    assert len(srv.rec.requests) == 9 and srv.rec.calls["test-model"] == 9
    assert all("Meridian Harbor Technologies" in r["messages"][-1]["content"]
               for r in srv.rec.requests)
    retries = [r["messages"][-1]["content"] for r in srv.rec.requests[6:]]
    assert all("Your previous reply could not be used: too short" in r for r in retries)
    teacher = [e for e in bundle.examples if e.provenance.source == "teacher"
               and e.book == "guardian"]  # not their closed-book twins
    # 3 questions came back; the quality filters may drop some (the server's canned answer is
    # not grounded in every clause the selection picks, and the selection follows the parse)
    assert 1 <= len(teacher) <= 3 and {e.provenance.generator for e in teacher} == {
        "openai:test-model"}
    assert {k: v for k, v in bundle.manifest.dropped.items() if k.startswith("teacher")} == {
        "teacher: teacher violating: too short": 3}
