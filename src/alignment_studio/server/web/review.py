"""Data review: the newest data set's items, filtered and paginated; decisions are stored as
pending and published as a review artifact, exactly as ``alignment-studio review import``
records a file."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import FormData

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.review import Review, parse_decisions, read_review
from alignment_studio.framers.review import ReviewDecision as PublishedDecision
from alignment_studio.server.web.common import (
    PAGE_SIZE,
    STATES,
    Reviewer,
    ViewerPage,
    answer_of,
    bundle_of,
    current_dataset,
    db_of,
    documents_of,
    done,
    field_text,
    last_user,
    matches,
    problem_of,
    problem_page,
    render,
    web_state,
    workspace_of,
)
from alignment_studio.stages import parse, review
from alignment_studio.types import DatasetBundle, Example, Kind, Label, Split, expand_scopes
from alignment_studio.workspace import Artifact, Workspace
from alignment_studio.workspace.db import ReviewDecision, StudioDB

router = APIRouter()


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


def review_state(db: StudioDB, ws: Workspace, dataset: Artifact
                 ) -> tuple[dict[str, ReviewDecision], dict[str, tuple[int, PublishedDecision]],
                            list[Review]]:
    """Pending decisions (the newest per item), published ones (the newest review wins, as
    when training applies them) and the reviews that apply to ``dataset`` (its own, and those
    of earlier data sets whose items it still has)."""
    pending = {d.example_id: d for d in db.list_decisions(dataset.id, pending=True)}
    applying = (read_review(ws.store, ws.store.get(i)) for i in review.reviews_of(ws, dataset))
    reviews = sorted(applying, key=lambda r: (r.created_at, r.version))
    published = {d.example_id: (r.version, d) for r in reviews for d in r.decisions}
    return pending, published, reviews


def review_items(bundle: DatasetBundle, filters: ReviewFilters,
                 pending: Mapping[str, ReviewDecision],
                 published: Mapping[str, tuple[int, PublishedDecision]],
                 scope: Collection[str] = ()) -> list[ItemView]:
    items = []
    for example in bundle.examples:
        if not matches(example.policy_ids, filters.policy, scope) or (
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
    ws = workspace_of(request)
    try:
        filters = ReviewFilters.of(request.query_params)
    except ValidationError as exc:
        return problem_page(request, principal, problem_of(exc), "/review")
    dataset = current_dataset(ws)
    if dataset is None:
        return render(request, principal, "review.html", "review", "Review", dataset=None,
                      filters=filters)
    bundle = bundle_of(web_state(request), ws, dataset)
    pending, published, reviews = review_state(db_of(request), ws, dataset)
    scope = set(expand_scopes([filters.policy], parse.documents_of(ws, dataset))
                ) if filters.policy else set()
    items = review_items(bundle, filters, pending, published, scope)
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
                  prefixes=sorted({s.id for d in documents_of(web_state(request), ws)[1]
                                   for s in d.all_sections()}))


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
    checked = parse_decisions([(1, row)], bundle, Path("decision"), reviewer, review.now_iso())[0]
    return ReviewDecision(dataset=dataset.id, example_id=example.id, decision=checked.decision,
                          edited_target=checked.edited_target,
                          edited_label=checked.edited_label.value if checked.edited_label
                          else None, comment=checked.comment, reviewer=reviewer)


@router.post("/review/decide", include_in_schema=False, response_model=None)
async def review_decide(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    ws = workspace_of(request)
    back = ReviewFilters.back(form)
    try:
        dataset = current_dataset(ws)
        if dataset is None:
            raise StudioError("no data set yet: run the frame stage first")
        if field_text(form, "dataset") not in ("", dataset.id):
            raise StudioError("the data set changed since this page was loaded: reload it")
        bundle = bundle_of(web_state(request), ws, dataset)
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


@router.post("/review/publish", include_in_schema=False, response_model=None)
async def review_publish(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    back = ReviewFilters.back(form)
    state, ws = web_state(request), workspace_of(request)
    dataset = current_dataset(ws)
    if dataset is None:
        return problem_page(request, principal, "no data set yet: run the frame stage first",
                            "/review")
    bundle = bundle_of(state, ws, dataset)

    def run() -> tuple[Artifact, Review]:
        with state.publishing:
            return review.publish(ws, bundle, dataset, principal.name)

    try:
        artifact, _ = await asyncio.to_thread(run)
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc),
                            f"/review?{urlencode(back.query())}")
    return done("/review", "published", artifact.id, query=back.query())
