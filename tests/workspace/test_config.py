from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alignment_studio.core.errors import StudioError
from alignment_studio.stages.init import init_workspace
from alignment_studio.workspace.config import StudioConfig, load_config, render_config


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
    from alignment_studio.stages.init import DEMO_MARKER, prepare_demo
    from alignment_studio.workspace.config import load_config, write_config

    root = tmp_path / "demo"
    path = prepare_demo(root, quick=True)
    config = load_config(root)
    config.seeds.append("seeds/redteam.yaml")  # what redteam promote does
    write_config(root, config)
    text = path.read_text()
    assert text.startswith(f"{DEMO_MARKER} (quick)\n\n")
    assert load_config(root).seeds[-1] == "seeds/redteam.yaml"
    prepare_demo(root, quick=True)  # still recognised as a demo workspace


OLD_LAYOUT = Path(__file__).parents[1] / "fixtures" / "config" / "studio-v1.yaml"


def test_an_old_layout_is_migrated_once_and_says_so(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A studio.yaml written before the audit groups and per-backend options: flat audit keys
    move into their groups, another backend's options leave a model section, the file is
    rewritten once (the old one kept) and one line on stderr says what moved."""
    path = tmp_path / "studio.yaml"
    path.write_text(OLD_LAYOUT.read_text())
    config = load_config(tmp_path)
    note = capsys.readouterr().err.strip().splitlines()
    assert len(note) == 1 and note[0].startswith(f"{path}: rewritten in the current layout")
    assert "audit.redteam_strategies -> audit.redteam.strategies" in note[0]
    assert "student.base_url (not a hf option)" in note[0]
    assert config.audit.redteam.enabled and config.audit.redteam.strategies == ["direct",
                                                                                 "role_play"]
    assert config.audit.redteam.max_attacks == 9 and config.audit.general.max_items == 20
    assert config.audit.judge.enabled and config.audit.judge.max_items == 5
    assert config.teacher.backend == "openai"
    assert config.teacher.base_url == "http://127.0.0.1:8000/v1"  # type: ignore[attr-defined]
    assert not hasattr(config.student, "base_url")
    assert (tmp_path / "studio.yaml.bak").read_text() == OLD_LAYOUT.read_text()
    assert path.read_text().startswith(OLD_LAYOUT.read_text().split("\n\n", 1)[0])  # header kept
    assert load_config(tmp_path) == config  # the rewritten file reads the same, silently
    assert capsys.readouterr().err == ""


def test_a_typo_in_a_model_section_is_refused(tmp_path: Path, example_policy: Path) -> None:
    init_workspace(tmp_path, [example_policy], [])
    path = tmp_path / "studio.yaml"
    path.write_text(path.read_text().replace("teacher:\n", "teacher:\n  concurrenc: 4\n", 1))
    with pytest.raises(StudioError, match=r"studio.yaml:\d+: teacher.concurrenc: unknown key"):
        load_config(tmp_path)
