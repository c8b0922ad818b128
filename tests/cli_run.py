"""Run the console script as a user runs it, and check one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("alignment-studio")


def cli(*args: str | Path, cwd: Path | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 2 and exactly one 'error: ' line, the last one (no traceback), naming the needles."""
    assert result.returncode == 2, result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
