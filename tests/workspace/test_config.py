from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alignment_studio.core.errors import StudioError
from alignment_studio.workspace.config import StudioConfig, load_config, render_config
from alignment_studio.workspace.init import init_workspace


def test_rendered_config_documents_every_key_and_round_trips() -> None:
    config = StudioConfig(policies=["a.md"])
    text = render_config(config)
    assert StudioConfig.model_validate(yaml.safe_load(text)) == config
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if ":" in line and not line.lstrip().startswith("#") and not line.endswith((":", ": {}")):
            assert lines[i - 1].lstrip().startswith("# "), line
            assert "(default: " in lines[i - 1], line


def test_unknown_key_names_file_line_and_key(tmp_path: Path, example_policy: Path) -> None:
    init_workspace(tmp_path, [example_policy], [])
    path = tmp_path / "studio.yaml"
    path.write_text(path.read_text().replace("  lora_r: 16", "  lora_rank: 16"))
    with pytest.raises(StudioError) as info:
        load_config(tmp_path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "lora_rank" in t)
    assert str(info.value) == f"{path}:{line}: train.lora_rank: unknown key"


def test_bad_value_is_one_line(tmp_path: Path, example_policy: Path) -> None:
    init_workspace(tmp_path, [example_policy], [])
    path = tmp_path / "studio.yaml"
    path.write_text(path.read_text().replace("test_fraction: 0.25", "test_fraction: 2"))
    with pytest.raises(StudioError, match=r"studio.yaml:\d+: frame.test_fraction: Input should "
                                          r"be less than 1$"):
        load_config(tmp_path)


def test_init_refuses_to_overwrite_and_checks_policies_first(tmp_path: Path,
                                                            example_policy: Path) -> None:
    with pytest.raises(StudioError, match="policy file not found"):
        init_workspace(tmp_path / "ws", [tmp_path / "missing.md"], [])
    assert not (tmp_path / "ws").exists()
    init_workspace(tmp_path / "ws", [example_policy], [])
    before = (tmp_path / "ws" / "studio.yaml").read_text()
    with pytest.raises(StudioError, match="already exists"):
        init_workspace(tmp_path / "ws", [], [])
    assert (tmp_path / "ws" / "studio.yaml").read_text() == before


def test_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="run 'alignment-studio init' first"):
        load_config(tmp_path)


def test_rewriting_the_config_keeps_its_header(tmp_path: Path) -> None:
    from alignment_studio.workspace.config import load_config, write_config
    from alignment_studio.workspace.init import DEMO_MARKER, prepare_demo

    root = tmp_path / "demo"
    path = prepare_demo(root, quick=True)
    config = load_config(root)
    config.seeds.append("seeds/redteam.yaml")  # what redteam promote does
    write_config(root, config)
    text = path.read_text()
    assert text.startswith(f"{DEMO_MARKER} (quick)\n\n")
    assert load_config(root).seeds[-1] == "seeds/redteam.yaml"
    prepare_demo(root, quick=True)  # still recognised as a demo workspace
