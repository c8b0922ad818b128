"""The OpenAI-compatible API: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Applications call it with the ``openai`` client they already use (``base_url=…/v1``,
``api_key=<studio token>``). What it does beyond relaying to the model, per ``serve:``:

- **system prompt**: a request without a system message gets the workspace's training system
  prompt (the aligned model learnt to answer under it), as Ollama does with a default SYSTEM;
- **retrieval**: the policies BM25 finds for the last user message go into the system prompt,
  and the answer ends with a "Sources:" list of their IDs and section titles;
- **guard**: the newest trained violation detectors screen the request and the answer: block
  answers with a refusal (``finish_reason: content_filter``), warn appends a note, log only
  records the decision;
- **logging**: every completed conversation is stored, personal data redacted, for
  ``alignment-studio monitor report``;
- **best of n**: a request's ``best_of`` (vLLM's name for it; 1 to 16), or ``serve.best_of_n``
  for requests without one, samples that many answers (``reward.best_of_n`` for the setting)
  and returns the one the reward models rank highest (the violation detector when no reward
  model is trained); usage counts every sample. Streamed requests cannot ask for it and are
  sampled once.

Sources, guard decisions and the request ID also come back in an extra ``alignment_studio``
field (the ``openai`` client keeps it in ``model_extra``).

Request schema: the subset of OpenAI's that a chat model can honour. Unknown fields are ignored
(as vLLM does), so clients that always send extras keep working; fields this server knows but
cannot honour (n > 1, tools, logprobs, a JSON response format, penalties, logit bias) are
refused with 400 naming the field rather than silently answering something else. Temperature
defaults to 0 (greedy; reproducible answers), not OpenAI's 1. ``stop`` (up to 4 strings) cuts
the answer before the first match; the tokens generated past it still count in ``usage``.
Errors under /v1 have OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from alignment_studio.auditors.rag import BM25Retriever, Passage, with_retrieval
from alignment_studio.backends.base import GenerationConfig, ModelOutput
from alignment_studio.core.errors import StudioError
from alignment_studio.guard.detector import Guard
from alignment_studio.instructors.reward import pick, sampled
from alignment_studio.server.auth import Principal, require
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages import best_of as best_of_stage
from alignment_studio.stages import detect, models, parse
from alignment_studio.types import Message
from alignment_studio.types.guard import GuardDecision
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings

router = APIRouter(prefix="/v1")
log = logging.getLogger("alignment_studio.serve")
OWNER = "alignment-studio"
EXTRA = "alignment_studio"  # the response field with sources, guard decisions, request ID
MAX_STOPS = 4
MAX_BEST_OF = 16
MAX_JSON_DEPTH = 32  # a chat request needs 4 levels (body, messages, message, content parts)
Viewer = Annotated[Principal, Depends(require("viewer"))]
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


# --- errors in OpenAI's shape ------------------------------------------------------------------

class APIError(Exception):
    """An error answered in OpenAI's JSON shape."""

    def __init__(self, status: int, message: str, param: str | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 404: "invalid_request_error",
               413: "invalid_request_error"}
ERROR_CODES = {401: "invalid_api_key", 403: "forbidden", 404: "not_found",
               413: "request_too_large"}


def error_body(status: int, message: str, param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "server_error")
    return {"error": {"message": message, "type": kind, "param": param,
                      "code": code or ERROR_CODES.get(status)}}


def error_response(status: int, message: str, param: str | None = None,
                   code: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, param, code), status_code=status,
                        headers=headers)


def install_errors(app: FastAPI) -> None:
    """Errors under /v1 answered in OpenAI's shape (422 becomes 400, as OpenAI answers a
    malformed request); every other path keeps FastAPI's own handling."""

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, APIError)
        return error_response(exc.status, exc.message, exc.param, exc.code)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not _is_api(request):
            return await http_exception_handler(request, exc)
        return error_response(exc.status_code, str(exc.detail),
                              headers=dict(exc.headers) if exc.headers else None)

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not _is_api(request):
            return await request_validation_exception_handler(request, exc)
        param, message = _first_problem(exc.errors())
        return error_response(400, message, param)

    app.add_exception_handler(APIError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)


def _is_api(request: Request) -> bool:
    return request.url.path == "/v1" or request.url.path.startswith("/v1/")


def _first_problem(errors: Sequence[Any]) -> tuple[str | None, str]:
    """(param, message) of a validation error's first problem, the param dotted OpenAI-style
    (``messages.0.content``)."""
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    return where or None, f"{where}: {message}" if where else message


# --- the request -------------------------------------------------------------------------------

class _Lenient(BaseModel):
    # OpenAI clients send fields this server has no use for; ignoring them is the contract
    model_config = ConfigDict(extra="ignore")


class ContentPart(_Lenient):
    type: str
    text: str | None = None


class ChatMessage(_Lenient):
    role: str
    content: str | list[ContentPart] | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role in ("tool", "function"):
            raise ValueError(f"{role} messages are not supported (this server has no tools)")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (use system, developer, user or assistant)")
        return role

    @field_validator("content")
    @classmethod
    def _text_only(cls, content: str | list[ContentPart] | None,
                   ) -> str | list[ContentPart] | None:
        for part in content if isinstance(content, list) else []:
            if part.type != "text" or part.text is None:
                raise ValueError(f"only text content parts are supported, not {part.type!r}")
        return content

    def message(self) -> Message:
        if isinstance(self.content, list):
            text = "\n".join(p.text or "" for p in self.content)
        else:
            text = self.content or ""
        return Message(role=ROLES[self.role], content=text)


class StreamOptions(_Lenient):
    include_usage: bool = False


class ChatRequest(_Lenient):
    """The OpenAI chat-completion fields this server honours, and the refused ones."""

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    seed: int | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    best_of: int | None = Field(None, ge=1, le=MAX_BEST_OF)
    stop: str | list[str] | None = None
    user: str | None = None
    # known, and refused unless left at a value that changes nothing
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    tool_choice: Any = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    response_format: dict[str, Any] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logit_bias: dict[str, Any] | None = None

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int | None) -> int | None:
        if n not in (None, 1):
            raise ValueError(f"only n=1 is supported, got {n}")
        return n

    @field_validator("stop")
    @classmethod
    def _few_stops(cls, stop: str | list[str] | None) -> str | list[str] | None:
        stops = [stop] if isinstance(stop, str) else stop or []
        if len(stops) > MAX_STOPS or any(not s for s in stops):
            raise ValueError(f"up to {MAX_STOPS} non-empty stop strings")
        return stop

    @field_validator("tools", "functions", "logit_bias")
    @classmethod
    def _unsupported_list(cls, value: Any) -> Any:
        if value:
            raise ValueError("not supported by this server (no tools, no logit bias)")
        return value

    @field_validator("tool_choice")
    @classmethod
    def _no_tool_choice(cls, value: Any) -> Any:
        if value not in (None, "none"):
            raise ValueError("not supported by this server (no tools)")
        return value

    @field_validator("logprobs", "top_logprobs")
    @classmethod
    def _no_logprobs(cls, value: Any) -> Any:
        if value:
            raise ValueError("log probabilities are not supported by this server")
        return value

    @field_validator("response_format")
    @classmethod
    def _text_format(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and value.get("type") != "text":
            raise ValueError("only the text response format is supported")
        return value

    @field_validator("presence_penalty", "frequency_penalty")
    @classmethod
    def _no_penalty(cls, value: float | None) -> float | None:
        if value:
            raise ValueError("penalties are not supported by this server (only 0)")
        return value

    def stops(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])

    def conversation(self) -> list[Message]:
        messages = [m.message() for m in self.messages]
        if not any(m.role == "user" for m in messages):
            raise APIError(400, "messages: the conversation needs a user message", "messages")
        return messages

    def generation(self, cap: int) -> GenerationConfig:
        """Decoding settings; max tokens capped by ``serve.max_new_tokens``."""
        wanted = self.max_completion_tokens or self.max_tokens or cap
        return GenerationConfig(max_new_tokens=min(wanted, cap),
                                temperature=self.temperature or 0.0,
                                top_p=1.0 if self.top_p is None else self.top_p, seed=self.seed)


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a scalar), counted without
    recursion, so that no input can exhaust the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[Any] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(body: bytes) -> Any:
    """The body's JSON; malformed, or nested deeper than ``MAX_JSON_DEPTH``, is a 400. The
    parser recurses per level, so a deep enough body stops it with RecursionError: that is
    too deep as well, not a server error."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise APIError(400, f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        data = None
    else:
        if json_depth(data) <= MAX_JSON_DEPTH:
            return data
    raise APIError(400, f"the request body nests deeper than {MAX_JSON_DEPTH} levels",
                   code="json_too_deep")


async def read_chat(request: Request) -> ChatRequest:
    """The request body as a ChatRequest; bad JSON or bad fields are one 400 naming the field."""
    data = parse_json(await request.body())
    if not isinstance(data, dict):
        raise APIError(400, "the request body must be a JSON object")
    try:
        return ChatRequest.model_validate(data)
    except ValidationError as exc:
        param, message = _first_problem(exc.errors())
        raise APIError(400, message, param) from None


# --- what the server adds: system prompt, retrieval, guard -------------------------------------

class Source(BaseModel):
    """A policy retrieved for the question: cited after the answer."""

    model_config = ConfigDict(extra="forbid")
    id: str
    section: str
    document: str


class Turn(BaseModel):
    """One request, ready to answer: what the client sent, what the model is given, and the
    retrieved sources."""

    model_config = ConfigDict(extra="forbid")
    id: str
    model: str
    messages: list[Message] = Field(description="as the client sent them (what is logged)")
    prompt: list[Message] = Field(description="what the model is given")
    config: GenerationConfig
    stops: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    stream: bool = False
    include_usage: bool = False
    best_of: int = Field(1, ge=1, description="answers sampled; the best by reward is returned")
    started: float = Field(description="time.monotonic() when the request came in")


class Serving(BaseModel):
    """What the API adds around the model, built once when the server starts."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    settings: ServeSettings
    system: str = Field(description="the training system prompt, for requests without one")
    retriever: BM25Retriever | None = None
    passages: dict[str, Passage] = Field(default_factory=dict)
    guard: Guard | None = None
    best_of: int = Field(1, ge=1, description="answers sampled for a request without best_of")
    ranker: Any = Field(None, description="the Ranker that picks the best answer (loaded at "
                        "start with serve.best_of_n, else on the first best_of)")


def load_serving(ws: Workspace, settings: ServeSettings) -> Serving:
    """The system prompt, the retriever (serve.retrieval) and the guard (serve.guard). A guard
    without trained detectors is refused here, so the server does not start."""
    retriever = None
    if settings.retrieval:
        retriever = BM25Retriever.from_documents([doc for _, doc in parse.documents(ws)])
    return Serving(settings=settings, system=models.system_message(ws).content,
                   retriever=retriever,
                   passages={p.id: p for p in retriever.passages} if retriever else {},
                   guard=load_guard(ws, settings.guard),
                   best_of=ws.config.reward.best_of_n if settings.best_of_n else 1,
                   ranker=best_of_stage.newest_ranker(ws) if settings.best_of_n else None)


def load_guard(ws: Workspace, action: Literal["off", "block", "warn", "log"]) -> Guard | None:
    """The newest trained detectors as a runtime guard; None when the guard is off."""
    if action == "off":
        return None
    detector = detect.latest(ws, "input")
    if detector is None:
        raise StudioError(f"serve.guard is {action!r} but this workspace has no trained violation "
                          "detector: run 'alignment-studio audit DIR' with "
                          "audit.detector.enabled on, or serve with --guard off",
                          ws.config_path)
    return Guard(detector, action=action, output_detector=detect.latest(ws, "output"))


def prepare(chat: ChatRequest, serving: Serving, started: float) -> Turn:
    """The client's messages with the default system prompt and the retrieved policies."""
    messages = chat.conversation()
    if chat.stream and (chat.best_of or 1) > 1:
        raise APIError(400, "best_of > 1 cannot be streamed: the answer is chosen once every "
                       "sample is complete", "best_of")
    prompt = messages if messages[0].role == "system" else [
        Message(role="system", content=serving.system), *messages]
    sources: list[Source] = []
    if serving.retriever is not None:
        found = with_retrieval(prompt, serving.retriever, serving.settings.retrieval_k)
        prompt = found.messages
        sources = [Source(id=i, section=serving.passages[i].section,
                          document=serving.passages[i].document) for i in found.policy_ids]
    return Turn(id=f"chatcmpl-{uuid.uuid4().hex}", model=chat.model, messages=messages,
                prompt=prompt, config=chat.generation(serving.settings.max_new_tokens),
                stops=chat.stops(), sources=sources, stream=chat.stream,
                include_usage=bool(chat.stream_options and chat.stream_options.include_usage),
                best_of=1 if chat.stream else chat.best_of or serving.best_of, started=started)


def sources_text(sources: Sequence[Source]) -> str:
    """The citations appended to an answer ("" when nothing was retrieved)."""
    if not sources:
        return ""
    lines = "\n".join(f"- [{s.id}] {s.section}".rstrip() for s in sources)
    return f"\n\nSources:\n{lines}"


class StopCutter:
    """Cuts a text, fed piece by piece, before the first stop string; a tail that could be the
    start of one is held back until the next piece shows whether it is."""

    def __init__(self, stops: Sequence[str]):
        self.stops = list(stops)
        self.held = ""
        self.hit = False

    def feed(self, piece: str) -> str:
        if self.hit:
            return ""
        text = self.held + piece
        cuts = [i for i in (text.find(s) for s in self.stops) if i >= 0]
        if cuts:
            self.hit, self.held = True, ""
            return text[:min(cuts)]
        keep = max((k for s in self.stops for k in range(1, len(s))
                    if text.endswith(s[:k])), default=0)
        self.held = text[len(text) - keep:] if keep else ""
        return text[:len(text) - keep]

    def flush(self) -> str:
        out, self.held = ("" if self.hit else self.held), ""
        return out


async def screen_input(serving: Serving, turn: Turn) -> GuardDecision | None:
    if serving.guard is None:
        return None
    return await asyncio.to_thread(serving.guard.check_input, turn.messages)


async def screen_output(serving: Serving, turn: Turn, text: str) -> GuardDecision | None:
    if serving.guard is None:
        return None
    return await asyncio.to_thread(serving.guard.check_output, turn.messages, text)


def notes(decisions: Sequence[GuardDecision]) -> str:
    """The warnings to append (each once)."""
    found = dict.fromkeys(d.message for d in decisions if d.action == "warn" and d.message)
    return "".join(f"\n\n{n}" for n in found)


# --- answers -----------------------------------------------------------------------------------

class Answer(BaseModel):
    """A finished answer: the text shown, why it ended, usage, and what the guard decided."""

    model_config = ConfigDict(extra="forbid")
    text: str
    finish_reason: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    guard: list[GuardDecision] = Field(default_factory=list)


async def complete(pool: ModelPool, serving: Serving, turn: Turn) -> Answer:
    """The non-streaming path: screen, answer (micro-batched), cut at stops, screen, cite."""
    first = await screen_input(serving, turn)
    if first is not None and first.action == "block":
        return Answer(text=first.message, finish_reason="content_filter", guard=[first])
    output = await (best_answer(pool, serving, turn) if turn.best_of > 1
                    else pool.answer(turn.model, turn.prompt, turn.config))
    cutter = StopCutter(turn.stops)
    text = cutter.feed(output.text) + cutter.flush()
    return await finish(serving, turn, text, "stop" if cutter.hit else output.finish_reason,
                        output, [first] if first else [])


async def best_answer(pool: ModelPool, serving: Serving, turn: Turn) -> ModelOutput:
    """The best of ``turn.best_of`` sampled answers by ``serving.ranker``; the samples go to the
    pool together, so they are micro-batched into one call. Usage counts every sample."""
    if serving.ranker is None:
        raise APIError(400, "best_of needs a ranker: this server has none (see "
                       "serve.best_of_n)", "best_of")
    config = sampled(turn.config)
    outputs = await asyncio.gather(*(pool.answer(turn.model, turn.prompt, config)
                                     for _ in range(turn.best_of)))
    chosen = await asyncio.to_thread(pick, turn.prompt, [o.text for o in outputs],
                                     serving.ranker)
    return outputs[chosen.chosen].model_copy(update={
        "completion_tokens": sum(o.completion_tokens for o in outputs)})


async def load_ranker(request: Request, serving: Serving) -> None:
    """The ranker for a request's best_of, loaded on first use: a 400 when the workspace has
    neither reward models nor a detector."""
    if serving.ranker is not None:
        return
    try:
        serving.ranker = await asyncio.to_thread(best_of_stage.newest_ranker,
                                                 request.app.state.workspace)
    except StudioError as exc:
        raise APIError(400, f"best_of: {exc.problem}", "best_of") from None


async def finish(serving: Serving, turn: Turn, text: str, reason: str, output: ModelOutput,
                 decisions: list[GuardDecision]) -> Answer:
    """Screen the model's text and add the warnings and sources: the answer as shown."""
    second = await screen_output(serving, turn, text)
    decisions = decisions + ([second] if second else [])
    usage = {"prompt_tokens": output.prompt_tokens, "completion_tokens": output.completion_tokens}
    if second is not None and second.action == "block":
        return Answer(text=second.message, finish_reason="content_filter", guard=decisions,
                      **usage)
    return Answer(text=text + notes(decisions) + sources_text(turn.sources),
                  finish_reason=reason, guard=decisions, **usage)


def extras(turn: Turn, answer: Answer | None) -> dict[str, Any]:
    return {"request_id": turn.id, "sources": [s.model_dump() for s in turn.sources],
            "guard": [d.model_dump() for d in answer.guard] if answer else []}


def usage_of(answer: Answer) -> dict[str, int]:
    return {"prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens}


def completion_body(turn: Turn, answer: Answer) -> dict[str, Any]:
    return {"id": turn.id, "object": "chat.completion", "created": int(time.time()),
            "model": turn.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                         "finish_reason": answer.finish_reason, "logprobs": None}],
            "usage": usage_of(answer), EXTRA: extras(turn, answer)}


async def record(request: Request, turn: Turn, answer: Answer) -> None:
    """Store the conversation (serve.log_conversations), redacted; a failure to store is logged
    and does not fail the answer already given."""
    settings: ServeSettings = request.app.state.settings
    if not settings.log_conversations:
        return
    from alignment_studio.guard.monitor import log_conversation

    latency_ms = (time.monotonic() - turn.started) * 1000
    try:
        await asyncio.to_thread(
            log_conversation, request.app.state.db, turn.messages, answer.text,
            model=turn.model, guard=answer.guard, latency_ms=latency_ms,
            prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens,
            request_id=turn.id)
    except (StudioError, ValueError, OSError) as exc:
        log.error("could not log conversation %s: %s", turn.id, exc)


# --- streaming ---------------------------------------------------------------------------------

def sse(data: dict[str, Any] | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


def chunk(turn: Turn, delta: dict[str, Any], finish_reason: str | None = None,
          **extra: Any) -> dict[str, Any]:
    return {"id": turn.id, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": turn.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                         "logprobs": None}], **extra}


async def stream_answer(request: Request, turn: Turn) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format: the role, the content as it is decoded,
    a last chunk with the finish reason (and the extras), usage if asked, then [DONE].

    With guard ``block`` the answer is screened before any of it is sent (a refusal must not
    follow half an answer), so it arrives at once when it is done; otherwise it streams."""
    serving: Serving = request.app.state.serving
    yield sse(chunk(turn, {"role": "assistant", "content": ""}))
    answer = _Streamed(request.app.state.pool, serving, turn)
    try:
        async for piece in answer.pieces():
            yield sse(chunk(turn, {"content": piece}))
    except Exception as exc:  # the status line is sent: report in the stream, as OpenAI does
        log.exception("stream %s failed", turn.id)
        yield sse(error_body(500, f"the model failed: {exc}"))
        return
    done = answer.result
    await record(request, turn, done)
    yield sse(chunk(turn, {}, done.finish_reason, **{EXTRA: extras(turn, done)}))
    if turn.include_usage:
        yield sse({"id": turn.id, "object": "chat.completion.chunk", "created": int(time.time()),
                   "model": turn.model, "choices": [], "usage": usage_of(done)})
    yield sse("[DONE]")


class _Streamed:
    """The pieces of one streamed answer; ``result`` is the whole Answer once they are out."""

    def __init__(self, pool: ModelPool, serving: Serving, turn: Turn):
        self.pool, self.serving, self.turn = pool, serving, turn
        self.result = Answer(text="", finish_reason="stop")

    async def pieces(self) -> AsyncIterator[str]:
        serving, turn = self.serving, self.turn
        first = await screen_input(serving, turn)
        if first is not None and first.action == "block":
            self.result = Answer(text=first.message, finish_reason="content_filter",
                                 guard=[first])
            yield first.message
            return
        hold = serving.guard is not None and serving.guard.action == "block"
        outputs: list[ModelOutput] = []
        cutter = StopCutter(turn.stops)
        text = ""
        async with aclosing(self.pool.stream(turn.model, turn.prompt, turn.config,
                                             outputs.append)) as stream:
            async for piece in stream:
                shown = cutter.feed(piece)
                text += shown
                if shown and not hold:
                    yield shown
                if cutter.hit:
                    break  # closing the stream stops the generation
        tail = cutter.flush()
        text += tail
        output = outputs[0] if outputs else ModelOutput(text=text)
        reason = "stop" if cutter.hit else output.finish_reason
        self.result = await finish(serving, turn, text, reason, output, [first] if first else [])
        if hold:
            yield self.result.text
        else:
            rest = tail + self.result.text[len(text):]  # warnings and sources
            if rest:
                yield rest


# --- routes ------------------------------------------------------------------------------------

@router.get("/models")
async def list_models(request: Request,
                      principal: Viewer) -> dict[str, Any]:
    """The served models that exist in the workspace, in OpenAI's list format."""
    return {"object": "list", "data": [model_entry(m) for m in _models(request)
                                       if m["available"]]}


@router.get("/models/{model}")
async def get_model(model: str, request: Request,
                    principal: Viewer) -> dict[str, Any]:
    for entry in _models(request):
        if entry["id"] == model and entry["available"]:
            return model_entry(entry)
    raise APIError(404, f"model {model!r} not found", "model", "model_not_found")


def _models(request: Request) -> list[dict[str, Any]]:
    pool: ModelPool = request.app.state.pool
    return [m.model_dump() for m in models.served(request.app.state.workspace, pool.names)]


def model_entry(served: dict[str, Any]) -> dict[str, Any]:
    return {"id": served["id"], "object": "model", "created": served["created"],
            "owned_by": OWNER, "artifact": served["artifact"], "base": served["base"]}


@router.post("/chat/completions", response_model=None)
async def chat_completions(request: Request,
                           principal: Viewer) -> Response:
    started = time.monotonic()
    chat = await read_chat(request)
    serving: Serving = request.app.state.serving
    turn = prepare(chat, serving, started)
    await ensure_model(request, turn.model)
    if turn.best_of > 1:
        await load_ranker(request, serving)
    if turn.stream:
        return StreamingResponse(stream_answer(request, turn), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Request-ID": turn.id})
    try:
        answer = await complete(request.app.state.pool, serving, turn)
    except Exception as exc:
        log.exception("request %s failed", turn.id)
        raise APIError(500, f"the model failed: {exc}") from exc
    await record(request, turn, answer)
    return JSONResponse(completion_body(turn, answer), headers={"X-Request-ID": turn.id})


async def ensure_model(request: Request, model: str) -> None:
    """404 for a name this server does not serve or a model not trained yet; 500 when it
    cannot be loaded. Checked before a stream starts, while a status can still be sent."""
    pool: ModelPool = request.app.state.pool
    if model not in pool.names:
        raise APIError(404, f"model {model!r} not found: this server serves "
                       f"{', '.join(pool.names)}", "model", "model_not_found")
    served = {m.id: m for m in models.served(request.app.state.workspace, [model])}
    if not served[model].available:
        raise APIError(404, f"no {model} model in this workspace yet: train it with "
                       "'alignment-studio instruct DIR' and restart the server", "model",
                       "model_not_found")
    try:
        await pool.backend(model)
    except StudioError as exc:
        raise APIError(500, f"model {model!r} could not be loaded: {exc}", "model") from exc

