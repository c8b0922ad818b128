"""``teacher: none`` (or ``frame/run/demo --no-teacher``): a workspace without a teacher model,
whose data comes from its seeds and its documents' structure only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.workspace.config import StudioConfig, load_config, write_config
from cli_run import cli, one_line_error


@pytest.mark.parametrize("value", ["none", "None", "null", "~", ""])
def test_none_null_or_empty_means_no_teacher(tmp_path: Path, value: str) -> None:
    (tmp_path / "studio.yaml").write_text(f"teacher: {value}\n")
    assert load_config(tmp_path).teacher is None


def test_no_teacher_is_written_and_read_back(tmp_path: Path) -> None:
    write_config(tmp_path, StudioConfig(teacher=None))
    text = (tmp_path / "studio.yaml").read_text()
    assert "\nteacher: null\n" in text and "no teacher" in text  # the comment explains it
    assert load_config(tmp_path).teacher is None
    assert StudioConfig().teacher is not None  # the embedded model stays the default


def test_filling_gaps_needs_a_teacher(tmp_path: Path) -> None:
    (tmp_path / "studio.yaml").write_text("teacher: none\nframe:\n  fill_gaps: true\n")
    with pytest.raises(StudioError, match="fill_gaps"):
        load_config(tmp_path)


def teacher_sources(ws: Path) -> set[str]:
    [data] = list((ws / ".studio" / "artifacts").glob("dataset-*/dataset.jsonl"))
    return {json.loads(line)["provenance"]["source"] for line in data.read_text().splitlines()}


def test_frame_without_a_teacher(workspace: Path) -> None:
    config = load_config(workspace)
    config.frame.teacher_policies = 24  # the teacher would be asked (the embedded model)
    write_config(workspace, config)
    one_line_error(cli("frame", workspace, "--no-teacher", "--fill-gaps"), "--fill-gaps")
    result = cli("frame", workspace, "--no-teacher")
    assert result.returncode == 0, result.stderr
    assert "teacher" not in teacher_sources(workspace)

    config.teacher = None  # the same, set in studio.yaml: the data set is reused as it is
    write_config(workspace, config)
    again = cli("frame", workspace)
    assert again.returncode == 0 and "reusing dataset-" in again.stderr
