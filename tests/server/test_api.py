"""The OpenAI-compatible API against a real uvicorn server on loopback, called with the official
``openai`` client. The student is the fake "echo" model: each answer is the request's last user
turn, so expected answers, usage and batching are known from the request alone."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from serving import BatchRecorder, add_model_artifact, add_token, app_for, running

from alignment_studio.backends.base import GenerationConfig, ModelOutput
from alignment_studio.backends.fake import FakeBackend, echo_last_user
from alignment_studio.backends.openai import OpenAIBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.guard.detector import BLOCK_INPUT, WARNING, situation_text
from alignment_studio.server.api import StopCutter
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages import detect, frame, parse
from alignment_studio.types import Kind, Label, Message, Split
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings
from alignment_studio.workspace.db import StudioDB

# the default system prompt the server adds: "You answer by {organization}'s policies and cite
# the policy ID." with the default organization "the company"
SYSTEM_WORDS = len("You answer by the company's policies and cite the policy ID.".split())


def client(url: str, token: str, timeout: float = 30) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=token, max_retries=0, timeout=timeout)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# --- models ---------------------------------------------------------------------------------

def test_models_lists_only_what_the_workspace_has(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    settings = ServeSettings(models=["base", "aligned"])
    with running(app_for(echo_ws, settings)) as url:
        api = client(url, token)
        assert [m.id for m in api.models.list().data] == ["base"]  # aligned: not trained yet
        base = api.models.retrieve("base")
        assert base.owned_by == "alignment-studio"
        assert base.model_extra == {"artifact": None, "base": "fake:echo"}
        with pytest.raises(openai.NotFoundError):
            api.models.retrieve("aligned")
        with pytest.raises(openai.NotFoundError) as missing:
            api.chat.completions.create(model="aligned", messages=user("hi"))
        assert "no aligned model" in missing.value.message

        artifact = add_model_artifact(echo_ws)  # trained while the server runs
        listed = {m.id: m for m in api.models.list().data}
        assert set(listed) == {"base", "aligned"}
        assert listed["aligned"].model_extra["artifact"] == artifact
        assert listed["aligned"].created > 0
        answer = api.chat.completions.create(model="aligned", messages=user("now I exist"))
        assert answer.choices[0].message.content == "now I exist"


# --- completions ----------------------------------------------------------------------------

def test_completion_answers_with_usage_and_id(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        api = client(url, token)
        text = "what may I accept from a supplier"
        reply = api.chat.completions.create(model="base", messages=user(text))
        assert reply.object == "chat.completion" and reply.id.startswith("chatcmpl-")
        assert reply.model == "base"
        assert reply.choices[0].message.role == "assistant"
        assert reply.choices[0].message.content == text
        assert reply.choices[0].finish_reason == "stop"
        assert reply.usage is not None
        assert reply.usage.completion_tokens == 7  # the fake counts words
        assert reply.usage.prompt_tokens == 7 + SYSTEM_WORDS  # the default system prompt added
        assert reply.usage.total_tokens == 14 + SYSTEM_WORDS
        assert reply.model_extra["alignment_studio"]["request_id"] == reply.id

        own_system = api.chat.completions.create(model="base", messages=[
            {"role": "system", "content": "be brief"}, {"role": "user", "content": "one two"}])
        assert own_system.usage is not None and own_system.usage.prompt_tokens == 4

        parts = api.chat.completions.create(model="base", messages=[{
            "role": "user", "content": [{"type": "text", "text": "first part"},
                                        {"type": "text", "text": "second part"}]}])
        assert parts.choices[0].message.content == "first part\nsecond part"


def test_max_tokens_is_capped_and_stop_cuts(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    settings = ServeSettings(models=["base"], max_new_tokens=3)
    with running(app_for(echo_ws, settings)) as url:
        api = client(url, token)
        text = "one two three four five"
        short = api.chat.completions.create(model="base", messages=user(text), max_tokens=2)
        assert short.choices[0].message.content == "one two"
        assert short.choices[0].finish_reason == "length"
        capped = api.chat.completions.create(model="base", messages=user(text),
                                             max_completion_tokens=100)
        assert capped.choices[0].message.content == "one two three"
        stopped = api.chat.completions.create(model="base", messages=user(text), stop=["wo t"])
        assert stopped.choices[0].message.content == "one t"
        assert stopped.choices[0].finish_reason == "stop"


def stream_of(api: openai.OpenAI, **kwargs: Any) -> tuple[list[str], list[Any]]:
    chunks = list(api.chat.completions.create(stream=True, **kwargs))
    pieces = [c.choices[0].delta.content for c in chunks
              if c.choices and c.choices[0].delta.content]
    return pieces, chunks


def test_stream_pieces_join_to_the_whole_answer(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        api = client(url, token)
        text = "may I take the supplier's concert tickets  and keep them"
        whole = api.chat.completions.create(model="base", messages=user(text))
        pieces, chunks = stream_of(api, model="base", messages=user(text),
                                   stream_options={"include_usage": True})
        assert len(pieces) == 10  # word by word
        assert "".join(pieces) == whole.choices[0].message.content == text
        first, last, usage = chunks[0], chunks[-2], chunks[-1]
        assert first.choices[0].delta.role == "assistant"
        assert last.choices[0].finish_reason == "stop"
        assert last.model_extra["alignment_studio"]["sources"] == []
        assert {c.id for c in chunks} == {first.id}
        assert usage.choices == [] and usage.usage == whole.usage

        # a stop string across two pieces is still found, and nothing after it is sent
        cut, _ = stream_of(api, model="base", messages=user("hello there friend"),
                           stop="there fr")
        assert "".join(cut) == "hello "


def test_stream_over_raw_http_is_server_sent_events(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    body = {"model": "base", "stream": True, "messages": user("a b")}
    with running(app_for(echo_ws)) as url, httpx.stream(
            "POST", f"{url}/chat/completions", timeout=30, json=body,
            headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [x for x in r.iter_lines() if x]
    assert all(x.startswith("data: ") for x in lines)
    assert lines[-1] == "data: [DONE]"
    assert len(lines) == 5  # role, "a", " b", finish, [DONE]


def test_openai_backend_streams_from_this_server(echo_ws: Path) -> None:
    """The project's own OpenAIBackend.stream, against the studio server."""
    token = add_token(echo_ws)
    env = f"STUDIO_TEST_{uuid.uuid4().hex[:8].upper()}"
    os.environ[env] = token
    try:
        with running(app_for(echo_ws)) as url:
            backend = OpenAIBackend("base", url, api_key_env=env)

            async def both() -> tuple[list[str], list[ModelOutput], ModelOutput]:
                finished: list[ModelOutput] = []
                messages = [Message(role="user", content="stream me these words")]
                config = GenerationConfig(max_new_tokens=50)
                pieces = [p async for p in backend.stream(messages, config, finished.append)]
                whole = await backend.generate(messages, config)
                await backend.client.close()
                return pieces, finished, whole

            pieces, finished, whole = asyncio.run(both())
    finally:
        del os.environ[env]
    assert pieces == ["stream", " me", " these", " words"]
    assert "".join(pieces) == whole.text
    assert len(finished) == 1 and finished[0].text == whole.text
    assert finished[0].completion_tokens == 4 == whole.completion_tokens


def test_stop_cutter_holds_back_only_what_may_start_a_stop() -> None:
    cutter = StopCutter(["abc", "zz"])
    assert cutter.feed("xa") == "x"  # "a" may start "abc"
    assert cutter.feed("bd z") == "abd "  # it did not; "z" may start "zz"
    assert cutter.feed("y") == "zy"
    assert cutter.feed("ab") == ""
    assert cutter.feed("cq") == ""  # "abc": cut here, nothing more
    assert cutter.hit and cutter.flush() == "" and cutter.feed("more") == ""
    tail = StopCutter(["END"])
    assert tail.feed("the E") == "the " and tail.flush() == "E"  # the end: E was text
    assert not tail.hit


# --- errors ---------------------------------------------------------------------------------

def test_errors_have_openai_shape_and_status(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        api = client(url, token)
        with pytest.raises(openai.NotFoundError) as unknown:
            api.chat.completions.create(model="gpt-9", messages=user("hi"))
        assert unknown.value.code == "model_not_found" and unknown.value.param == "model"
        with pytest.raises(openai.BadRequestError) as two:
            api.chat.completions.create(model="base", messages=user("hi"), n=2)
        assert two.value.param == "n" and "n=1" in two.value.message
        with pytest.raises(openai.BadRequestError) as tools:
            api.chat.completions.create(model="base", messages=user("hi"), tools=[{
                "type": "function", "function": {"name": "f", "parameters": {}}}])
        assert tools.value.param == "tools"
        with pytest.raises(openai.BadRequestError) as image:
            api.chat.completions.create(model="base", messages=[{
                "role": "user", "content": [{"type": "image_url",
                                             "image_url": {"url": "data:,"}}]}])
        assert image.value.param == "messages.0.content" and "text" in image.value.message
        with pytest.raises(openai.BadRequestError) as no_user:
            api.chat.completions.create(model="base", messages=[
                {"role": "system", "content": "only a system prompt"}])
        assert "user message" in no_user.value.message
        with pytest.raises(openai.BadRequestError) as hot:
            api.chat.completions.create(model="base", messages=user("hi"), temperature=3)
        assert hot.value.param == "temperature"
        # unknown fields are ignored, like vLLM does
        fine = api.chat.completions.create(model="base", messages=user("still fine"),
                                           extra_body={"some_vendor_option": True})
        assert fine.choices[0].message.content == "still fine"

        auth = {"Authorization": f"Bearer {token}"}
        for body in (b"{not json", b"[1, 2]", b""):
            bad = httpx.post(f"{url}/chat/completions", content=body, headers=auth)
            assert bad.status_code == 400, body
            error = bad.json()["error"]
            assert set(error) == {"message", "type", "param", "code"}
            assert error["type"] == "invalid_request_error"
        missing = httpx.post(f"{url}/chat/completions", json={"model": "base"}, headers=auth)
        assert missing.status_code == 400 and missing.json()["error"]["param"] == "messages"
        nowhere = httpx.get(f"{url}/no-such-route", headers=auth)
        assert nowhere.status_code == 404 and "error" in nowhere.json()


# --- retrieval, guard, logging --------------------------------------------------------------

def test_retrieval_cites_the_policies_it_put_in_the_prompt(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    backend = FakeBackend(responder=echo_last_user)
    settings = ServeSettings(models=["base"], retrieval=True, retrieval_k=2)
    documents = [doc for _, doc in parse.documents(Workspace(echo_ws))]
    titles = {p.id: s.title for d in documents for s in d.all_sections() for p in s.policies}
    with running(app_for(echo_ws, settings, backend)) as url:
        api = client(url, token)
        question = "Can I accept a cash gift or gift card from a supplier?"
        reply = api.chat.completions.create(model="base", messages=user(question))
        pieces, chunks = stream_of(api, model="base", messages=user(question))
    sources = reply.model_extra["alignment_studio"]["sources"]
    assert len(sources) == 2
    assert all(s["id"] in titles and s["section"] == titles[s["id"]] for s in sources)
    assert any("Gift" in s["section"] for s in sources)
    text = reply.choices[0].message.content or ""
    listed = "\n".join(f"- [{s['id']}] {s['section']}" for s in sources)
    assert text == f"{question}\n\nSources:\n{listed}"
    assert "".join(pieces) == text  # streamed: the same answer and citations
    prompt = backend.history[0]
    assert prompt[0].role == "system" and all(f'<policy id="{s["id"]}">' in prompt[0].content
                                              for s in sources)
    assert prompt[-1].content == question


@pytest.fixture()
def guarded(echo_ws: Path) -> tuple[Path, str, str]:
    """Detectors trained on the bundled example; a violating training situation the input
    detector flags, and a compliant one neither detector flags."""
    studio = Workspace(echo_ws)
    artifact = detect.detectors(studio)
    inputs = detect.detector_of(studio, artifact, "input")
    outputs = detect.detector_of(studio, artifact, "output")
    assert inputs is not None and outputs is not None
    bundle = frame.bundle(studio, frame.dataset(studio))
    scenarios = [e for e in bundle.split(Split.train) if e.kind == Kind.scenario]
    violating = [situation_text(e.messages) for e in scenarios if e.label == Label.violating]
    compliant = [situation_text(e.messages) for e in scenarios if e.label == Label.compliant]
    flagged = [t for t, p in zip(violating, inputs.predict_proba(violating), strict=True)
               if p >= inputs.threshold]
    clean = [t for t, p, q in zip(compliant, inputs.predict_proba(compliant),
                                  outputs.predict_proba(compliant), strict=True)
             if p < inputs.threshold and q < outputs.threshold]
    assert flagged and clean
    return echo_ws, flagged[0], clean[0]


def test_guard_block_refuses_a_violating_request(guarded: tuple[Path, str, str]) -> None:
    root, violating, compliant = guarded
    token = add_token(root)
    backend = FakeBackend(responder=echo_last_user)
    settings = ServeSettings(models=["base"], guard="block")
    with running(app_for(root, settings, backend)) as url:
        api = client(url, token)
        blocked = api.chat.completions.create(model="base", messages=user(violating))
        pieces, chunks = stream_of(api, model="base", messages=user(violating))
        allowed = api.chat.completions.create(model="base", messages=user(compliant))
    assert blocked.choices[0].message.content == BLOCK_INPUT
    assert blocked.choices[0].finish_reason == "content_filter"
    decision = blocked.model_extra["alignment_studio"]["guard"]
    assert [(d["stage"], d["flagged"], d["action"]) for d in decision] == [
        ("input", True, "block")]
    assert "".join(pieces) == BLOCK_INPUT
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    assert [m[-1].content for m in backend.history] == [compliant]  # blocked: never asked
    assert allowed.choices[0].message.content == compliant
    assert allowed.choices[0].finish_reason == "stop"


def test_guard_warn_appends_the_note(guarded: tuple[Path, str, str]) -> None:
    root, violating, _ = guarded
    token = add_token(root)
    with running(app_for(root, ServeSettings(models=["base"], guard="warn"))) as url:
        api = client(url, token)
        warned = api.chat.completions.create(model="base", messages=user(violating))
        pieces, _ = stream_of(api, model="base", messages=user(violating))
    assert warned.choices[0].message.content == f"{violating}\n\n{WARNING}"  # once, not per side
    assert "".join(pieces) == warned.choices[0].message.content


def test_guard_without_detectors_refuses_to_start(echo_ws: Path) -> None:
    with pytest.raises(StudioError, match="no trained violation detector"):
        app_for(echo_ws, ServeSettings(models=["base"], guard="log"))


def test_conversations_are_logged_redacted(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    settings = ServeSettings(models=["base"], log_conversations=True)
    text = "please forward this to jane.doe@example.com today"
    with running(app_for(echo_ws, settings)) as url:
        api = client(url, token)
        reply = api.chat.completions.create(model="base", messages=user(text))
        _, chunks = stream_of(api, model="base", messages=user(text + " again"))
    stored = {c.request_id: c for c in StudioDB(echo_ws).list_conversations()}
    assert set(stored) == {reply.id, chunks[0].id}
    first = stored[reply.id]
    assert first.source == "serve" and first.model == "base"
    assert first.messages[-1].content == "please forward this to [EMAIL] today"
    assert first.output == "please forward this to [EMAIL] today"
    assert first.redactions == {"EMAIL": 2}  # the request and the echoed answer
    assert reply.usage is not None
    assert (first.prompt_tokens, first.completion_tokens) == (reply.usage.prompt_tokens,
                                                              reply.usage.completion_tokens)
    assert first.latency_ms is not None and first.latency_ms > 0
    assert stored[chunks[0].id].output == "please forward this to [EMAIL] today again"


# --- micro-batching -------------------------------------------------------------------------

def test_concurrent_requests_get_their_own_answers_in_batches(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    backend = BatchRecorder()
    settings = ServeSettings(models=["base"], batch_size=4, batch_wait_ms=200)
    app = app_for(echo_ws, settings, backend)
    nonces = [f"nonce-{i:03d}-{uuid.uuid4().hex}" for i in range(12)]
    with running(app) as url:

        async def ask_all() -> list[str]:
            api = openai.AsyncOpenAI(base_url=url, api_key=token, max_retries=0, timeout=30)
            replies = await asyncio.gather(*(
                api.chat.completions.create(model="base", messages=user(f"repeat {n}"))
                for n in nonces))
            await api.close()
            return [r.choices[0].message.content or "" for r in replies]

        answers = asyncio.run(ask_all())
    assert answers == [f"repeat {n}" for n in nonces]
    assert sum(backend.batches) == 12 and max(backend.batches) > 1
    assert max(backend.batches) <= 4
    assert app.state.pool.batch_sizes["base"] == {size: backend.batches.count(size)
                                                  for size in set(backend.batches)}


class Reversed(FakeBackend):
    """Finishes the requests of a batch in reverse order (last first)."""

    async def generate_batch(self, batch, config, progress=None):
        async def one(i: int, messages: list[Message]) -> ModelOutput:
            await asyncio.sleep(0.01 * (len(batch) - i))
            return await self.generate(messages, config)

        return list(await asyncio.gather(*(one(i, list(m)) for i, m in enumerate(batch))))


async def test_pool_answers_by_index_and_splits_by_settings() -> None:
    backend = Reversed(responder=echo_last_user)
    pool = ModelPool(["m"], lambda name: backend, batch_size=8, batch_wait_ms=50)
    greedy, longer = GenerationConfig(max_new_tokens=5), GenerationConfig(max_new_tokens=6)
    asks = [pool.answer("m", [Message(role="user", content=f"q{i}")],
                        greedy if i % 2 else longer) for i in range(6)]
    answers = await asyncio.gather(*asks)
    assert [a.text for a in answers] == [f"q{i}" for i in range(6)]
    assert pool.batch_sizes["m"] == {3: 2}  # one batch per decoding setting


class Broken(FakeBackend):
    async def generate(self, messages, config):
        if messages[-1].content == "fail":
            raise StudioError("the model fell over")
        return await super().generate(messages, config)


async def test_a_failed_batch_fails_its_requests_and_the_pool_goes_on() -> None:
    pool = ModelPool(["m"], lambda name: Broken(responder=echo_last_user), batch_wait_ms=20)
    config = GenerationConfig()
    results = await asyncio.gather(
        pool.answer("m", [Message(role="user", content="fail")], config),
        pool.answer("m", [Message(role="user", content="fine")], config),
        return_exceptions=True)
    assert all(isinstance(r, StudioError) for r in results)  # one batch, one failure
    again = await pool.answer("m", [Message(role="user", content="fine")], config)
    assert again.text == "fine"
    with pytest.raises(StudioError, match="unknown model 'x'"):
        await pool.answer("x", [Message(role="user", content="hi")], config)


async def test_a_stream_holds_the_model_until_it_ends() -> None:
    backend = FakeBackend(responder=echo_last_user)
    pool = ModelPool(["m"], lambda name: backend, batch_wait_ms=0)
    config = GenerationConfig()
    order: list[str] = []
    stream = pool.stream("m", [Message(role="user", content="one two three")], config)
    first = await stream.__anext__()
    order.append(f"stream:{first}")
    waiting = asyncio.ensure_future(pool.answer("m", [Message(role="user", content="b")], config))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # the batch waits for the stream
    order.extend(f"stream:{p}" for p in [p async for p in stream])
    assert (await waiting).text == "b"
    assert order == ["stream:one", "stream: two", "stream: three"]


# --- the real model -------------------------------------------------------------------------

@pytest.mark.slow
def test_embedded_base_model_answers_and_streams(tmp_path: Path, example_policy: Path,
                                                 example_seeds: Path) -> None:
    from serving import make_workspace

    from alignment_studio.backends import HFSpec

    root = make_workspace(tmp_path / "ws", example_policy, example_seeds, HFSpec())
    assert Workspace(root).config.student.model == "embedded"
    token = add_token(root)
    with running(app_for(root, ServeSettings(models=["base"], max_new_tokens=24))) as url:
        api = client(url, token, timeout=600)  # loads the model first; CPUs may be shared
        question = user("Name three colours of the rainbow.")
        whole = api.chat.completions.create(model="base", messages=question)
        pieces, chunks = stream_of(api, model="base", messages=question,
                                   stream_options={"include_usage": True})
        text = whole.choices[0].message.content or ""
        words = text.split()
        assert len(words) >= 3, text
        # a stop string closes the stream early (the generation stops at the next token) and
        # the model is free for the next request
        cut, cut_chunks = stream_of(api, model="base", messages=question, stop=words[2])
        after = api.chat.completions.create(model="base", messages=question)
    assert "".join(cut) == text[:text.index(words[2])]
    assert cut_chunks[-1].choices[0].finish_reason == "stop"
    assert after.choices[0].message.content == text
    assert text.strip() and len(pieces) > 3  # token streaming: many pieces
    assert "".join(pieces) == text  # greedy: the same answer either way
    assert whole.usage is not None and 0 < whole.usage.completion_tokens <= 24
    assert chunks[-1].usage == whole.usage
    assert chunks[-2].choices[0].finish_reason == whole.choices[0].finish_reason
