"""``alignment-studio serve`` and ``token create/list/revoke`` as a user runs them: the console
script in a subprocess, the server called with the ``openai`` client."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import openai

from alignment_studio.cli.serve import is_loopback
from cli_run import SCRIPT, cli, one_line_error

TOKEN = re.compile(r"ast_[A-Za-z0-9_-]{43}")


@dataclass
class Server:
    """A running ``serve`` process and what it printed so far."""

    process: subprocess.Popen[str]
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)

    def wait_for(self, needle: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.out if needle in line), None)
            if found is not None:
                return found
            assert self.process.poll() is None, "".join(self.err)
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not printed: {self.out} {self.err}")


def _pump(stream: object, into: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line)


@contextmanager
def serving(*args: str | Path) -> Iterator[Server]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([str(SCRIPT), "serve", *map(str, args)], text=True, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server = Server(process)
    for stream, into in ((process.stdout, server.out), (process.stderr, server.err)):
        threading.Thread(target=_pump, args=(stream, into), daemon=True).start()
    try:
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_prints_a_token_once_and_serves_on_loopback(echo_ws: Path) -> None:
    with serving(echo_ws, "--port", "0") as server:
        url = server.wait_for("OpenAI-compatible API:").split()[-1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        printed = "".join(server.out)
        tokens = TOKEN.findall(printed)
        assert len(tokens) == 1 and "shown only this once" in printed
        assert "model base: fake:echo" in printed and "model aligned: not trained yet" in printed
        api = openai.OpenAI(base_url=url, api_key=tokens[0], max_retries=0)
        reply = api.chat.completions.create(
            model="base", messages=[{"role": "user", "content": "served by the CLI"}])
        assert reply.choices[0].message.content == "served by the CLI"
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=20) == 0
        assert not any(line.startswith("warning:") for line in server.err)
    with serving(echo_ws, "--port", "0") as again:
        again.wait_for("OpenAI-compatible API:")
        assert not TOKEN.findall("".join(again.out))  # tokens exist now: none is made or shown


def test_serve_flags_override_the_settings(echo_ws: Path) -> None:
    with serving(echo_ws, "--port", "0", "--model", "base", "--retrieval",
                 "--log-conversations") as server:
        server.wait_for("OpenAI-compatible API:")
        printed = "".join(server.out)
    assert "retrieval on, guard off, conversation logging on" in printed
    assert "model aligned" not in printed


def test_a_non_loopback_bind_warns(echo_ws: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert not is_loopback("example.org")
    with serving(echo_ws, "--host", "0.0.0.0", "--port", "0") as server:
        server.wait_for("OpenAI-compatible API:")
        time.sleep(0.2)
        warnings = [line for line in server.err if line.startswith("warning:")]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0]


def test_serve_refuses_bad_settings_in_one_line(echo_ws: Path) -> None:
    one_line_error(cli("serve", echo_ws, "--guard", "block", "--port", "0"),
                   "no trained violation detector", "--guard off")
    one_line_error(cli("serve", echo_ws, "--guard", "maybe"), "--guard")
    one_line_error(cli("serve", echo_ws, "--model", "biggest"), "--model", "'aligned'")
    one_line_error(cli("serve", echo_ws, "--port", "http"), "--port")
    one_line_error(cli("serve", echo_ws.parent / "nowhere"), "studio.yaml")


def test_tokens_are_made_listed_and_revoked(echo_ws: Path) -> None:
    made = cli("token", "create", echo_ws, "--name", "ci-bot", "--role", "reviewer")
    assert made.returncode == 0, made.stderr
    secret = TOKEN.findall(made.stdout)
    assert len(secret) == 1 and "shown only this once" in made.stdout
    listed = cli("token", "list", echo_ws)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "ci-bot" in line)
    token_id = row.split("\t")[0]
    assert row.split("\t")[1:3] == ["ci-bot", "reviewer"] and row.endswith("live")
    assert secret[0] not in listed.stdout and not TOKEN.search(listed.stdout)
    assert not re.search(r"[0-9a-f]{64}", listed.stdout)  # nor its hash
    revoked = cli("token", "revoke", echo_ws, token_id)
    assert revoked.returncode == 0 and "ci-bot" in revoked.stdout
    after = cli("token", "list", echo_ws).stdout
    assert "\trevoked " in next(line for line in after.splitlines() if "ci-bot" in line)

    one_line_error(cli("token", "revoke", echo_ws, token_id), f"no live token with ID {token_id}")
    one_line_error(cli("token", "revoke", echo_ws, "one"), "must be a number")
    one_line_error(cli("token", "create", echo_ws, "--name", "x", "--role", "root"), "--role")
    one_line_error(cli("token", "create", echo_ws, "--name", " "), "--name")
