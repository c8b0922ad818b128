"""The HTTP server under the app: uvicorn's settings, and a deadline for request headers.

uvicorn closes a connection that idles between requests (``timeout_keep_alive``) but waits for
the headers of a request without limit: a client that sends one header byte a minute
(slowloris) holds a connection, and its memory, for as long as it likes. Here the headers of
every request must be complete within ``serve.header_timeout_s`` of the connection opening or
of the previous response ending, or the connection is closed. The headers' size is capped as
well (``MAX_HEADER_BYTES``; h11 answers 431 beyond it). Bodies are limited by
``serve.max_body_bytes`` (see app.py); their pace is not, since a large upload may be slow.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from alignment_studio.workspace.config import ServeSettings

MAX_HEADER_BYTES = 64 * 1024
GRACEFUL_SHUTDOWN_S = 5


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing the connection when a request's headers are not all
    in by ``header_timeout_s`` (a subclass per setting: see :func:`with_header_deadline`)."""

    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # this request's headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # for the next request's headers; a pipelined one disarms it at once
        super().on_response_complete()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.logger.info("closed a connection whose request headers took over %ss",
                             self.header_timeout_s)
            self.transport.close()


def with_header_deadline(seconds: float) -> type[HeaderDeadline]:
    """The protocol class for a header deadline of ``seconds``."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_timeout_s": seconds})


def uvicorn_config(app: Any, settings: ServeSettings, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for the studio server: the header deadline and size cap, a short
    keep-alive, and ``options`` (log_level, lifespan, ...) on top."""
    defaults: dict[str, Any] = {
        "log_level": "warning", "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "timeout_keep_alive": 5, "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }
    return uvicorn.Config(app, http=with_header_deadline(settings.header_timeout_s),
                          **(defaults | options))
