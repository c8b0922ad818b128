"""Stages as background jobs (admin): frame, instruct, audit or run, with a live log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from alignment_studio.core.errors import StudioError
from alignment_studio.server.jobs import STAGES, JobRunner
from alignment_studio.server.web.common import (
    Admin,
    AdminPage,
    done,
    field_text,
    jobs_of,
    problem_of,
    problem_page,
    render,
)

router = APIRouter()


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
