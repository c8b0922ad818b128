"""instruct with preference.enabled: SFT, then DPO from the SFT adapter; the audit runs the
conflict suite. Real embedded model, a tiny slice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.stages import audit, instruct
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig

Trained = Callable[[Callable[[StudioConfig], None]], Path]  # the fixture in conftest.py

pytestmark = pytest.mark.slow


def test_sft_then_dpo_then_audit_with_conflicts(trained: Trained) -> None:
    def configure(config: StudioConfig) -> None:
        config.preference.enabled = True
        config.preference.max_pairs = 4
        config.preference.max_steps = 2
        config.preference.batch_size = 2
        config.preference.grad_accum = 1
        config.preference.max_length = 192

    ws = trained(configure)
    studio = Workspace(ws)
    sft_links = {a.id for a in studio.store.all() if a.kind == "adapter"}
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
    # the SFT link came from the shared workspace: only DPO was trained here
    links = json.loads((folder / "model_ref.json").read_text())["links"]
    assert links[0] in sft_links and links[1] not in sft_links
    assert "## Conflicting requirements" in (studio.root / "reports" / "report.md").read_text()
