"""Library noise stays out of the terminal: warnings, transformers' and datasets' logs and
their progress bars go to the workspace's .studio/logs/third-party.log (or are off), while the
studio's own lines and errors still reach the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alignment_studio.cli.logs import LOG_FILE
from cli_run import cli

NOISE = ("FutureWarning", "Tokenizing", "Packing", "Loading weights", "[transformers]",
         "Saving the dataset")

# What a training run's libraries do, without training: warn, log through transformers' and
# datasets' loggers, and run a datasets map (TRL's tokenizing bar) and a transformers bar.
SCRIPT = """
import logging, sys, warnings
from pathlib import Path
from alignment_studio.cli import logs
logs.start()
logs.attach(Path(sys.argv[1]))
warnings.warn("`old_arg` is deprecated", FutureWarning)
from transformers.utils import logging as hf_logging
hf_logging.get_logger("transformers.modeling_utils").warning("Loading weights: 100%")
for _ in hf_logging.tqdm(range(3), desc="Loading weights"):
    pass
import datasets
datasets.Dataset.from_dict({"x": [1, 2]}).map(lambda r: r, desc="Tokenizing train dataset")
logging.getLogger("alignment_studio.guard").warning("guard flagged output")
print("studio line")
"""


def test_library_noise_goes_to_the_workspace_log(workspace: Path) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(workspace)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr
    for noise in NOISE:
        assert noise not in shown, shown
    assert result.stdout == "studio line\n"
    assert "guard flagged output" in result.stderr  # the studio's own warnings stay visible
    log = (workspace / LOG_FILE).read_text("utf-8")
    assert "FutureWarning: `old_arg` is deprecated" in log
    assert "[transformers.modeling_utils] Loading weights: 100%" in log
    assert "guard flagged output" in log


def test_a_stage_run_from_the_cli_is_quiet_and_logs(workspace: Path) -> None:
    result = cli("frame", workspace)
    assert result.returncode == 0, result.stderr
    for noise in NOISE:
        assert noise not in result.stdout + result.stderr
    assert (workspace / LOG_FILE).is_file()


def test_without_a_workspace_records_reach_stderr_at_exit(tmp_path: Path) -> None:
    script = ("import warnings\nfrom alignment_studio.cli import logs\nlogs.start()\n"
              f"logs.attach(__import__('pathlib').Path({str(tmp_path)!r}))\n"
              "warnings.warn('kept for later', FutureWarning)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert "kept for later" in result.stderr
    assert not (tmp_path / ".studio").exists()  # not a workspace: nothing written in it
