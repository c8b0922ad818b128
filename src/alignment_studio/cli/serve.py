"""serve DIR (the studio server under uvicorn) and token create / list / revoke."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import ValidationError

from alignment_studio.cli.guard import guard
from alignment_studio.core.errors import StudioError
from alignment_studio.stages import models
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings
from alignment_studio.workspace.db import Role

if TYPE_CHECKING:
    from fastapi import FastAPI

GuardAction = Literal["off", "block", "warn", "log"]


class ModelName(str, Enum):
    """A model a workspace serves (``stages.models.NAMES``; typer lists enum choices)."""

    base = "base"
    aligned = "aligned"
    aggregated = "aggregated"


def serve(directory: Path,
          host: Annotated[str | None, typer.Option(
              help="address to bind (default serve.host, 127.0.0.1)")] = None,
          port: Annotated[int | None, typer.Option(
              min=0, max=65535, help="port (default serve.port; 0 = any free port)")] = None,
          model: Annotated[list[ModelName] | None, typer.Option(
              "--model", "-m", help="a model to serve (repeatable; default "
              "serve.models)")] = None,
          retrieval: Annotated[bool | None, typer.Option(
              "--retrieval/--no-retrieval", help="retrieve policies and cite them "
              "(default serve.retrieval)")] = None,
          guard_action: Annotated[GuardAction | None, typer.Option(
              "--guard", help="the violation detector on input and output: block, warn, only "
              "log, or off (default serve.guard)")] = None,
          log_conversations: Annotated[bool | None, typer.Option(
              "--log-conversations/--no-log-conversations", help="store conversations, "
              "redacted, for 'monitor report' (default serve.log_conversations)")] = None,
          ) -> None:
    """Serve the web studio and the OpenAI-compatible API (/v1) of a workspace. Flags override
    studio.yaml's serve: section; the first start makes an admin token and prints it once."""
    ws = Workspace(directory)
    settings = override(ws.config.serve, host=host, port=port,
                        models=[m.value for m in model] if model else None,
                        retrieval=retrieval, guard=guard_action,
                        log_conversations=log_conversations)
    uvicorn = _require_server()
    from alignment_studio.server.app import create_app
    from alignment_studio.server.auth import ensure_admin_token
    from alignment_studio.server.http import uvicorn_config

    app = create_app(ws.root, settings)
    sock = bind(settings.host, settings.port)
    token = ensure_admin_token(app.state.db)
    if token is not None:
        typer.echo(f"admin token (shown only this once; keep it, or make another with "
                   f"'alignment-studio token create'): {token}")
    describe(app, settings, sock)
    server = uvicorn.Server(uvicorn_config(app, settings))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            app.state.pool.close()
    typer.echo("server stopped")


def override(settings: ServeSettings, **flags: Any) -> ServeSettings:
    """The settings with the flags that were given; a bad value is one line naming the flag."""
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return ServeSettings.model_validate(settings.model_dump() | given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StudioError(f"--{where.split('.')[0].replace('_', '-')}: {first['msg']}") from None


def _require_server() -> Any:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise StudioError(f"serving needs the '{exc.name}' package: pip install fastapi uvicorn "
                          "python-multipart") from None
    return uvicorn


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), made here so the real port can
    be printed before the server starts."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)  # connections made before uvicorn runs wait instead of failing
    except OSError as exc:
        raise StudioError(f"cannot listen on {host}:{port}: {exc}") from None
    return sock


def is_loopback(host: str) -> bool:
    """Whether ``host`` keeps the server on this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def describe(app: FastAPI, settings: ServeSettings, sock: socket.socket) -> None:
    """What is served, where: printed once at start."""
    url = url_of(sock)
    if not is_loopback(settings.host):
        typer.echo(f"warning: listening on {settings.host}, reachable from other machines; "
                   "put TLS in front of it (the default 127.0.0.1 keeps it on this machine)",
                   err=True)
    for served in models.served(app.state.workspace, settings.models):
        what = served.artifact or served.base
        typer.echo(f"model {served.id}: {what if served.available else 'not trained yet'}")
    typer.echo(f"retrieval {'on' if settings.retrieval else 'off'}, guard {settings.guard}, "
               f"conversation logging {'on' if settings.log_conversations else 'off'}")
    typer.echo(f"OpenAI-compatible API: {url}/v1")
    typer.echo(f"studio: {url}/ (Ctrl-C stops it)")


# --- tokens ------------------------------------------------------------------------------------

def create(directory: Path,
           name: Annotated[str, typer.Option(help="who or what holds the token")],
           role: Annotated[Role, typer.Option(
               help="viewer reads, reviewer also reviews and grades, admin also manages "
               "tokens")] = "viewer",
           ) -> None:
    """Make an access token and print it (only this once: only its hash is kept)."""
    from alignment_studio.server.auth import create_token

    if not name.strip():
        raise StudioError("--name must not be empty")
    text, token = create_token(_db(directory), name.strip(), role)
    typer.echo(f"token {token.id} for {token.name} ({token.role}); shown only this once:")
    typer.echo(text)


def list_(directory: Path) -> None:
    """The tokens: ID, holder, role, when made, whether revoked (never the secrets)."""
    tokens = _db(directory).list_tokens()
    if not tokens:
        typer.echo("no tokens yet: 'alignment-studio serve' makes an admin token on first start")
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "live"
        made = f"{t.created_at:%Y-%m-%d %H:%M}" if t.created_at else "?"
        typer.echo(f"{t.id}\t{t.name}\t{t.role}\tmade {made}\t{state}")


def revoke(directory: Path, token_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token: its requests get 403 and its sessions end, from now on."""
    if not token_id.isdigit():
        raise StudioError(f"token ID must be a number (see 'token list'), not {token_id!r}")
    token = _db(directory).revoke_token(int(token_id))
    typer.echo(f"revoked token {token.id} ({token.name}, {token.role})")


def _db(directory: Path) -> Any:
    return Workspace(directory).db


def register(app: typer.Typer) -> None:
    app.command()(guard(serve))
    group = typer.Typer(no_args_is_help=True, help="Access tokens of the studio server.")
    group.command("create")(guard(create))
    group.command("list")(guard(list_))
    group.command("revoke")(guard(revoke))
    app.add_typer(group, name="token")
