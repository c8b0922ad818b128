"""The studio server: one FastAPI app with the OpenAI-compatible API (``/v1``, see api.py) and
the web studio (see web.py), behind token authentication (auth.py).

``create_app(root, settings)`` builds it for a workspace; ``alignment-studio serve DIR`` runs it
under uvicorn. Every request body is capped (``serve.max_body_bytes``) before any route reads
it, and every response carries headers that keep pages from being framed or sniffed.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alignment_studio.server.auth import SESSION_COOKIE, Sessions, authenticate, token_hash
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages import models
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings
from alignment_studio.workspace.db import StudioDB

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    # pages load only what the server itself serves: no CDN, no inline script
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'self'; form-action 'self'",
}


class BodyLimit:
    """ASGI middleware: a request whose body is over ``limit`` bytes gets 413 — by its
    Content-Length before anything is read, or as soon as a streamed body passes the limit."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked_send)
        except Exception as exc:
            if not _over_limit(exc):
                raise
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse({"error": {"message": f"request body over {self.limit} bytes",
                                           "type": "invalid_request_error", "param": None,
                                           "code": "request_too_large"}}, status_code=413)
        await response({"type": "http"}, _no_body, send)


class _TooLarge(Exception):
    pass


def _over_limit(exc: BaseException) -> bool:
    """Whether ``exc`` is the limit's own signal, bare or inside an exception group (a
    middleware that reads the body in a task group wraps it in one)."""
    inner = getattr(exc, "exceptions", None)
    return isinstance(exc, _TooLarge) or (isinstance(inner, tuple)
                                          and any(_over_limit(e) for e in inner))


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def create_app(root: Path, settings: ServeSettings | None = None, **state: Any) -> FastAPI:
    """The server for workspace ``root``. ``state`` overrides app.state entries (tests pass a
    ready model pool, for instance). Raises StudioError when the settings cannot be served
    (serve.guard on without trained detectors, retrieval without policy files)."""
    from alignment_studio.server import api, web

    ws = Workspace(root)
    settings = settings or ws.config.serve
    app = FastAPI(title="Alignment Studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workspace = ws
    app.state.settings = settings
    app.state.db = ws.db
    app.state.sessions = Sessions()
    app.state.pool = ModelPool(settings.models, lambda name: models.backend(ws, name)[0],
                               settings.batch_size, settings.batch_wait_ms)
    if "serving" not in state:  # a guard without trained detectors stops the start here
        app.state.serving = api.load_serving(ws, settings)
    for key, value in state.items():
        setattr(app.state, key, value)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    api.install_errors(app)
    add_login(app)
    app.include_router(api.router)
    app.include_router(web.router)
    return app


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in · Alignment Studio</title><link rel="stylesheet" href="/static/studio.css">
</head><body class="login"><main><h1>Alignment Studio</h1>
<form method="post" action="/login"><label>Access token
<input type="password" name="token" autocomplete="off" required autofocus></label>
<button type="submit">Sign in</button></form>{error}</main></body></html>"""


def add_login(app: FastAPI) -> None:
    """GET/POST /login (a token opens a session cookie) and POST /logout."""

    @app.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return HTMLResponse(LOGIN_PAGE.format(error=""))

    @app.post("/login", response_model=None)
    async def login(request: Request, token: str = Form(...)) -> Response:
        db: StudioDB = request.app.state.db
        found = db.token_by_hash(token_hash(token.strip()))
        if found is None:
            return HTMLResponse(LOGIN_PAGE.format(
                error=f'<p class="error">{html.escape("That token is not valid.")}</p>'),
                status_code=401)
        sid, _ = request.app.state.sessions.open(found)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        principal = authenticate(request)
        if principal is not None and principal.via == "session":
            request.app.state.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
