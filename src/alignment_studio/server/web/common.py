"""What every page of the web studio shares: access, the studio's memory between requests,
what the pages read from the workspace, rendering, and form fields."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import ValidationError
from starlette.datastructures import FormData

from alignment_studio.auditors.rag import BM25Retriever
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.server.auth import Principal, authenticate, require
from alignment_studio.server.jobs import JobRunner
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages import frame, parse, publish
from alignment_studio.types import (
    AuditReport,
    DatasetBundle,
    Example,
    Message,
    Policy,
    PolicyDocument,
)
from alignment_studio.workspace import Artifact, Workspace
from alignment_studio.workspace.db import CRITERIA, Role, StudioDB
from alignment_studio.workspace.paths import is_real

RESOURCES = Path(str(files("alignment_studio") / "resources" / "web"))
TEMPLATES = RESOURCES / "templates"
STATIC = RESOURCES / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}
# report.html carries its own inline CSS and no script; framed by the report page only
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'self'; sandbox")
PAGE_SIZE = 20
MAX_TURNS = 12  # chat turns sent back with each message (a short conversation)
MAX_TEXT = 8000  # characters in one message
MAX_NEW_TOKENS = 256  # per answer in the studio (the API has its own cap)
KEPT = 200  # answered comparisons / attempts kept for grading
SUGGESTIONS = 5
STATES = ("all", "undecided", "pending", "published")
NAV: tuple[tuple[str, str, str, Role], ...] = (
    ("policies", "Policies", "/policies", "viewer"), ("review", "Review", "/review", "viewer"),
    ("chat", "Chat", "/chat", "viewer"), ("compare", "Compare", "/compare", "viewer"),
    ("redteam", "Red team", "/redteam", "viewer"), ("stages", "Stages", "/stages", "admin"),
    ("report", "Report", "/report", "viewer"))
NOTICES = {"decided": "Decision saved; it stays pending until the review is published",
           "published": "Review published as a new review artifact",
           "graded": "Grade stored", "recorded": "Red-team record stored",
           "promoted": "Record promoted: it is now a seed and a regression item",
           "started": "Job started", "cancelling": "Cancelling the job"}
REF = re.compile(r"[A-Za-z0-9._: -]{1,80}")


# -- access ------------------------------------------------------------------------------------

def page_access(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """``require(role)`` for pages people open: without valid credentials they are sent to
    /login (303) instead of getting a 401 body."""
    check = require(role)

    async def dependency(request: Request) -> Principal:
        if authenticate(request) is None:
            raise HTTPException(303, "sign in first", headers={"Location": "/login"})
        return await check(request)

    return dependency


ViewerPage = Annotated[Principal, Depends(page_access("viewer"))]
AdminPage = Annotated[Principal, Depends(page_access("admin"))]
Viewer = Annotated[Principal, Depends(require("viewer"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Admin = Annotated[Principal, Depends(require("admin"))]


# -- what the pages read -----------------------------------------------------------------------

@dataclass
class Answered:
    """Answers shown to a person and not graded yet: what was sent, by whom, to which models."""

    asked_by: str
    models: tuple[str, ...]
    messages: list[Message]
    answers: tuple[str, ...]
    strategy: str = "manual"


@dataclass
class WebState:
    """The studio's memory between requests: caches of immutable artifacts (by ID) and the
    answers waiting for a grade. One per app (``app.state.web``)."""

    bundles: dict[str, DatasetBundle] = field(default_factory=dict)
    documents: dict[str, list[PolicyDocument]] = field(default_factory=dict)
    retrievers: dict[str, BM25Retriever] = field(default_factory=dict)
    reports: dict[str, AuditReport] = field(default_factory=dict)
    answered: OrderedDict[str, Answered] = field(default_factory=OrderedDict)
    publishing: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def remember(self, answered: Answered) -> str:
        self.counter += 1
        key = f"a{self.counter}"
        self.answered[key] = answered
        while len(self.answered) > KEPT:
            self.answered.popitem(last=False)
        return key

    def take(self, key: str, asked_by: str) -> Answered:
        """The answers ``key`` (shown to ``asked_by``), removed so they are graded once."""
        found = self.answered.get(key)
        if found is None or found.asked_by != asked_by:
            raise StudioError("these answers are no longer held by the server (graded already, "
                              "or the server restarted): ask again")
        del self.answered[key]
        return found


def web_state(request: Request) -> WebState:
    state = getattr(request.app.state, "web", None)
    if state is None:
        state = request.app.state.web = WebState()
    return cast(WebState, state)


def workspace_of(request: Request) -> Workspace:
    return cast(Workspace, request.app.state.workspace)


def db_of(request: Request) -> StudioDB:
    return cast(StudioDB, request.app.state.db)


def pool_of(request: Request) -> ModelPool:
    return cast(ModelPool, request.app.state.pool)


def jobs_of(request: Request) -> JobRunner:
    """The workspace's job runner (``app.state.jobs``, made on first use)."""
    runner = getattr(request.app.state, "jobs", None)
    if runner is None:
        runner = request.app.state.jobs = JobRunner(workspace_of(request).root)
    return cast(JobRunner, runner)


def current_dataset(ws: Workspace) -> Artifact | None:
    return frame.latest(ws)


def bundle_of(state: WebState, ws: Workspace, dataset: Artifact) -> DatasetBundle:
    if dataset.id not in state.bundles:
        state.bundles[dataset.id] = frame.bundle(ws, dataset)
    return state.bundles[dataset.id]


def documents_of(state: WebState, ws: Workspace) -> tuple[str, list[PolicyDocument]]:
    """The policy documents and a key naming their version: those of the newest data set, or,
    before any, the files studio.yaml lists, parsed (nothing is written to the store)."""
    dataset = current_dataset(ws)
    if dataset is not None:
        key = dataset.id
        if key not in state.documents:
            state.documents[key] = parse.documents_of(ws, dataset)
        return key, state.documents[key]
    paths = [ws.path(p) for p in ws.config.policies]
    key = "files:" + "|".join(f"{p}@{p.stat().st_mtime_ns}" for p in paths if p.is_file())
    if key not in state.documents:
        state.documents[key] = [read_document(p) for p in paths]
    return key, state.documents[key]


def policy_index(documents: Iterable[PolicyDocument]) -> dict[str, Policy]:
    return {p.id: p for d in documents for p in d.policies()}


def retriever_of(state: WebState, ws: Workspace) -> BM25Retriever | None:
    key, documents = documents_of(state, ws)
    if key not in state.retrievers:
        if not any(d.policies() for d in documents):
            return None
        state.retrievers[key] = BM25Retriever.from_documents(documents)
    return state.retrievers[key]


def published_report(state: WebState, ws: Workspace) -> AuditReport | None:
    """The published report, the one the Report page shows (None before any audit); read again
    only when the file changed."""
    path = publish.published_json(ws)
    if not is_real(path) or not path.is_file():  # a link is not the published report
        return None
    stat = path.stat()
    key = f"{stat.st_mtime_ns}:{stat.st_size}"
    if key not in state.reports:
        report = publish.published(ws)
        if report is None:
            return None
        state.reports.clear()
        state.reports[key] = report
    return state.reports[key]


def matches(policy_ids: Iterable[str], prefix: str, scope: Collection[str] = ()) -> bool:
    """A policy ID equal to ``prefix``, under it, or in ``scope`` (the policies of the
    document or section ``prefix`` names, from ``expand_scopes``)."""
    stem = prefix.strip().rstrip("/")
    return not stem or any(p == stem or p.startswith(stem + "/") or p in scope
                           for p in policy_ids)


def last_user(messages: Iterable[Message]) -> str:
    return next((m.content for m in reversed(list(messages)) if m.role == "user"), "")


def answer_of(example: Example) -> str:
    return example.target if example.target is not None else (example.chosen or "")


# -- rendering ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["short"] = shorten
    env.filters["when"] = when
    env.filters["prompt"] = last_user
    env.filters["breakable"] = breakable
    return env


def breakable(policy_id: str) -> Markup:
    """A policy ID that may wrap after its slashes (not inside a word) in narrow columns."""
    return Markup("/<wbr>").join(escape(part) for part in policy_id.split("/"))


def shorten(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def when(moment: datetime | str | None) -> str:
    if moment is None:
        return "–"
    if isinstance(moment, str):
        return moment[:16].replace("T", " ")
    return moment.strftime("%Y-%m-%d %H:%M")


def notice_of(request: Request) -> str:
    """The fixed message a redirect asked for (``?done=``), with a reference (``&ref=``) only
    if it looks like an ID: no text from the URL is echoed otherwise."""
    text = NOTICES.get(request.query_params.get("done", ""), "")
    ref = request.query_params.get("ref", "")
    if not text:
        return ""
    return f"{text}: {ref}." if REF.fullmatch(ref) else f"{text}."


def render(request: Request, principal: Principal, template: str, current: str, title: str,
           status: int = 200, **values: Any) -> HTMLResponse:
    """``template`` with what every page needs; ``current`` is the navigation entry to mark."""
    context = {"user": principal, "csrf": principal.csrf or "", "current": current,
               "title": title,
               "nav": [(k, label, href) for k, label, href, role in NAV if principal.may(role)],
               "workspace": workspace_of(request).config.name, "notice": notice_of(request),
               "may_review": principal.may("reviewer"), "may_admin": principal.may("admin"),
               **values}
    html = environment().get_template(template).render(context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def problem_page(request: Request, principal: Principal, problem: str, back: str,
                 status: int = 400) -> HTMLResponse:
    return render(request, principal, "error.html", "", "Not done", status=status,
                  problem=problem, back=back)


def problem_of(exc: Exception) -> str:
    """One line for a person: a StudioError's problem, a validation error's first message."""
    if isinstance(exc, StudioError):
        return exc.problem
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(exc)


def done(path: str, key: str, ref: str = "", anchor: str = "",
         query: Mapping[str, str] | None = None) -> RedirectResponse:
    params = {**(query or {}), "done": key, **({"ref": ref} if ref else {})}
    return RedirectResponse(f"{path}?{urlencode(params)}{anchor}", status_code=303)


# -- form fields -------------------------------------------------------------------------------

def field_text(form: FormData, key: str, limit: int = MAX_TEXT) -> str:
    """A form field as stripped text with browser line ends (CRLF) made LF ("" when missing);
    over ``limit`` characters is an error."""
    value = form.get(key)
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise StudioError(f"{key} is longer than {limit} characters")
    return text


def chosen_policies(form: FormData, known: Mapping[str, Policy]) -> list[str]:
    """The picked policy IDs, in order, each once; an ID the documents lack is an error."""
    picked = list(dict.fromkeys(v.strip() for v in form.getlist("policy_ids")
                                if isinstance(v, str) and v.strip()))
    unknown = [p for p in picked if p not in known]
    if unknown:
        raise StudioError(f"{unknown[0]!r} is not a policy ID of this workspace")
    return picked


def score_field(form: FormData, key: str) -> int | None:
    text = field_text(form, key, 10)
    if not text:
        return None
    if text not in ("1", "2", "3", "4", "5"):
        raise StudioError(f"{key} must be 1 to 5, not {text!r}")
    return int(text)


def side_scores(form: FormData, side: str) -> dict[str, int]:
    scores = {c: score_field(form, f"{c}_{side}") for c in CRITERIA}
    return {c: v for c, v in scores.items() if v is not None}
