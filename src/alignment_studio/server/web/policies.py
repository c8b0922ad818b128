"""The policy browser: the document → section → policy tree, and a policy's text, data,
coverage, audit results and red-team records."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from alignment_studio.server.web.common import (
    ViewerPage,
    bundle_of,
    current_dataset,
    db_of,
    documents_of,
    policy_index,
    problem_page,
    published_report,
    render,
    web_state,
    workspace_of,
)
from alignment_studio.stages import frame
from alignment_studio.types import PolicyDocument, PolicyScores, Score, Section

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(_: ViewerPage) -> RedirectResponse:
    return RedirectResponse("/policies", status_code=303)


@router.get("/policies", response_class=HTMLResponse, include_in_schema=False)
def policies_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    state, ws = web_state(request), workspace_of(request)
    _, documents = documents_of(state, ws)
    dataset = current_dataset(ws)
    coverage = frame.coverage(ws, dataset) if dataset else None
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
    state, ws = web_state(request), workspace_of(request)
    _, documents = documents_of(state, ws)
    document = next((d for d in documents if any(p.id == id for p in d.policies())), None)
    if document is None:
        return problem_page(request, principal, f"no policy {id!r} in this workspace",
                            "/policies", status=404)
    policy = policy_index([document])[id]
    dataset = current_dataset(ws)
    examples = ([e for e in bundle_of(state, ws, dataset).examples if id in e.policy_ids]
                if dataset else [])
    coverage = frame.coverage(ws, dataset) if dataset else None
    covered = next((c for c in coverage.policies if c.policy_id == id), None) if coverage else None
    report = published_report(state, ws)
    row = next((r for r in report.per_policy if r.policy_id == id), None) if report else None
    scores = score_rows(row) if row else []
    findings = [f for f in report.findings if id in f.policy_ids] if report else []
    return render(request, principal, "policy.html", "policies", f"Policy {id}",
                  policy=policy, document=document, trail=section_path(document,
                                                                       policy.section_id),
                  examples=examples, covered=covered, scores=scores, findings=findings,
                  records=db_of(request).list_records(policy=id), dataset=dataset)
