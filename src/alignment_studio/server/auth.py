"""Who may do what in the studio server: tokens, roles, sessions and CSRF.

- A token is a random secret (``ast_`` + 32 url-safe bytes). Only its HMAC-SHA-256, keyed
  with the workspace's secret (``.studio/token.key``, outside the database), is stored in the
  workspace database; the text is shown once, when it is made. Tokens stored as a plain SHA-256
  by earlier versions keep working and get the keyed digest on their next use. The first start
  of a server on a workspace without tokens makes an admin token and prints it. A revoked
  token is answered exactly as an unknown one.
- Roles are ordered: viewer (read, chat) < reviewer (review data, grade, red-team) < admin (run
  stages, manage tokens). ``require(role)`` is the FastAPI dependency every route uses.
- Programs send ``Authorization: Bearer <token>`` (the ``openai`` client does, from its
  ``api_key``). People sign in on /login with their token and get a session cookie (HttpOnly,
  SameSite=Strict, random, held in server memory); every unsafe request made with the cookie must
  carry that session's CSRF token, in the ``X-CSRF-Token`` header or a ``csrf`` form field.
  /login and /logout also refuse a browser's cross-site request (``Sec-Fetch-Site`` or
  ``Origin`` naming another site), so no other site can sign a visitor in or out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict

from alignment_studio.workspace.db import ROLE_RANK, Role, StudioDB, Token

SESSION_COOKIE = "studio_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TTL_S = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Principal(BaseModel):
    """The caller of a request: a token holder, by bearer token or by session."""

    model_config = ConfigDict(extra="forbid")
    name: str
    role: Role
    via: Literal["bearer", "session"]
    csrf: str | None = None

    def may(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def new_token() -> str:
    return "ast_" + secrets.token_urlsafe(32)


def token_hash(token: str, key: bytes) -> str:
    """The stored digest of a token: HMAC-SHA-256 under the workspace's secret key."""
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_hash(token: str) -> str:
    """The plain SHA-256 that tokens made before the keyed digest were stored as."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: StudioDB, name: str, role: Role) -> tuple[str, Token]:
    """A new token's text (to show once) and its stored record."""
    text = new_token()
    return text, db.add_token(Token(name=name, role=role,
                                    token_hash=token_hash(text, db.token_key())))


def find_token(db: StudioDB, text: str) -> Token | None:
    """The live token whose text this is; None for an unknown or a revoked one alike. A token
    still stored as a plain SHA-256 is found too, and its digest replaced by the keyed one."""
    digest = token_hash(text, db.token_key())
    found = db.token_by_hash(digest)
    if found is not None:
        return found
    old = legacy_hash(text)
    legacy = db.token_by_hash(old, scheme="sha256")
    if legacy is None or legacy.id is None:
        return None
    return db.rehash_token(legacy.id, old, digest) or db.token_by_hash(digest)


def ensure_admin_token(db: StudioDB) -> str | None:
    """On a workspace without any token, make an admin token and return its text (to print
    once); None when tokens exist already."""
    if db.list_tokens():
        return None
    text, _ = create_token(db, "admin", "admin")
    return text


@dataclass
class Session:
    name: str
    role: Role
    csrf: str
    expires: float
    token_id: int | None = None  # the token signed in with: revoking it ends the session


@dataclass
class Sessions:
    """Signed-in people, in server memory (a restart signs everyone out)."""

    ttl_s: float = SESSION_TTL_S
    items: dict[str, Session] = field(default_factory=dict)

    def open(self, token: Token) -> tuple[str, Session]:
        now = time.time()
        for stale in [k for k, v in self.items.items() if v.expires < now]:
            del self.items[stale]  # sessions never used again would otherwise pile up
        sid = secrets.token_urlsafe(32)
        session = Session(name=token.name, role=token.role, csrf=secrets.token_urlsafe(24),
                          expires=time.time() + self.ttl_s, token_id=token.id)
        self.items[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        session = self.items.get(sid or "")
        if session is None or session.expires < time.time():
            self.items.pop(sid or "", None)
            return None
        return session

    def close(self, sid: str | None) -> None:
        self.items.pop(sid or "", None)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(request: Request) -> Principal | None:
    """The caller, from a bearer token or a session cookie; None when neither is valid."""
    db: StudioDB = request.app.state.db
    text = bearer(request)
    if text is not None:
        token = find_token(db, text)
        return Principal(name=token.name, role=token.role, via="bearer") if token else None
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(SESSION_COOKIE)
    session = sessions.get(sid)
    if session is None:
        return None
    if session.token_id is not None and not any(
            t.id == session.token_id and t.revoked_at is None for t in db.list_tokens()):
        sessions.close(sid)  # its token was revoked since sign-in
        return None
    return Principal(name=session.name, role=session.role, via="session", csrf=session.csrf)


async def csrf_ok(request: Request, principal: Principal) -> bool:
    """Unsafe methods with a session cookie need the session's CSRF token (header or form);
    bearer calls carry no ambient credential and need none."""
    if principal.via == "bearer" or request.method in SAFE_METHODS:
        return True
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    # bytes: compare_digest refuses str with non-ASCII characters (a header may carry them)
    return bool(sent) and hmac.compare_digest((sent or "").encode("utf-8"),
                                              (principal.csrf or "").encode("utf-8"))


def same_origin(request: Request) -> bool:
    """Whether a request comes from this server's own pages, by what browsers send with a
    POST: ``Sec-Fetch-Site`` when they send it (same-origin, or none when the user acted
    directly), else ``Origin``, whose host must be the request's Host (or the
    X-Forwarded-Host a proxy set; a cross-site page cannot set that header without a CORS
    preflight this server never grants). A client that sends neither (curl, a script) is not
    a browser acting for someone else, and passes."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    scheme, sep, rest = origin.lower().partition("://")
    hosts = {request.headers.get(h, "").lower() for h in ("host", "x-forwarded-host")} - {""}
    return bool(sep) and scheme in ("http", "https") and rest.rstrip("/") in hosts


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the caller, who must hold at least ``role`` (401 without valid
    credentials, 403 with too low a role or a missing CSRF token). A revoked token gets the
    unknown one's 401, word for word: the answer does not tell which tokens once existed."""

    async def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal is None:
            raise HTTPException(401, "sign in: a bearer token or a session is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        if not principal.may(role):
            raise HTTPException(403, f"this needs the {role} role; you are {principal.role}")
        if not await csrf_ok(request, principal):
            raise HTTPException(403, "missing or wrong CSRF token")
        request.state.principal = principal
        return principal

    return dependency
