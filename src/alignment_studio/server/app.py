"""The studio server: one FastAPI app with the OpenAI-compatible API (``/v1``, see api.py) and
the web studio (see web.py), behind token authentication (auth.py).

``create_app(root, settings)`` builds it for a workspace; ``alignment-studio serve DIR`` runs it
under uvicorn (with the settings of http.py: a deadline for request headers). Every request
body is capped (``serve.max_body_bytes``) before any route reads it, and every response, the
413 of that cap and Starlette's own 500 included, carries headers that keep pages from being
framed or sniffed (the outermost middleware adds them).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alignment_studio.server.auth import (
    SESSION_COOKIE,
    Sessions,
    authenticate,
    csrf_ok,
    find_token,
    same_origin,
)
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages import models
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    # pages load only what the server itself serves: no CDN, no inline script
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'self'; form-action 'self'",
}


class SecurityHeaders:
    """ASGI middleware: the security headers on every response start that lacks them, those
    of the routes and those made outside them alike (413, 500, a 404 of the router)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class StudioApp(FastAPI):
    """FastAPI with :class:`SecurityHeaders` outside everything, Starlette's own error
    middleware included, so that no response leaves without the headers."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


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
    app = StudioApp(title="Alignment Studio", docs_url=None, redoc_url=None, openapi_url=None)
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


CROSS_SITE = "Refused: the request did not come from this studio's own page. Sign in here."
FORGED_SIGN_OUT = "Refused: sign out with the button on a studio page (no valid CSRF token)."


def login_page_with(error: str, status: int) -> HTMLResponse:
    return HTMLResponse(LOGIN_PAGE.format(error=f'<p class="error">{html.escape(error)}</p>'),
                        status_code=status)


def add_login(app: FastAPI) -> None:
    """GET/POST /login (a token opens a session cookie) and POST /logout."""

    @app.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return HTMLResponse(LOGIN_PAGE.format(error=""))

    @app.post("/login", response_model=None)
    async def login(request: Request, token: str = Form(...)) -> Response:
        if not same_origin(request):  # login CSRF: another site signing a visitor in as itself
            return login_page_with(CROSS_SITE, 403)
        found = find_token(request.app.state.db, token.strip())
        if found is None:
            return login_page_with("That token is not valid.", 401)
        sid, _ = request.app.state.sessions.open(found)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    @app.post("/logout", response_model=None)
    async def logout(request: Request) -> Response:
        principal = authenticate(request)
        if not same_origin(request) or (principal is not None and principal.via == "session"
                                        and not await csrf_ok(request, principal)):
            return login_page_with(FORGED_SIGN_OUT, 403)
        if principal is not None and principal.via == "session":
            request.app.state.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
