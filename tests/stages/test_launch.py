"""Multi-GPU launches (accelerate / torchrun set RANK and WORLD_SIZE): every rank trains, only
rank 0 writes the model artifact; a launch without a framed data set stops with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from alignment_studio.stages.init import demo_config, init_workspace
from cli_run import SCRIPT, one_line_error

pytestmark = pytest.mark.slow


def launch(ws: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), command, str(ws)], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "COLUMNS": "200", **env})


def test_ranks_train_and_only_rank_0_commits(tmp_path: Path, example_policy: Path) -> None:
    shutil.copy(example_policy, tmp_path / "guidelines.md")
    config = demo_config(tmp_path, quick=True)
    config.frame.teacher_policies = 0
    config.train.max_train_examples = 2
    config.train.max_steps = 1
    config.train.max_length = 128
    ws = tmp_path / "ws"
    init_workspace(ws, [tmp_path / "guidelines.md"], [], config)

    early = launch(ws, "instruct", WORLD_SIZE="2", RANK="0")
    one_line_error(early, "run 'alignment-studio frame DIR' once")
    assert launch(ws, "frame").returncode == 0

    worker = launch(ws, "instruct", RANK="1")
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert not list((ws / ".studio" / "artifacts").glob("model-*"))  # a worker writes nothing
    main = launch(ws, "instruct", RANK="0")
    assert main.returncode == 0, main.stderr[-2000:]
    assert len(list((ws / ".studio" / "artifacts").glob("model-*/adapter"))) == 1
