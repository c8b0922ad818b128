"""alignment-studio reward: one reward model per declared value, trained for real (tiny)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.workspace.config import StudioConfig
from cli_run import cli

pytestmark = pytest.mark.slow
Trained = Callable[[Callable[[StudioConfig], None]], Path]  # the fixture in conftest.py


def test_reward_models_per_value(trained: Trained) -> None:
    def configure(config: StudioConfig) -> None:
        config.reward.enabled = True
        config.reward.max_steps = 2
        config.reward.batch_size = 2
        config.reward.max_length = 128
        config.reward.lora_r = 4

    ws = trained(configure)
    first = cli("reward", ws)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "reward model integrity: 2 steps" in first.stdout
    assert "reward model conduct: 2 steps" in first.stdout
    [folder] = list((ws / ".studio" / "artifacts").glob("reward-*"))
    groups = json.loads((folder / "groups.json").read_text())
    assert [(g["name"], g["weight"]) for g in groups] == [("integrity", 2.0), ("conduct", 1.0)]
    for name in ("integrity", "conduct"):
        log = json.loads((folder / name / "reward_log.json").read_text())
        assert log["steps"] == 2 and log["train_pairs"] > 0
    again = cli("reward", ws)
    assert again.returncode == 0 and "reusing" in again.stderr

    audit = cli("audit", ws)  # the audit scores both models' answers with the reward models
    assert audit.returncode == 0, audit.stderr[-2000:]
    report = json.loads((ws / "reports" / "report.json").read_text())
    for name in ("base", "aligned"):
        metrics = {s["metric"] for s in report["summary"][name]}
        assert {"reward:integrity", "reward:conduct", "reward:total"} <= metrics
    aligned = {s["metric"]: s["value"] for s in report["summary"]["aligned"]}
    assert abs(aligned["reward:total"] - (2.0 * aligned["reward:integrity"]
                                          + aligned["reward:conduct"])) < 1e-4
    assert "reward, total" in (ws / "reports" / "report.md").read_text()
