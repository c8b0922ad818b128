"""The web studio: the pages compliance reviewers work in, and the JSON their scripts call.

Pages are rendered on the server (Jinja templates in ``resources/studio/templates``, every value
escaped) and work as plain HTML forms; a small script module (``/static/studio.js``) adds the
parts that need a model's answer without a page load (chat, compare, red team), the policy
picker and live job progress. Nothing is fetched from anywhere but this server.

- ``/policies``, ``/policy?id=``: the document → section → policy tree; a policy's text, data,
  coverage, audit results and red-team records.
- ``/review``: the newest data set's items, filtered and paginated; decisions are stored as
  pending (``StudioDB.add_decision``) and published as a review artifact through
  ``framers.review.record_review``, exactly like ``alignment-studio review import``.
- ``/chat``, ``/compare`` (two models side by side, graded into ``StudioDB.add_grade``),
  ``/redteam`` (graded attempts become red-team records; failures can be promoted).
- ``/stages`` (admin): frame / instruct / audit / run as background jobs (``jobs.py``).
- ``/report``: the latest ``DIR/reports/report.html``.

Every page needs a signed-in viewer (others are sent to /login); JSON under ``/ui/api`` answers
401 instead. Changes need the reviewer role (stages: admin) and, with a session, the CSRF token:
a hidden ``csrf`` field in forms, the ``X-CSRF-Token`` header from scripts.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.datastructures import FormData

from alignment_studio.auditors.rag import BM25Retriever
from alignment_studio.backends.base import GenerationConfig
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.coverage import Coverage
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.review import (
    Review,
    load_reviews,
    now_iso,
    parse_decisions,
    read_review_file,
    record_review,
)
from alignment_studio.framers.review import ReviewDecision as PublishedDecision
from alignment_studio.pipeline import Studio
from alignment_studio.studio.auth import Principal, authenticate, require
from alignment_studio.studio.jobs import STAGES, JobRunner
from alignment_studio.studio.models import ModelPool
from alignment_studio.types import (
    AuditReport,
    DatasetBundle,
    Example,
    Kind,
    Label,
    Message,
    Policy,
    PolicyDocument,
    PolicyScores,
    Score,
    Section,
    Split,
)
from alignment_studio.workspace.db import (
    CRITERIA,
    ComparisonGrade,
    RedTeamRecord,
    ReviewDecision,
    Role,
    StudioDB,
)
from alignment_studio.workspace.store import Artifact

RESOURCES = Path(str(files("alignment_studio") / "resources" / "studio"))
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

router = APIRouter()


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


def studio_of(request: Request) -> Studio:
    return cast(Studio, request.app.state.studio)


def db_of(request: Request) -> StudioDB:
    return cast(StudioDB, request.app.state.db)


def pool_of(request: Request) -> ModelPool:
    return cast(ModelPool, request.app.state.pool)


def jobs_of(request: Request) -> JobRunner:
    """The workspace's job runner (``app.state.jobs``, made on first use)."""
    runner = getattr(request.app.state, "jobs", None)
    if runner is None:
        runner = request.app.state.jobs = JobRunner(studio_of(request).root)
    return cast(JobRunner, runner)


def current_dataset(studio: Studio) -> Artifact | None:
    return studio.store.latest("dataset")


def bundle_of(state: WebState, studio: Studio, dataset: Artifact) -> DatasetBundle:
    if dataset.id not in state.bundles:
        state.bundles[dataset.id] = studio.bundle(dataset)
    return state.bundles[dataset.id]


def documents_of(state: WebState, studio: Studio) -> tuple[str, list[PolicyDocument]]:
    """The policy documents and a key naming their version: those of the newest data set, or,
    before any, the files studio.yaml lists, parsed (nothing is written to the store)."""
    dataset = current_dataset(studio)
    if dataset is not None:
        key = dataset.id
        if key not in state.documents:
            state.documents[key] = studio.dataset_documents(dataset)
        return key, state.documents[key]
    paths = [studio.path(p) for p in studio.config.policies]
    key = "files:" + "|".join(f"{p}@{p.stat().st_mtime_ns}" for p in paths if p.is_file())
    if key not in state.documents:
        state.documents[key] = [read_document(p) for p in paths]
    return key, state.documents[key]


def policy_index(documents: Iterable[PolicyDocument]) -> dict[str, Policy]:
    return {p.id: p for d in documents for p in d.policies()}


def retriever_of(state: WebState, studio: Studio) -> BM25Retriever | None:
    key, documents = documents_of(state, studio)
    if key not in state.retrievers:
        if not any(d.policies() for d in documents):
            return None
        state.retrievers[key] = BM25Retriever.from_documents(documents)
    return state.retrievers[key]


def coverage_of(studio: Studio, dataset: Artifact) -> Coverage | None:
    path = studio.store.path_of(dataset) / "coverage.json"
    return Coverage.model_validate_json(path.read_text("utf-8")) if path.is_file() else None


def published_report(state: WebState, studio: Studio) -> AuditReport | None:
    """DIR/reports/report.json, the report the Report page shows (None before any audit)."""
    path = studio.root / "reports" / "report.json"
    if not path.is_file():
        return None
    stat = path.stat()
    key = f"{stat.st_mtime_ns}:{stat.st_size}"
    if key not in state.reports:
        state.reports.clear()
        state.reports[key] = AuditReport.model_validate_json(path.read_text("utf-8"))
    return state.reports[key]


def system_prompt(studio: Studio) -> Message:
    """The system prompt the data set trains with, so chat and compare ask as training did."""
    text = Prompts(studio.root / "prompts").render("system",
                                                   organization=studio.config.organization)
    return Message(role="system", content=text)


def matches(policy_ids: Iterable[str], prefix: str) -> bool:
    """A policy ID equal to ``prefix`` or under it (a document or section ID)."""
    stem = prefix.strip().rstrip("/")
    return not stem or any(p == stem or p.startswith(stem + "/") for p in policy_ids)


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
               "workspace": studio_of(request).config.name, "notice": notice_of(request),
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


# -- static files and the report ---------------------------------------------------------------

def static_path(name: str, folder: Path = STATIC) -> Path | None:
    """The file ``name`` inside ``folder``, or None: whatever resolves outside it (``..``, an
    absolute path, a link out), a folder or an unknown type is refused."""
    if not name or "\\" in name or "\x00" in name:
        return None
    base = folder.resolve()
    candidate = (base / name).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate if candidate.suffix in STATIC_TYPES else None


@router.get("/static/{name:path}", include_in_schema=False)
def static_file(name: str) -> Response:
    path = static_path(name)
    if path is None:
        raise HTTPException(404, "no such file")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix],
                        headers={"Cache-Control": "no-cache"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """What browsers ask for on pages without an icon link (the sign-in page)."""
    return FileResponse(STATIC / "favicon.svg", media_type=STATIC_TYPES[".svg"],
                        headers={"Cache-Control": "max-age=86400"})


@router.get("/report/file", include_in_schema=False)
def report_file(request: Request, _: Viewer) -> Response:
    """DIR/reports/report.html and nothing else (the route takes no name)."""
    path = studio_of(request).root / "reports" / "report.html"
    if not path.is_file():
        raise HTTPException(404, "no audit report yet: run the audit stage")
    return FileResponse(path, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": REPORT_CSP,
                                 "Cache-Control": "no-store"})


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    studio = studio_of(request)
    report = published_report(web_state(request), studio)
    exists = (studio.root / "reports" / "report.html").is_file()
    return render(request, principal, "report.html", "report", "Audit report", exists=exists,
                  report=report)


# -- policies ----------------------------------------------------------------------------------

@router.get("/", include_in_schema=False)
def home(_: ViewerPage) -> RedirectResponse:
    return RedirectResponse("/policies", status_code=303)


@router.get("/policies", response_class=HTMLResponse, include_in_schema=False)
def policies_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    state, studio = web_state(request), studio_of(request)
    _, documents = documents_of(state, studio)
    dataset = current_dataset(studio)
    coverage = coverage_of(studio, dataset) if dataset else None
    counts = {c.policy_id: c.counts.total for c in coverage.policies} if coverage else {}
    return render(request, principal, "policies.html", "policies", "Policies",
                  documents=documents, counts=counts, dataset=dataset,
                  statements=sum(len(d.policies()) for d in documents))


def score_rows(row: PolicyScores) -> list[tuple[str, Score | None, Score | None]]:
    """(metric, base score, aligned score) for every metric either model has."""
    base = {s.metric: s for s in row.base}
    aligned = {s.metric: s for s in row.aligned}
    return [(m, base.get(m), aligned.get(m)) for m in dict.fromkeys([*aligned, *base])]


def section_path(document: PolicyDocument, section_id: str) -> list[Section]:
    """The sections from the document's top down to ``section_id``."""
    def walk(sections: list[Section], trail: list[Section]) -> list[Section] | None:
        for section in sections:
            if section.id == section_id:
                return [*trail, section]
            found = walk(section.children, [*trail, section])
            if found:
                return found
        return None

    return walk(document.sections, []) or []


@router.get("/policy", response_class=HTMLResponse, include_in_schema=False)
def policy_page(request: Request, principal: ViewerPage, id: str = "") -> HTMLResponse:
    state, studio = web_state(request), studio_of(request)
    _, documents = documents_of(state, studio)
    document = next((d for d in documents if any(p.id == id for p in d.policies())), None)
    if document is None:
        return problem_page(request, principal, f"no policy {id!r} in this workspace",
                            "/policies", status=404)
    policy = policy_index([document])[id]
    dataset = current_dataset(studio)
    examples = ([e for e in bundle_of(state, studio, dataset).examples if id in e.policy_ids]
                if dataset else [])
    coverage = coverage_of(studio, dataset) if dataset else None
    covered = next((c for c in coverage.policies if c.policy_id == id), None) if coverage else None
    report = published_report(state, studio)
    row = next((r for r in report.per_policy if r.policy_id == id), None) if report else None
    scores = score_rows(row) if row else []
    findings = [f for f in report.findings if id in f.policy_ids] if report else []
    return render(request, principal, "policy.html", "policies", f"Policy {id}",
                  policy=policy, document=document, trail=section_path(document,
                                                                       policy.section_id),
                  examples=examples, covered=covered, scores=scores, findings=findings,
                  records=db_of(request).list_records(policy=id), dataset=dataset)


# -- review ------------------------------------------------------------------------------------

class ReviewFilters(BaseModel):
    """What the review page shows: items under a policy prefix, of a label, kind, split and
    review state, one page at a time."""

    model_config = ConfigDict(extra="forbid")
    policy: str = Field("", max_length=300)
    label: Label | None = None
    kind: Kind | None = None
    split: Split | None = None
    state: Literal["all", "undecided", "pending", "published"] = "all"
    page: int = Field(1, ge=1)

    @classmethod
    def of(cls, source: Mapping[str, str], prefix: str = "") -> ReviewFilters:
        """From query parameters (or hidden ``back_*`` form fields); empty values are unset."""
        values = {k: source.get(prefix + k, "") for k in cls.model_fields}
        return cls.model_validate({k: v for k, v in values.items() if v})

    @classmethod
    def back(cls, form: FormData) -> ReviewFilters:
        """The filters a form came from (``back_*`` fields), to return to; none if tampered."""
        try:
            return cls.of(cast(Mapping[str, str], form), "back_")
        except ValidationError:
            return cls()

    def query(self, **changes: Any) -> dict[str, str]:
        data = self.model_dump(mode="json") | changes
        return {k: str(v) for k, v in data.items()
                if v not in (None, "") and not (k == "state" and v == "all")
                and not (k == "page" and v == 1)}


@dataclass
class ItemView:
    """An item as the review page shows it, with its pending and published decisions."""

    example: Example
    pending: ReviewDecision | None
    published: PublishedDecision | None
    version: int | None

    @property
    def prompt(self) -> str:
        return last_user(self.example.messages)

    @property
    def answer(self) -> str:
        return answer_of(self.example)

    @property
    def state(self) -> str:
        if self.pending is not None:
            return "pending"
        return "published" if self.published is not None else "undecided"

    @property
    def notes(self) -> list[DecisionNote]:
        """The pending decision, then the published one, as the page lists them."""
        notes = []
        if self.pending is not None:
            d = self.pending
            notes.append(DecisionNote("Pending", "", d.decision, d.reviewer, d.comment,
                                      d.edited_label, d.edited_target))
        if self.published is not None:
            p = self.published
            notes.append(DecisionNote("Published", f" in review v{self.version}", p.decision,
                                      p.reviewer, p.comment,
                                      p.edited_label.value if p.edited_label else None,
                                      p.edited_target))
        return notes


@dataclass
class DecisionNote:
    state: str
    where: str
    decision: str
    reviewer: str
    comment: str
    edited_label: str | None
    edited_target: str | None


def review_state(db: StudioDB, studio: Studio, dataset: Artifact
                 ) -> tuple[dict[str, ReviewDecision], dict[str, tuple[int, PublishedDecision]],
                            list[Review]]:
    """Pending decisions (the newest per item), published ones (the newest review wins, as
    when training applies them) and the review artifacts of ``dataset``."""
    pending = {d.example_id: d for d in db.list_decisions(dataset.id, pending=True)}
    reviews = load_reviews(studio.store, dataset.id)
    published = {d.example_id: (r.version, d) for r in reviews for d in r.decisions}
    return pending, published, reviews


def review_items(bundle: DatasetBundle, filters: ReviewFilters,
                 pending: Mapping[str, ReviewDecision],
                 published: Mapping[str, tuple[int, PublishedDecision]]) -> list[ItemView]:
    items = []
    for example in bundle.examples:
        if not matches(example.policy_ids, filters.policy) or (
                filters.label and example.label != filters.label) or (
                filters.kind and example.kind != filters.kind) or (
                filters.split and example.split != filters.split):
            continue
        done_before = published.get(example.id)
        item = ItemView(example, pending.get(example.id),
                        done_before[1] if done_before else None,
                        done_before[0] if done_before else None)
        if filters.state in ("all", item.state):
            items.append(item)
    return items


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    studio = studio_of(request)
    try:
        filters = ReviewFilters.of(request.query_params)
    except ValidationError as exc:
        return problem_page(request, principal, problem_of(exc), "/review")
    dataset = current_dataset(studio)
    if dataset is None:
        return render(request, principal, "review.html", "review", "Review", dataset=None,
                      filters=filters)
    bundle = bundle_of(web_state(request), studio, dataset)
    pending, published, reviews = review_state(db_of(request), studio, dataset)
    items = review_items(bundle, filters, pending, published)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(filters.page, pages)
    shown = items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    back = filters.query(page=page)
    return render(request, principal, "review.html", "review", "Review", dataset=dataset,
                  filters=filters, items=shown, total=len(items), page=page, pages=pages,
                  back=back, labels=[x.value for x in Label], kinds=[x.value for x in Kind],
                  splits=[x.value for x in Split], states=STATES, reviews=reviews,
                  pending_count=len(pending),
                  prev_query=urlencode(filters.query(page=page - 1)) if page > 1 else None,
                  next_query=urlencode(filters.query(page=page + 1)) if page < pages else None,
                  prefixes=sorted({s.id for d in documents_of(web_state(request), studio)[1]
                                   for s in d.all_sections()}))


def field_text(form: FormData, key: str, limit: int = MAX_TEXT) -> str:
    """A form field as stripped text with browser line ends (CRLF) made LF ("" when missing);
    over ``limit`` characters is an error."""
    value = form.get(key)
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise StudioError(f"{key} is longer than {limit} characters")
    return text


def decision_from_form(form: FormData, example: Example, bundle: DatasetBundle,
                       dataset: Artifact, reviewer: str) -> ReviewDecision:
    """The decision a reviewer submitted, checked exactly as an imported review row is.

    The edit fields are prefilled with the item's answer, so they are read only for an edit,
    and an answer sent back unchanged is no edit of the answer."""
    choice = field_text(form, "decision").lower()
    target = field_text(form, "edited_target") if choice == "edit" else ""
    label = field_text(form, "edited_label").lower() if choice == "edit" else ""
    if target == answer_of(example).strip():
        target = ""
    row = {"id": example.id, "decision": choice, "edited_target": target,
           "edited_label": label, "comment": field_text(form, "comment")}
    checked = parse_decisions([(1, row)], bundle, Path("decision"), reviewer, now_iso())[0]
    return ReviewDecision(dataset=dataset.id, example_id=example.id, decision=checked.decision,
                          edited_target=checked.edited_target,
                          edited_label=checked.edited_label.value if checked.edited_label
                          else None, comment=checked.comment, reviewer=reviewer)


@router.post("/review/decide", include_in_schema=False, response_model=None)
async def review_decide(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    studio = studio_of(request)
    back = ReviewFilters.back(form)
    try:
        dataset = current_dataset(studio)
        if dataset is None:
            raise StudioError("no data set yet: run the frame stage first")
        if field_text(form, "dataset") not in ("", dataset.id):
            raise StudioError("the data set changed since this page was loaded: reload it")
        bundle = bundle_of(web_state(request), studio, dataset)
        example_id = field_text(form, "example_id", 200)
        example = next((e for e in bundle.examples if e.id == example_id), None)
        if example is None:
            raise StudioError(f"unknown item {example_id!r} (not in the data set {dataset.id})")
        decision = decision_from_form(form, example, bundle, dataset, principal.name)
        await asyncio.to_thread(db_of(request).add_decision, decision)
    except (StudioError, ValidationError) as exc:
        return problem_page(request, principal, problem_of(exc),
                            f"/review?{urlencode(back.query())}")
    return done("/review", "decided", query=back.query(), anchor=f"#item-{example.id}")


class DecisionRow(BaseModel):
    """One decision in the file a publication records (the columns ``review import`` reads)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    decision: str
    edited_target: str = ""
    edited_label: str = ""
    comment: str = ""


def publish_review(studio: Studio, db: StudioDB, bundle: DatasetBundle, dataset: Artifact,
                   publisher: str) -> tuple[Artifact, Review]:
    """The pending decisions on ``dataset`` as a new review artifact (``record_review``, as an
    import does: the same validation, the same file kept inside the artifact), then marked
    published. The newest pending decision on an item wins; each keeps its reviewer."""
    pending = db.list_decisions(dataset.id, pending=True)
    if not pending:
        raise StudioError("nothing to publish: there are no pending decisions")
    latest = {d.example_id: d for d in pending}
    rows = [DecisionRow(id=d.example_id, decision=d.decision, edited_target=d.edited_target or "",
                      edited_label=d.edited_label or "", comment=d.comment)
            for d in latest.values()]
    timestamp = now_iso()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"studio-review-{dataset.id}.jsonl"
        source.write_text("".join(r.model_dump_json() + "\n" for r in rows), "utf-8")
        checked = parse_decisions(read_review_file(source), bundle, source, publisher, timestamp)
        decisions = [d.model_copy(update={"reviewer": latest[d.example_id].reviewer})
                     for d in checked]
        artifact, review = record_review(studio.store, dataset, decisions, source, publisher,
                                         timestamp)
    db.mark_published([d.id for d in pending if d.id is not None], artifact.id)
    return artifact, review


@router.post("/review/publish", include_in_schema=False, response_model=None)
async def review_publish(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    back = ReviewFilters.back(form)
    state, studio = web_state(request), studio_of(request)
    dataset = current_dataset(studio)
    if dataset is None:
        return problem_page(request, principal, "no data set yet: run the frame stage first",
                            "/review")
    bundle = bundle_of(state, studio, dataset)

    def run() -> tuple[Artifact, Review]:
        with state.publishing:
            return publish_review(studio, db_of(request), bundle, dataset, principal.name)

    try:
        artifact, _ = await asyncio.to_thread(run)
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc),
                            f"/review?{urlencode(back.query())}")
    return done("/review", "published", artifact.id, query=back.query())


# -- chat, compare, red team -------------------------------------------------------------------

class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1, max_length=MAX_TEXT)


class ChatRequest(BaseModel):
    """A short conversation (the client keeps it) whose last turn is the user's."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=100)
    messages: list[ChatTurn] = Field(min_length=1, max_length=MAX_TURNS)

    @model_validator(mode="after")
    def _user_last(self) -> ChatRequest:
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's")
        return self


class ChatReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str
    answer: str


class PolicyHit(BaseModel):
    """A policy offered in the picker: its ID, section title and text."""

    model_config = ConfigDict(extra="forbid")
    id: str
    section: str
    text: str


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    model_a: str = Field(min_length=1, max_length=100)
    model_b: str = Field(min_length=1, max_length=100)


class CompareReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="send it with the grade")
    model_a: str
    model_b: str
    answer_a: str
    answer_b: str
    suggestions: list[PolicyHit] = Field(description="policies retrieval finds for the prompt")


class AttackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=100)
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    strategy: str = Field("manual", min_length=1, max_length=100)


class AttackReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    model: str
    answer: str
    suggestions: list[PolicyHit]


async def answer(request: Request, model: str, messages: list[Message]) -> str:
    """``model``'s greedy answer through the server's model pool; a bad model is a 400."""
    config = GenerationConfig(max_new_tokens=min(MAX_NEW_TOKENS,
                                                 request.app.state.settings.max_new_tokens))
    try:
        return (await pool_of(request).answer(model, messages, config)).text
    except StudioError as exc:
        raise HTTPException(400, exc.problem) from None


def suggestions(request: Request, query: str, k: int = SUGGESTIONS) -> list[PolicyHit]:
    """The policies BM25 retrieval ranks highest for ``query``."""
    retriever = retriever_of(web_state(request), studio_of(request))
    if retriever is None:
        return []
    return [PolicyHit(id=h.passage.id, section=h.passage.section, text=h.passage.text)
            for h in retriever.search(query, k)]


@router.post("/ui/api/chat", response_model=ChatReply)
async def chat_api(request: Request, body: ChatRequest, _: Viewer) -> ChatReply:
    messages = [system_prompt(studio_of(request)),
                *(Message(role=t.role, content=t.content) for t in body.messages)]
    return ChatReply(model=body.model, answer=await answer(request, body.model, messages))


@router.post("/ui/api/compare", response_model=CompareReply)
async def compare_api(request: Request, body: CompareRequest,
                      principal: Viewer) -> CompareReply:
    messages = [system_prompt(studio_of(request)), Message(role="user", content=body.prompt)]
    first, second = await asyncio.gather(answer(request, body.model_a, messages),
                                         answer(request, body.model_b, messages))
    key = web_state(request).remember(Answered(principal.name, (body.model_a, body.model_b),
                                               messages, (first, second)))
    return CompareReply(id=key, model_a=body.model_a, model_b=body.model_b, answer_a=first,
                        answer_b=second, suggestions=suggestions(request, body.prompt))


@router.post("/ui/api/redteam/attack", response_model=AttackReply)
async def attack_api(request: Request, body: AttackRequest, principal: Reviewer) -> AttackReply:
    """An attempt as ``redteam record`` makes one: the tester's turn alone, no system prompt,
    so the record (and a promoted regression item) holds exactly what the model saw."""
    messages = [Message(role="user", content=body.prompt)]
    output = await answer(request, body.model, messages)
    key = web_state(request).remember(Answered(principal.name, (body.model,), messages,
                                               (output,), body.strategy))
    return AttackReply(id=key, model=body.model, answer=output,
                       suggestions=suggestions(request, body.prompt))


@router.get("/ui/api/policies", response_model=list[PolicyHit])
def policies_api(request: Request, _: Viewer, q: str = "", limit: int = 10) -> list[PolicyHit]:
    """Policies for the picker: IDs starting with ``q`` first, then BM25 hits for it."""
    query = q.strip()[:300]
    limit = max(1, min(limit, 50))
    if not query:
        return []
    documents = documents_of(web_state(request), studio_of(request))[1]
    titles = {s.id: s.title for d in documents for s in d.all_sections()}
    by_id = [PolicyHit(id=p.id, section=titles.get(p.section_id, ""), text=p.text)
             for d in documents for p in d.policies() if p.id.startswith(query)][:limit]
    seen = {h.id for h in by_id}
    return by_id + [h for h in suggestions(request, query, limit) if h.id not in seen
                    ][:limit - len(by_id)]


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


@router.post("/compare/grade", include_in_schema=False, response_model=None)
async def compare_grade(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    state, studio = web_state(request), studio_of(request)
    try:
        preference = field_text(form, "preference", 10)
        if preference not in ("a", "b", "tie"):
            raise StudioError("choose the better answer: A, B or tie")
        known = policy_index(documents_of(state, studio)[1])
        policy_ids = chosen_policies(form, known)
        scores_a, scores_b = side_scores(form, "a"), side_scores(form, "b")
        comment = field_text(form, "comment")
        shown = state.take(field_text(form, "comparison", 100), principal.name)
        grade = ComparisonGrade(
            grader=principal.name, messages=shown.messages, policy_ids=policy_ids,
            model_a=shown.models[0], model_b=shown.models[1], answer_a=shown.answers[0],
            answer_b=shown.answers[1], scores_a=scores_a, scores_b=scores_b,
            preference=cast(Literal["a", "b", "tie"], preference), comment=comment)
        stored = await asyncio.to_thread(db_of(request).add_grade, grade)
    except (StudioError, ValidationError) as exc:
        return problem_page(request, principal, problem_of(exc), "/compare")
    return done("/compare", "graded", f"grade {stored.id}", anchor="#grades")


@router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
def compare_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    grades = list(reversed(db_of(request).list_grades()))
    return render(request, principal, "compare.html", "compare", "Compare",
                  models=pool_of(request).names, grades=grades, criteria=CRITERIA)


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    return render(request, principal, "chat.html", "chat", "Chat",
                  models=pool_of(request).names, max_turns=MAX_TURNS)


class RecordFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str = Field("", max_length=300)
    grade: Literal["fail", "pass", "unclear"] | None = None
    promoted: Literal["yes", "no"] | None = None


@router.get("/redteam", response_class=HTMLResponse, include_in_schema=False)
def redteam_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    params = request.query_params
    try:
        filters = RecordFilters.model_validate(
            {k: params[k] for k in RecordFilters.model_fields if params.get(k)})
    except ValidationError as exc:
        return problem_page(request, principal, problem_of(exc), "/redteam")
    records = db_of(request).list_records(
        policy=filters.policy or None, grade=filters.grade,
        promoted=None if filters.promoted is None else filters.promoted == "yes")
    return render(request, principal, "redteam.html", "redteam", "Red team",
                  models=pool_of(request).names, records=list(reversed(records)),
                  filters=filters)


@router.post("/redteam/record", include_in_schema=False, response_model=None)
async def redteam_record(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    state, studio = web_state(request), studio_of(request)
    try:
        grade = field_text(form, "grade", 10)
        if grade not in ("fail", "pass", "unclear"):
            raise StudioError("grade the answer: fail (it broke the policy), pass or unclear")
        policy_ids = chosen_policies(form, policy_index(documents_of(state, studio)[1]))
        if not policy_ids:
            raise StudioError("pick the policy the attempt targets")
        faithfulness = score_field(form, "faithfulness")
        completeness = score_field(form, "completeness")
        comment = field_text(form, "comment")
        shown = state.take(field_text(form, "attempt", 100), principal.name)
        model = shown.models[0]
        record = RedTeamRecord(
            tester=principal.name, model=model if model in ("base", "aligned") else "other",
            strategy=shown.strategy, policy_ids=policy_ids, messages=shown.messages,
            output=shown.answers[0], grade=cast(Literal["fail", "pass", "unclear"], grade),
            faithfulness=faithfulness, completeness=completeness,
            comment=comment if model in ("base", "aligned") or not comment
            else f"[{model}] {comment}")
        stored = await asyncio.to_thread(db_of(request).add_record, record)
    except (StudioError, ValidationError) as exc:
        return problem_page(request, principal, problem_of(exc), "/redteam")
    return done("/redteam", "recorded", f"record {stored.id}", anchor="#records")


@router.post("/redteam/promote", include_in_schema=False, response_model=None)
async def redteam_promote(request: Request, principal: Reviewer) -> Response:
    from alignment_studio.auditors.redteam import promote

    form = await request.form()
    try:
        text = field_text(form, "record", 20)
        if not text.isdigit():
            raise StudioError("which record? send its number")
        promotion = await asyncio.to_thread(promote, studio_of(request).root, int(text))
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc), "/redteam")
    return done("/redteam", "promoted", promotion.seed_id, anchor="#records")


# -- stages ------------------------------------------------------------------------------------

class JobView(BaseModel):
    """A job for the page's poller: its state and the log lines from ``since`` on."""

    model_config = ConfigDict(extra="forbid")
    id: str
    stage: str
    state: str
    exit_code: int | None
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    line_count: int
    lines: list[str]

    @classmethod
    def of(cls, runner: JobRunner, job_id: str, since: int | None = None) -> JobView:
        """The job as it stands, with its lines from ``since`` on (none when not asked)."""
        job = runner.snapshot(job_id)
        return cls(id=job.id, stage=job.stage, state=job.state, exit_code=job.exit_code,
                   started_by=job.started_by, started_at=job.started_at,
                   ended_at=job.ended_at, line_count=job.line_count,
                   lines=job.since(since) if since is not None else [])


class StartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: Literal["frame", "instruct", "audit", "run"]


@router.get("/stages", response_class=HTMLResponse, include_in_schema=False)
def stages_page(request: Request, principal: AdminPage, job: str = "") -> HTMLResponse:
    runner = jobs_of(request)
    jobs = runner.all()
    chosen = job if job in runner.jobs else (jobs[0].id if jobs else None)
    shown = runner.snapshot(chosen) if chosen else None
    return render(request, principal, "stages.html", "stages", "Stages", stages=STAGES,
                  jobs=jobs, job=shown, running=runner.running())


@router.post("/stages/start", include_in_schema=False, response_model=None)
async def stages_start(request: Request, principal: Admin) -> Response:
    form = await request.form()
    try:
        job = jobs_of(request).start(field_text(form, "stage", 20), principal.name)
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc), "/stages", status=409)
    return done("/stages", "started", job.id, query={"job": job.id})


@router.post("/stages/cancel", include_in_schema=False, response_model=None)
async def stages_cancel(request: Request, principal: Admin) -> Response:
    form = await request.form()
    try:
        job = jobs_of(request).cancel(field_text(form, "job", 40))
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc), "/stages", status=409)
    return done("/stages", "cancelling", job.id, query={"job": job.id})


@router.get("/ui/api/jobs", response_model=list[JobView])
def jobs_api(request: Request, _: Admin) -> list[JobView]:
    runner = jobs_of(request)
    return [JobView.of(runner, j.id) for j in runner.all()]


@router.post("/ui/api/jobs", response_model=JobView, status_code=201)
def start_job_api(request: Request, body: StartRequest, principal: Admin) -> JobView:
    try:
        runner = jobs_of(request)
        return JobView.of(runner, runner.start(body.stage, principal.name).id, 0)
    except StudioError as exc:
        raise HTTPException(409, exc.problem) from None


@router.get("/ui/api/jobs/{job_id}", response_model=JobView)
def job_api(request: Request, job_id: str, _: Admin, since: int = 0) -> JobView:
    try:
        return JobView.of(jobs_of(request), job_id, max(0, since))
    except StudioError as exc:
        raise HTTPException(404, exc.problem) from None


@router.post("/ui/api/jobs/{job_id}/cancel", response_model=JobView)
def cancel_job_api(request: Request, job_id: str, _: Admin) -> JobView:
    runner = jobs_of(request)
    try:
        runner.get(job_id)
    except StudioError as exc:
        raise HTTPException(404, exc.problem) from None
    try:
        return JobView.of(runner, runner.cancel(job_id).id)
    except StudioError as exc:
        raise HTTPException(409, exc.problem) from None
