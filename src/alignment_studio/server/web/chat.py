"""Chat with a model, and compare two side by side with a grading form (a grade that prefers one
answer becomes a human preference example in the next frame); the policy picker's search."""

from __future__ import annotations

import asyncio
from typing import Literal, cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alignment_studio.backends import GenerationConfig
from alignment_studio.core.errors import StudioError
from alignment_studio.server.web.common import (
    MAX_NEW_TOKENS,
    MAX_TEXT,
    MAX_TURNS,
    SUGGESTIONS,
    Answered,
    Reviewer,
    Viewer,
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
    retriever_of,
    side_scores,
    web_state,
    workspace_of,
)
from alignment_studio.stages import models
from alignment_studio.types import Message
from alignment_studio.workspace.db import CRITERIA, ComparisonGrade

router = APIRouter()


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
    retriever = retriever_of(web_state(request), workspace_of(request))
    if retriever is None:
        return []
    return [PolicyHit(id=h.passage.id, section=h.passage.section, text=h.passage.text)
            for h in retriever.search(query, k)]


@router.post("/ui/api/chat", response_model=ChatReply)
async def chat_api(request: Request, body: ChatRequest, _: Viewer) -> ChatReply:
    messages = [models.system_message(workspace_of(request)),
                *(Message(role=t.role, content=t.content) for t in body.messages)]
    return ChatReply(model=body.model, answer=await answer(request, body.model, messages))


@router.post("/ui/api/compare", response_model=CompareReply)
async def compare_api(request: Request, body: CompareRequest,
                      principal: Viewer) -> CompareReply:
    messages = [models.system_message(workspace_of(request)),
                Message(role="user", content=body.prompt)]
    first, second = await asyncio.gather(answer(request, body.model_a, messages),
                                         answer(request, body.model_b, messages))
    key = web_state(request).remember(Answered(principal.name, (body.model_a, body.model_b),
                                               messages, (first, second)))
    return CompareReply(id=key, model_a=body.model_a, model_b=body.model_b, answer_a=first,
                        answer_b=second, suggestions=suggestions(request, body.prompt))


@router.get("/ui/api/policies", response_model=list[PolicyHit])
def policies_api(request: Request, _: Viewer, q: str = "", limit: int = 10) -> list[PolicyHit]:
    """Policies for the picker: IDs starting with ``q`` first, then BM25 hits for it."""
    query = q.strip()[:300]
    limit = max(1, min(limit, 50))
    if not query:
        return []
    documents = documents_of(web_state(request), workspace_of(request))[1]
    titles = {s.id: s.title for d in documents for s in d.all_sections()}
    by_id = [PolicyHit(id=p.id, section=titles.get(p.section_id, ""), text=p.text)
             for d in documents for p in d.policies() if p.id.startswith(query)][:limit]
    seen = {h.id for h in by_id}
    return by_id + [h for h in suggestions(request, query, limit) if h.id not in seen
                    ][:limit - len(by_id)]


@router.post("/compare/grade", include_in_schema=False, response_model=None)
async def compare_grade(request: Request, principal: Reviewer) -> Response:
    form = await request.form()
    state, ws = web_state(request), workspace_of(request)
    try:
        preference = field_text(form, "preference", 10)
        if preference not in ("a", "b", "tie"):
            raise StudioError("choose the better answer: A, B or tie")
        known = policy_index(documents_of(state, ws)[1])
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
