"""Red teaming by people: send an attempt to a model, grade it, store it as a record; promote a
confirmed failure to a seed and a regression item."""

from __future__ import annotations

import asyncio
from typing import Literal, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alignment_studio.core.errors import StudioError
from alignment_studio.server.web.chat import PolicyHit, answer, suggestions
from alignment_studio.server.web.common import (
    MAX_TEXT,
    Answered,
    Reviewer,
    ViewerPage,
    chosen_policies,
    db_of,
    documents_of,
    done,
    field_text,
    policy_index,
    pool_of,
    problem_of,
    problem_page,
    render,
    score_field,
    web_state,
    workspace_of,
)
from alignment_studio.stages import redteam
from alignment_studio.types import Message
from alignment_studio.workspace.db import RedTeamRecord

router = APIRouter()

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
    state, ws = web_state(request), workspace_of(request)
    try:
        grade = field_text(form, "grade", 10)
        if grade not in ("fail", "pass", "unclear"):
            raise StudioError("grade the answer: fail (it broke the policy), pass or unclear")
        policy_ids = chosen_policies(form, policy_index(documents_of(state, ws)[1]))
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
    form = await request.form()
    try:
        text = field_text(form, "record", 20)
        if not text.isdigit():
            raise StudioError("which record? send its number")
        promotion = await asyncio.to_thread(redteam.promote, workspace_of(request), int(text))
    except StudioError as exc:
        return problem_page(request, principal, problem_of(exc), "/redteam")
    return done("/redteam", "promoted", promotion.seed_id, anchor="#records")
