"""alignment-studio reward: one reward model per declared value, trained for real (tiny)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alignment_studio.stages.init import demo_config, init_workspace
from alignment_studio.workspace.config import ValueSpec, ValuesSettings
from cli_run import cli

pytestmark = pytest.mark.slow


def test_reward_models_per_value(tmp_path: Path, example_policy: Path) -> None:
    shutil.copy(example_policy, tmp_path / "guidelines.md")
    config = demo_config(tmp_path, quick=True)
    config.frame.teacher_policies = 0
    config.frame.max_policies = None
    config.train.max_train_examples = 4
    config.train.max_steps = 1
    config.train.max_length = 192
    config.audit.max_items = 6
    config.reward.enabled = True
    config.reward.max_steps = 2
    config.reward.batch_size = 2
    config.reward.max_length = 128
    config.reward.lora_r = 4
    config.values = ValuesSettings(values=[
        ValueSpec(name="gifts", policies=["guidelines/gifts-and-entertainment"], weight=2.0),
        ValueSpec(name="conflicts", policies=["guidelines/conflicts-of-interest"]),
    ])
    ws = tmp_path / "ws"
    init_workspace(ws, [tmp_path / "guidelines.md"], [], config)
    first = cli("reward", ws)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "reward model gifts: 2 steps" in first.stdout
    assert "reward model conflicts: 2 steps" in first.stdout
    [folder] = list((ws / ".studio" / "artifacts").glob("reward-*"))
    groups = json.loads((folder / "groups.json").read_text())
    assert [(g["name"], g["weight"]) for g in groups] == [("gifts", 2.0), ("conflicts", 1.0)]
    for name in ("gifts", "conflicts"):
        log = json.loads((folder / name / "reward_log.json").read_text())
        assert log["steps"] == 2 and log["train_pairs"] > 0
    again = cli("reward", ws)
    assert again.returncode == 0 and "reusing" in again.stderr

    audit = cli("audit", ws)  # the audit scores both models' answers with the reward models
    assert audit.returncode == 0, audit.stderr[-2000:]
    report = json.loads((ws / "reports" / "report.json").read_text())
    for name in ("base", "aligned"):
        metrics = {s["metric"] for s in report["summary"][name]}
        assert {"reward:gifts", "reward:conflicts", "reward:total"} <= metrics
    aligned = {s["metric"]: s["value"] for s in report["summary"]["aligned"]}
    assert abs(aligned["reward:total"] - (2.0 * aligned["reward:gifts"]
                                          + aligned["reward:conflicts"])) < 1e-4
    assert "reward, total" in (ws / "reports" / "report.md").read_text()
