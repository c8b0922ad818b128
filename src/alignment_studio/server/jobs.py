"""Stages run from the web studio as background jobs: ``python -m alignment_studio.cli STAGE DIR``.

A job is the very command a person would type, in its own process (and process group), so a
stage started from the browser behaves exactly like one started in a shell: same caching, same
one-line errors, same exit codes. Only one job runs at a time per workspace: two stages writing
the same store at once would race for the same artifacts and the same CPU.

Its output (stdout and stderr together) is kept line by line, with terminal control codes
(colours, cursor moves) stripped and carriage-return redraws reduced to their last state, so
the page shows what a person would have read. Cancelling sends Ctrl-C first (the CLI then keeps
every finished artifact and exits 130), then SIGTERM, then SIGKILL, to the whole group.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.errors import StudioError

Stage = Literal["frame", "instruct", "audit", "run"]
STAGES: tuple[Stage, ...] = ("frame", "instruct", "audit", "run")
JobState = Literal["running", "succeeded", "failed", "cancelled"]
MAX_LINES = 5000  # the oldest lines go first; the count of dropped ones is kept
GRACE_S = 5.0  # between Ctrl-C, SIGTERM and SIGKILL when cancelling

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and two-byte escapes
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# wide, so that rich does not wrap lines the page wraps anyway
CHILD_ENV = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}


def clean_line(raw: str) -> str:
    """One output line as a person saw it: control codes removed, and of a line redrawn with
    carriage returns (a progress bar) only its last non-empty state."""
    text = ANSI.sub("", raw).rstrip("\r\n")
    states = [s for s in text.split("\r") if s.strip()]
    return states[-1].rstrip() if states else ""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Job(BaseModel):
    """One stage run: what was run, by whom, how it ended, and what it printed."""

    model_config = ConfigDict(extra="forbid")
    id: str
    stage: Stage
    command: list[str]
    started_by: str
    started_at: datetime
    ended_at: datetime | None = None
    state: JobState = "running"
    exit_code: int | None = Field(None, description="negative: killed by that signal")
    lines: list[str] = Field(default_factory=list)
    dropped_lines: int = Field(0, description="oldest lines dropped to keep MAX_LINES")

    @property
    def line_count(self) -> int:
        """Lines printed so far, the dropped ones included (offsets for ``since``)."""
        return self.dropped_lines + len(self.lines)

    def since(self, offset: int) -> list[str]:
        """The lines from ``offset`` (a line count seen earlier) on, as far as still kept."""
        return self.lines[max(0, offset - self.dropped_lines):]


class JobRunner:
    """The jobs of one workspace, in memory (they survive page reloads, not server restarts).

    Args:
        root: the workspace folder.
        python: the interpreter that runs the CLI (this one by default).
        env: variables added to the child's environment, over :data:`CHILD_ENV`.
    """

    def __init__(self, root: Path, python: str = sys.executable,
                 env: Mapping[str, str] | None = None):
        self.root = root.resolve()
        self.python = python
        self.env = {**os.environ, **CHILD_ENV, **(env or {})}
        self.jobs: dict[str, Job] = {}
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._cancelled: set[str] = set()
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def start(self, stage: str, started_by: str) -> Job:
        """Start ``stage``; a StudioError if the stage is unknown or a job is running."""
        if stage not in STAGES:
            raise StudioError(f"unknown stage {stage!r}: use {', '.join(STAGES)}")
        with self._lock:
            running = self.running()
            if running is not None:
                raise StudioError(f"job {running.id} ({running.stage}) is still running in this "
                                  "workspace: wait for it or cancel it first")
            command = [self.python, "-m", "alignment_studio.cli", stage, str(self.root)]
            job = Job(id=f"job-{next(self._ids)}", stage=stage,  # type: ignore[arg-type]
                      command=command, started_by=started_by, started_at=utc_now())
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.root, env=self.env,
                                    start_new_session=True)
            self.jobs[job.id] = job
            self._procs[job.id] = proc
            self._done[job.id] = threading.Event()
        threading.Thread(target=self._follow, args=(job, proc), daemon=True,
                         name=f"studio-{job.id}").start()
        return job

    def _follow(self, job: Job, proc: subprocess.Popen[bytes]) -> None:
        """Collect the output until the process ends, then record how it ended."""
        assert proc.stdout is not None
        self._read(job, proc.stdout)
        code = proc.wait()
        with self._lock:
            job.exit_code = code
            job.ended_at = utc_now()
            job.state = ("cancelled" if job.id in self._cancelled
                         else "succeeded" if code == 0 else "failed")
            self._procs.pop(job.id, None)
        self._done[job.id].set()

    def _read(self, job: Job, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            line = clean_line(raw.decode("utf-8", errors="replace"))
            if not line:
                continue
            with self._lock:
                job.lines.append(line)
                if len(job.lines) > MAX_LINES:
                    del job.lines[0]
                    job.dropped_lines += 1

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise StudioError(f"no job {job_id!r} in this server (jobs are kept until it stops)")
        return job

    def snapshot(self, job_id: str) -> Job:
        """A copy of the job taken while no output is being added (its lines and the count
        of dropped ones agree)."""
        job = self.get(job_id)
        with self._lock:
            return job.model_copy(update={"lines": list(job.lines)})

    def all(self) -> list[Job]:
        """Every job of this server, newest first."""
        return list(reversed(self.jobs.values()))

    def cancel(self, job_id: str) -> Job:
        """Stop a running job: Ctrl-C, then SIGTERM and SIGKILL if it does not end in time.
        Cancelling a job that has ended is an error."""
        job = self.get(job_id)
        with self._lock:
            proc = self._procs.get(job_id)
            if proc is None or job.state != "running":
                raise StudioError(f"job {job_id} is not running ({job.state})")
            self._cancelled.add(job_id)
        threading.Thread(target=self._stop, args=(job_id, proc), daemon=True).start()
        return job

    def _stop(self, job_id: str, proc: subprocess.Popen[bytes]) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            if self._done[job_id].wait(GRACE_S):
                return

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """The job once it has ended (or as it is when ``timeout`` seconds have passed)."""
        self.get(job_id)
        self._done[job_id].wait(timeout)
        return self.jobs[job_id]

    def close(self) -> None:
        """Cancel whatever still runs (the server is stopping)."""
        running = self.running()
        if running is not None:
            self.cancel(running.id)
            self.wait(running.id, 3 * GRACE_S)
