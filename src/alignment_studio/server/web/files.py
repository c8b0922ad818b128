"""Static files, and the published audit report (framed by the report page)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from alignment_studio.server.web.common import (
    REPORT_CSP,
    STATIC,
    STATIC_TYPES,
    Viewer,
    ViewerPage,
    published_report,
    render,
    web_state,
    workspace_of,
)
from alignment_studio.stages import publish
from alignment_studio.workspace.paths import is_real, read_plain_file

router = APIRouter()


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
    """DIR/reports/report.html and nothing else (the route takes no name). Only a regular
    file with no link on the way is served: a report.html (or a reports folder) that is a
    link, wherever it leads, is answered as missing."""
    ws = workspace_of(request)
    content = read_plain_file(publish.published_html(ws), ws.reports_dir)
    if content is None:
        raise HTTPException(404, "no audit report yet: run the audit stage")
    return Response(content, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"})


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, principal: ViewerPage) -> HTMLResponse:
    ws = workspace_of(request)
    report = published_report(web_state(request), ws)
    exists = is_real(publish.published_html(ws)) and publish.published_html(ws).is_file()
    return render(request, principal, "report_page.html", "report", "Audit report", exists=exists,
                  report=report)
