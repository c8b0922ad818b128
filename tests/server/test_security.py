"""Security of the serving API over real HTTP: tokens, revocation, sessions with CSRF, request
size limits, loopback by default, and no file reachable through a path parameter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from serving import add_token, app_for, running

from alignment_studio.server.auth import CSRF_HEADER, SESSION_COOKIE
from alignment_studio.workspace.config import ServeSettings
from alignment_studio.workspace.db import StudioDB

CHAT = {"model": "base", "messages": [{"role": "user", "content": "hello"}]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_or_a_wrong_one_is_401(echo_ws: Path) -> None:
    add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        bare = httpx.post(f"{url}/chat/completions", json=CHAT)
        assert bare.status_code == 401
        assert bare.headers["www-authenticate"] == "Bearer"
        assert bare.json()["error"]["type"] == "authentication_error"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url, api_key="ast_not-a-token", max_retries=0).models.list()


def test_a_revoked_token_is_answered_as_an_unknown_one_and_its_sessions_end(
        echo_ws: Path) -> None:
    token = add_token(echo_ws, name="leaver")
    db = StudioDB(echo_ws)
    app = app_for(echo_ws)
    with running(app) as url:
        api = openai.OpenAI(base_url=url, api_key=token, max_retries=0)
        assert [m.id for m in api.models.list().data] == ["base"]
        web = httpx.Client(base_url=url.removesuffix("/v1"))
        assert web.post("/login", data={"token": token}).status_code == 303
        assert web.get("/v1/models").status_code == 200  # the session works
        db.revoke_token(next(t.id for t in db.list_tokens() if t.name == "leaver"))
        with pytest.raises(openai.AuthenticationError):
            api.models.list()
        assert web.get("/v1/models").status_code == 401  # signed out by the revocation
        web.close()
        revoked = [httpx.post(f"{url}/chat/completions", json=CHAT, headers=bearer(token)),
                   httpx.post(f"{url.removesuffix('/v1')}/login", data={"token": token})]
        unknown = [httpx.post(f"{url}/chat/completions", json=CHAT,
                              headers=bearer("ast_never-made")),
                   httpx.post(f"{url.removesuffix('/v1')}/login", data={"token": "ast_x"})]
    for gone, never in zip(revoked, unknown, strict=True):
        assert gone.status_code == never.status_code == 401
        assert gone.content == never.content
        assert gone.headers.get("www-authenticate") == never.headers.get("www-authenticate")


def test_login_with_a_bad_token_is_401(echo_ws: Path) -> None:
    add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        page = httpx.post(url.removesuffix("/v1") + "/login", data={"token": "ast_wrong"})
    assert page.status_code == 401 and SESSION_COOKIE not in page.cookies


@pytest.fixture()
def session(echo_ws: Path) -> Iterator[tuple[httpx.Client, str]]:
    """A signed-in browser-like client (session cookie, no bearer token) and its CSRF token."""
    token = add_token(echo_ws)
    app = app_for(echo_ws)
    with running(app) as url:
        web = httpx.Client(base_url=url.removesuffix("/v1"), timeout=30)
        signed_in = web.post("/login", data={"token": token})
        assert signed_in.status_code == 303 and web.cookies.get(SESSION_COOKIE)
        held = app.state.sessions.get(web.cookies[SESSION_COOKIE])
        yield web, held.csrf
        web.close()


def test_cookie_sessions_need_the_csrf_token_on_post(session: tuple[httpx.Client, str]) -> None:
    web, csrf = session
    assert web.get("/v1/models").status_code == 200  # reading needs no CSRF token
    without = web.post("/v1/chat/completions", json=CHAT)
    assert without.status_code == 403 and "CSRF" in without.json()["error"]["message"]
    wrong = web.post("/v1/chat/completions", json=CHAT, headers={CSRF_HEADER: "x" + csrf})
    assert wrong.status_code == 403
    odd = web.post("/v1/chat/completions", json=CHAT,
                   headers={CSRF_HEADER: "caf\xe9".encode("latin-1")})  # not ASCII: 403, no 500
    assert odd.status_code == 403
    right = web.post("/v1/chat/completions", json=CHAT, headers={CSRF_HEADER: csrf})
    assert right.status_code == 200 and right.json()["choices"][0]["message"]["content"] == "hello"


def test_bodies_over_the_limit_are_413(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    limit = 2048
    app = app_for(echo_ws, ServeSettings(models=["base"], max_body_bytes=limit))
    big = b'{"model": "base", "messages": [{"role": "user", "content": "' + b"a" * limit + b'"}]}'

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit must count as it reads
        for start in range(0, len(big), 512):
            yield big[start:start + 512]

    with running(app) as url:
        declared = httpx.post(f"{url}/chat/completions", content=big, headers=bearer(token))
        streamed = httpx.post(f"{url}/chat/completions", content=chunked(), headers=bearer(token))
        small = httpx.post(f"{url}/chat/completions", json=CHAT, headers=bearer(token))
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "request_too_large"
    assert "content-length" not in streamed.request.headers
    assert streamed.request.headers["transfer-encoding"] == "chunked"
    assert streamed.status_code == 413
    assert small.status_code == 200


def test_the_default_bind_is_loopback() -> None:
    assert ServeSettings().host == "127.0.0.1"


def test_no_file_is_reachable_through_a_path_parameter(echo_ws: Path) -> None:
    """The API has one path parameter (a model name); it names models, never files."""
    token = add_token(echo_ws)
    secret = (echo_ws / "studio.yaml").read_text()
    with running(app_for(echo_ws)) as url:
        for probe in ("..%2Fstudio.yaml", "..%2F..%2Fws%2Fstudio.yaml", "%2e%2e%2fstudio.yaml",
                      "..%252Fstudio.yaml", "..\\studio.yaml"):
            answer = httpx.get(f"{url}/models/{probe}", headers=bearer(token))
            assert answer.status_code == 404, probe
            assert "studio:" not in answer.text and secret[:40] not in answer.text


def test_responses_carry_the_security_headers(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        answer = httpx.get(f"{url}/models", headers=bearer(token))
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
