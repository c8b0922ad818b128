"""The server's answers to an attacker (issue 14), over real HTTP: links in the workspace,
JSON nested to exhaust the parser, cross-site sign-in and sign-out, slow headers, and the
security headers on responses made outside the routes."""

from __future__ import annotations

import hashlib
import hmac
import socket
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from serving import add_token, app_for, running

from alignment_studio.server.app import SECURITY_HEADERS
from alignment_studio.server.auth import SESSION_COOKIE
from alignment_studio.workspace.config import ServeSettings
from alignment_studio.workspace.db import DB_NAME, StudioDB

CHAT = {"model": "base", "messages": [{"role": "user", "content": "hello"}]}
REPORT = "<!doctype html><title>report</title><p>the published report</p>"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def site(url: str) -> str:
    return url.removesuffix("/v1")


def has_security_headers(response: httpx.Response) -> bool:
    return all(response.headers.get(name) for name in SECURITY_HEADERS)


# -- file routes and writers ---------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/etc/passwd", f"../.studio/{DB_NAME}"])
def test_a_report_that_is_a_link_is_not_served(echo_ws: Path, target: str) -> None:
    token = add_token(echo_ws)
    reports = echo_ws / "reports"
    reports.mkdir()
    (reports / "report.html").symlink_to(target)
    with running(app_for(echo_ws)) as url:
        answer = httpx.get(f"{site(url)}/report/file", headers=bearer(token))
    assert answer.status_code in (403, 404)
    assert "root:" not in answer.text and "SQLite format" not in answer.text
    assert has_security_headers(answer)


def test_a_reports_folder_that_is_a_link_is_not_served(echo_ws: Path, tmp_path: Path) -> None:
    token = add_token(echo_ws)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.html").write_text("outside the workspace")
    (echo_ws / "reports").symlink_to(elsewhere)
    with running(app_for(echo_ws)) as url:
        answer = httpx.get(f"{site(url)}/report/file", headers=bearer(token))
    assert answer.status_code == 404 and "outside the workspace" not in answer.text


def test_a_plain_report_is_served(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    (echo_ws / "reports").mkdir()
    (echo_ws / "reports" / "report.html").write_text(REPORT)
    with running(app_for(echo_ws)) as url:
        answer = httpx.get(f"{site(url)}/report/file", headers=bearer(token))
    assert answer.status_code == 200 and answer.text == REPORT
    assert "sandbox" in answer.headers["content-security-policy"]  # the report's own CSP kept


# -- JSON -----------------------------------------------------------------------------------------

@pytest.fixture()
def api(echo_ws: Path) -> tuple[FastAPI, str]:
    return app_for(echo_ws), add_token(echo_ws)


def test_json_nested_800_kb_deep_is_a_400_in_openai_shape(api: tuple[FastAPI, str]) -> None:
    app, token = api
    deep = b"[" * 800_000
    nested = ('{"model": "base", "messages": [{"role": "user", "content": "hi", "x": '
              + "[" * 100 + "]" * 100 + "}]}").encode()
    with running(app) as url:
        answers = [httpx.post(f"{url}/chat/completions", content=body,
                              headers={**bearer(token), "Content-Type": "application/json"})
                   for body in (deep, nested, b'{"model": "base", "messages": [')]
        web = httpx.post(f"{site(url)}/ui/api/chat", content=deep,
                         headers={"Content-Type": "application/json"})
        alive = httpx.post(f"{url}/chat/completions", json=CHAT, headers=bearer(token))
    for answer in answers:
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["type"] == "invalid_request_error" and error["message"]
        assert "code" in error and has_security_headers(answer)
    assert answers[0].json()["error"]["code"] == "json_too_deep"
    assert "not valid JSON" in answers[2].json()["error"]["message"]
    assert web.status_code == 400  # the web's JSON routes: FastAPI's 400, not a 500
    assert alive.status_code == 200


# -- CSRF on /login and /logout -------------------------------------------------------------------

CROSS_SITE = [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
              {"Origin": "null"}, {"Sec-Fetch-Site": "same-site"}]


def test_cross_site_sign_in_is_refused(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws)) as url:
        host = url.removeprefix("http://").removesuffix("/v1")
        refused = [httpx.post(f"{site(url)}/login", data={"token": token}, headers=h)
                   for h in CROSS_SITE]
        same = [httpx.post(f"{site(url)}/login", data={"token": token}, headers=h)
                for h in ({"Origin": f"http://{host}"}, {"Sec-Fetch-Site": "same-origin"},
                          {})]
    for answer in refused:
        assert answer.status_code == 403 and SESSION_COOKIE not in answer.cookies
        assert has_security_headers(answer)
    assert all(a.status_code == 303 and a.cookies.get(SESSION_COOKIE) for a in same)


def test_sign_out_needs_the_session_csrf_token_and_the_same_origin(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    app = app_for(echo_ws)
    with running(app) as url:
        web = httpx.Client(base_url=site(url))
        assert web.post("/login", data={"token": token}).status_code == 303
        csrf = app.state.sessions.get(web.cookies[SESSION_COOKIE]).csrf
        assert web.post("/logout").status_code == 403  # no CSRF token: a forged sign-out
        assert web.post("/logout", data={"csrf": csrf},
                        headers={"Origin": "https://evil.example"}).status_code == 403
        assert web.get("/v1/models").status_code == 200  # still signed in
        out = web.post("/logout", data={"csrf": csrf})
        assert out.status_code == 303 and web.get("/v1/models").status_code == 401
        web.close()


# -- slow headers ---------------------------------------------------------------------------------

def closed_after(sock: socket.socket, limit_s: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closed ``sock`` (None: still open at ``limit_s``), sending
    ``trickle`` a byte at a time meanwhile, as a slowloris client does."""
    start = time.monotonic()
    sock.settimeout(0.1)
    sent = 0
    while time.monotonic() - start < limit_s:
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent:sent + 1])
            except OSError:
                return time.monotonic() - start
            sent += 1
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def test_a_connection_whose_headers_never_end_is_closed(echo_ws: Path) -> None:
    settings = ServeSettings(models=["base"], header_timeout_s=0.5)
    token = add_token(echo_ws)
    with running(app_for(echo_ws, settings)) as url:
        host, port = url.removeprefix("http://").removesuffix("/v1").split(":")
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n")
            waited = closed_after(slow, 5.0, trickle=b"X-Slow: " + b"a" * 200)
        with socket.create_connection((host, int(port))) as idle:
            waited_idle = closed_after(idle, 5.0)
        normal = httpx.get(f"{url}/models", headers=bearer(token))
    assert waited is not None and waited < 3.0, waited
    assert waited_idle is not None and waited_idle < 3.0, waited_idle
    assert normal.status_code == 200  # a client that sends its headers is served


def test_the_header_deadline_is_read_from_the_settings() -> None:
    assert ServeSettings().header_timeout_s == 10.0
    with pytest.raises(ValueError):
        ServeSettings(header_timeout_s=0)


# -- security headers outside the routes ---------------------------------------------------------

def test_errors_made_outside_the_routes_carry_the_security_headers(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    app = app_for(echo_ws, ServeSettings(models=["base"], max_body_bytes=2048))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    with running(app) as url:
        too_large = httpx.post(f"{url}/chat/completions", content=b"x" * 4096,
                               headers=bearer(token))
        missing = httpx.get(f"{site(url)}/no-such-page")
        failed = httpx.get(f"{site(url)}/boom")
        refused = httpx.get(f"{url}/models")
    assert [too_large.status_code, missing.status_code, failed.status_code,
            refused.status_code] == [413, 404, 500, 401]
    for answer in (too_large, missing, failed, refused):
        assert has_security_headers(answer), (answer.status_code, answer.headers)



# -- tokens at rest --------------------------------------------------------------------------------

def test_tokens_are_stored_as_hmac_under_the_workspace_key(echo_ws: Path) -> None:
    token = add_token(echo_ws, name="ana")
    db = StudioDB(echo_ws)
    [stored] = db.list_tokens()
    assert stored.hash_scheme == "hmac-sha256"
    assert stored.token_hash == hmac.new(db.token_key(), token.encode(), hashlib.sha256).hexdigest()
    assert stored.token_hash != hashlib.sha256(token.encode()).hexdigest()


def test_a_token_made_by_an_older_version_keeps_working_and_is_rehashed(echo_ws: Path) -> None:
    db = StudioDB(echo_ws)
    old_text, gone_text = "ast_made-before-keyed-digests", "ast_revoked-before"
    raw = sqlite3.connect(db.path)  # rows as an older version wrote them
    with raw:
        for name, text, revoked in (("old", old_text, None), ("gone", gone_text, "2024-01-01")):
            raw.execute("INSERT INTO tokens (created_at, name, role, token_hash, hash_scheme, "
                        "revoked_at) VALUES ('2024-01-01T00:00:00+00:00', ?, 'viewer', ?, "
                        "'sha256', ?)", (name, hashlib.sha256(text.encode()).hexdigest(), revoked))
    raw.close()
    with running(app_for(echo_ws)) as url:
        first = httpx.get(f"{url}/models", headers=bearer(old_text))
        again = httpx.get(f"{url}/models", headers=bearer(old_text))
        signed_in = httpx.post(f"{site(url)}/login", data={"token": old_text})
        revoked = httpx.get(f"{url}/models", headers=bearer(gone_text))
        unknown = httpx.get(f"{url}/models", headers=bearer("ast_unknown"))
    assert first.status_code == again.status_code == 200 and signed_in.status_code == 303
    rows = {t.name: t for t in db.list_tokens()}
    assert rows["old"].hash_scheme == "hmac-sha256"  # moved to the keyed digest on first use
    assert rows["old"].token_hash == hmac.new(db.token_key(), old_text.encode(),
                                              hashlib.sha256).hexdigest()
    assert rows["gone"].hash_scheme == "sha256"  # a revoked token is never rehashed
    assert revoked.status_code == unknown.status_code == 401 and revoked.content == unknown.content
