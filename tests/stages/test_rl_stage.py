"""instruct with rl.enabled: SFT, then GRPO from the SFT adapter against the verdict reward and
the reward models of the declared values; the audit reads the final adapter. Real embedded
model, a tiny slice, through the console script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.stages import audit
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig
from cli_run import cli, one_line_error

pytestmark = pytest.mark.slow
Trained = Callable[[Callable[[StudioConfig], None]], Path]  # the fixture in conftest.py


def test_sft_then_grpo_against_reward_models(trained: Trained) -> None:
    def configure(config: StudioConfig) -> None:
        config.reward.max_steps = 1
        config.reward.batch_size = 2
        config.rl.enabled = True
        config.rl.max_steps = 1
        config.rl.num_generations = 2
        config.rl.batch_size = 2
        config.rl.grad_accum = 1
        config.rl.max_completion_length = 8
        config.rl.max_prompts = 4
        config.audit.max_items = 2

    ws = trained(configure)
    one_line_error(cli("instruct", ws), "rl.reward_models > 0", "reward.enabled")
    text = (ws / "studio.yaml").read_text()
    assert "reward:\n  # train one reward model" in text
    (ws / "studio.yaml").write_text(text.replace(
        "reward:\n  # train one reward model per value group (off by default: each group is a "
        "separate LoRA run, minutes per group on a CPU) (default: false)\n  enabled: false",
        "reward:\n  enabled: true"))
    done = cli("instruct", ws)
    assert done.returncode == 0, done.stderr
    assert "then GRPO: 1 steps on 4 prompts" in done.stdout

    studio = Workspace(ws)
    model = studio.store.latest("model")
    assert model is not None and studio.store.latest("reward") is not None
    assert studio.store.latest("reward").id in model.inputs  # type: ignore[union-attr]
    folder = studio.store.path_of(model)
    log = json.loads((folder / "rl_log.json").read_text())
    assert log["steps"] == 1 and log["start_adapter"].endswith("sft/adapter")
    assert set(log["rewards_per_value"]) == {"integrity", "conduct"}
    assert set(log["reward_weights"]) == {"ensemble_reward", "verdict_reward", "citation_reward"}
    from safetensors.torch import load_file

    sft = load_file(str(folder / "sft" / "adapter" / "adapter_model.safetensors"))
    final = load_file(str(folder / "adapter" / "adapter_model.safetensors"))
    assert sft.keys() == final.keys()
    assert any(not (final[k] == sft[k]).all() for k in sft)  # GRPO moved the SFT adapter
    report = audit.report(studio)
    assert report.model.adapters == [str(folder / "adapter")]
