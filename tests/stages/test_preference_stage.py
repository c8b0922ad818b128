"""instruct with preference.enabled: SFT, then DPO from the SFT adapter; the audit runs the
conflict suite. Real embedded model, a tiny slice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alignment_studio.stages import audit, instruct
from alignment_studio.stages.init import demo_config, init_workspace
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ContextSpec, ValueSpec, ValuesSettings

pytestmark = pytest.mark.slow


def test_sft_then_dpo_then_audit_with_conflicts(tmp_path: Path, example_policy: Path) -> None:
    shutil.copy(example_policy, tmp_path / "guidelines.md")
    config = demo_config(tmp_path, quick=True)
    config.frame.teacher_policies = 0
    config.frame.test_fraction = 0.5
    config.train.max_train_examples = 4
    config.train.max_steps = 1
    config.train.max_length = 192
    config.preference.enabled = True
    config.preference.max_pairs = 4
    config.preference.max_steps = 2
    config.preference.batch_size = 2
    config.preference.grad_accum = 1
    config.preference.max_length = 192
    config.audit.max_items = 4
    config.values = ValuesSettings(
        values=[ValueSpec(name="integrity", policies=["guidelines/fair-competition"]),
                ValueSpec(name="conduct", policies=["guidelines"])],
        contexts=[ContextSpec(name="sales", when={"team": "sales"}, precedence=["conduct"])])
    init_workspace(tmp_path / "ws", [tmp_path / "guidelines.md"], [], config)
    studio = Workspace(tmp_path / "ws")
    report = audit.report(studio)

    folder = studio.store.path_of(instruct.model(studio))
    log = json.loads((folder / "preference_log.json").read_text())
    assert log["method"] == "dpo" and log["steps"] == 2 and log["reference"] == "sft-adapter"
    from safetensors.torch import load_file

    sft = load_file(str(folder / "sft" / "adapter" / "adapter_model.safetensors"))
    final = load_file(str(folder / "adapter" / "adapter_model.safetensors"))
    assert any(not (final[k] == sft[k]).all() for k in sft)  # DPO moved the SFT adapter
    assert instruct.model_ref(studio, instruct.model(studio)).adapters == [str(folder / "adapter")]
    assert report.conflicts and "all" in report.conflicts["aligned"]
    assert "## Conflicting requirements" in (studio.root / "reports" / "report.md").read_text()
