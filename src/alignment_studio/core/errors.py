"""One error type whose message is a single line naming the file and the problem."""

from __future__ import annotations

from pathlib import Path


class StudioError(Exception):
    """A user-facing failure: bad input, missing model, bad config.

    The CLI prints ``str(error)`` as one line and exits non-zero; nothing else is printed.
    """

    def __init__(self, problem: str, path: Path | str | None = None, line: int | None = None):
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        text = " ".join(self.problem.split())
        return f"{where}: {text}" if where else text


class WorkerDone(Exception):  # noqa: N818 - a signal, not an error
    """A non-main process of a multi-GPU launch finished its share of training; only the main
    process (rank 0) writes artifacts, so the others stop here with exit code 0."""
