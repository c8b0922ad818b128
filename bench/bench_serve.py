"""Load on the serving API: concurrent clients on loopback, bounded in count and in time.

A workspace on the bundled example serves its base model (the fake "echo" model by default, or
the embedded SmolLM2-135M with ``--embedded``) through the real server under uvicorn, in a
thread of this process on 127.0.0.1. Each of N clients sends its requests one after another;
every request carries a unique nonce. Reported: latency percentiles, requests/s, errors, lost
requests (sent - answered), wrong answers (an answer holding another request's nonce: must be
0), answers missing their own nonce (must be 0 for echo; for the real model it measures the
model's copying, not the server), and the micro-batch sizes the pool ran.

    .venv/bin/python bench/bench_serve.py [--embedded] [--clients N] [--requests R]
                                          [--seconds S] [--stream-every K]

Exits 1 when a request was lost or answered with another's content. The clients share the
server's process (and its GIL), so requests/s is a floor for a server on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from alignment_studio.backends import FakeSpec, HFSpec
from alignment_studio.server.app import create_app
from alignment_studio.server.auth import create_token
from alignment_studio.stages.init import example_dir, init_workspace
from alignment_studio.workspace.config import ServeSettings, StudioConfig
from alignment_studio.workspace.db import StudioDB

NONCE = re.compile(r"N\d{3}x\d{4}x[0-9a-f]{8}")


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    answered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    wrong: int = 0
    missing: int = 0
    streamed: int = 0


def workspace(root: Path, embedded: bool) -> Path:
    shutil.copy(example_dir() / "guidelines.md", root / "guidelines.md")
    config = StudioConfig(name="bench-serve")
    config.student = HFSpec() if embedded else FakeSpec(model="echo")
    init_workspace(root / "ws", [root / "guidelines.md"], [], config)
    return root / "ws"


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` under uvicorn in a thread, on a free loopback port; yields the API base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def prompt(nonce: str, embedded: bool) -> str:
    return f"Repeat this code exactly, and nothing else: {nonce}" if embedded else nonce


async def ask(http: httpx.AsyncClient, nonce: str, args: argparse.Namespace,
              stream: bool, tally: Tally) -> None:
    body = {"model": "base", "max_tokens": args.max_tokens, "stream": stream,
            "messages": [{"role": "user", "content": prompt(nonce, args.embedded)}]}
    tally.sent += 1
    start = time.perf_counter()
    try:
        text = await (read_stream(http, body) if stream else read_whole(http, body))
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        tally.errors[type(exc).__name__] += 1
        return
    tally.latencies.append(time.perf_counter() - start)
    tally.answered += 1
    tally.streamed += stream
    seen = set(NONCE.findall(text))
    tally.wrong += bool(seen - {nonce})
    tally.missing += nonce not in seen


async def read_whole(http: httpx.AsyncClient, body: dict[str, object]) -> str:
    reply = await http.post("/chat/completions", json=body)
    if reply.status_code != 200:
        raise ValueError(f"HTTP {reply.status_code}")
    return str(reply.json()["choices"][0]["message"]["content"])


async def read_stream(http: httpx.AsyncClient, body: dict[str, object]) -> str:
    import json

    pieces: list[str] = []
    async with http.stream("POST", "/chat/completions", json=body) as reply:
        if reply.status_code != 200:
            raise ValueError(f"HTTP {reply.status_code}")
        async for line in reply.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                event = json.loads(line[6:])
                if "error" in event:
                    raise ValueError(event["error"]["message"])
                pieces.extend(c["delta"].get("content") or "" for c in event["choices"])
    return "".join(pieces)


async def client(index: int, http: httpx.AsyncClient, args: argparse.Namespace,
                 deadline: float, tally: Tally) -> None:
    for j in range(args.requests):
        if time.perf_counter() > deadline:
            return
        nonce = f"N{index:03d}x{j:04d}x{uuid.uuid4().hex[:8]}"
        stream = bool(args.stream_every) and (index + j) % args.stream_every == 0
        await ask(http, nonce, args, stream, tally)


async def load(url: str, token: str, args: argparse.Namespace) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=args.seconds,
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(i, http, args, start + args.seconds, tally)
                               for i in range(args.clients)))
        return tally, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def report(tally: Tally, wall: float, batches: Counter[int], args: argparse.Namespace) -> None:
    model = "embedded SmolLM2-135M (base)" if args.embedded else "fake echo"
    print(f"{args.clients} clients x up to {args.requests} requests, {args.seconds:g} s cap, "
          f"{model}, batch_size {args.batch_size}, batch_wait {args.batch_wait_ms:g} ms")
    if tally.latencies:
        ms = [x * 1000 for x in tally.latencies]
        print(f"latency ms: p50 {percentile(ms, 50):.1f}  p90 {percentile(ms, 90):.1f}  "
              f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}")
    print(f"answered {tally.answered} of {tally.sent} sent ({tally.streamed} streamed) in "
          f"{wall:.2f} s: {tally.answered / wall:.1f} requests/s")
    print(f"errors {sum(tally.errors.values())} {dict(tally.errors) or ''}".rstrip())
    print(f"lost (sent - answered) {tally.sent - tally.answered}, "
          f"wrong (another request's nonce) {tally.wrong}, "
          f"missing own nonce {tally.missing}")
    sizes = ", ".join(f"{size}: {count}" for size, count in sorted(batches.items()))
    print(f"batches by size: {sizes or 'none'} (mean "
          f"{sum(s * c for s, c in batches.items()) / max(1, sum(batches.values())):.2f})")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedded", action="store_true", help="the real embedded model")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=None, help="requests per client")
    parser.add_argument("--seconds", type=float, default=60.0, help="time cap")
    parser.add_argument("--stream-every", type=int, default=5,
                        help="every K-th request streams (0: none)")
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--batch-wait-ms", type=float, default=10.0)
    args = parser.parse_args()
    args.clients = args.clients or (4 if args.embedded else 16)
    args.requests = args.requests or (2 if args.embedded else 25)
    return args


def main() -> int:
    args = arguments()
    settings = ServeSettings(models=["base"], batch_size=args.batch_size,
                             batch_wait_ms=args.batch_wait_ms, max_new_tokens=args.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace(Path(tmp), args.embedded)
        token, _ = create_token(StudioDB(root), "bench", "viewer")
        app = create_app(root, settings)
        asyncio.run(app.state.pool.backend("base"))  # loaded before the clock starts
        with serving(app) as url:
            tally, wall = asyncio.run(load(url, token, args))
        app.state.pool.close()
    report(tally, wall, app.state.pool.batch_sizes.get("base", Counter()), args)
    failed = tally.sent - tally.answered or tally.wrong or (tally.missing and not args.embedded)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
