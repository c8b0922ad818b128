"""Ctrl-C in the middle of teacher generation: exit 130, earlier artifacts kept, rerun continues."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alignment_studio.stages.init import demo_config, init_workspace

pytestmark = pytest.mark.slow
SCRIPT = Path(sys.executable).with_name("alignment-studio")


def test_sigint_during_frame_then_rerun_continues(tmp_path: Path, example_policy: Path,
                                                  example_seeds: Path) -> None:
    shutil.copy(example_policy, tmp_path / "guidelines.md")
    config = demo_config(tmp_path, quick=True)
    config.frame.teacher_policies = 8  # 16 teacher calls, journaled 8 at a time
    config.frame.teacher_max_new_tokens = 24
    config.teacher.batch_size = 8
    ws = tmp_path / "ws"
    init_workspace(ws, [tmp_path / "guidelines.md"], [], config)
    # a shell's background job starts with SIGINT ignored, and a child would inherit that:
    # give the child the default handler, as a terminal's Ctrl-C finds it
    proc = subprocess.Popen([str(SCRIPT), "frame", str(ws)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = None
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        found = list((ws / ".studio" / "work").glob("dataset-*/teacher.jsonl"))
        if found and found[0].read_text().count("\n") >= 8:
            journal = found[0]
            break
        time.sleep(0.2)
    assert journal is not None, proc.communicate()[1][-2000:]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err
    first_lines = journal.read_text().splitlines()
    assert 8 <= len(first_lines) < 16
    artifacts = sorted(p.name for p in (ws / ".studio" / "artifacts").iterdir())
    assert artifacts and all(a.startswith("document-") for a in artifacts)

    rerun = subprocess.run([str(SCRIPT), "frame", str(ws)], capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"resuming, {len(first_lines)} of 16 calls already done" in rerun.stderr
    assert set(artifacts) < {p.name for p in (ws / ".studio" / "artifacts").iterdir()}
    dataset = next((ws / ".studio" / "artifacts").glob("dataset-*/dataset.jsonl"))
    assert '"source":"teacher"' in dataset.read_text()
    assert not journal.exists()  # the work folder is cleared once the artifact is committed
