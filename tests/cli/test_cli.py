"""The console script, run as a user runs it: a subprocess, exit codes, stdout/stderr."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from cli_run import cli, one_line_error

SCRIPT = Path(sys.executable).with_name("alignment-studio")


def test_help_lists_the_commands() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("init", "parse", "frame", "instruct", "audit", "run", "demo", "lineage"):
        assert command in result.stdout


def test_init_writes_config_and_catalog(workspace: Path) -> None:
    text = (workspace / "studio.yaml").read_text()
    parent = workspace.parent.resolve()
    assert f"policies: [{parent}/guidelines.md]" in text and f"seeds: [{parent}/seeds.yaml]" in text
    assert (workspace / ".studio" / "catalog.sqlite").is_file()


def test_parse_prints_tree_and_json(example_policy: Path) -> None:
    tree = cli("parse", example_policy)
    assert tree.returncode == 0 and "Gifts and Entertainment" in tree.stdout
    doc = json.loads(cli("parse", example_policy, "--format", "json").stdout)
    assert doc["id"] == "guidelines" and len(doc["sections"]) >= 9


def test_frame_then_reuse_then_lineage(workspace: Path) -> None:
    first = cli("frame", workspace)
    assert first.returncode == 0, first.stderr
    assert "policies held out" in first.stdout
    second = cli("frame", workspace)
    assert second.returncode == 0 and "reusing dataset-" in second.stderr
    catalog = sqlite3.connect(workspace / ".studio" / "catalog.sqlite")
    kinds = [r[0] for r in catalog.execute("SELECT kind FROM artifacts")]
    assert sorted(kinds) == ["dataset", "document"]  # nothing recomputed
    dataset_id = next(r[0] for r in catalog.execute("SELECT id FROM artifacts WHERE "
                                                    "kind='dataset'"))
    lineage = cli("lineage", workspace, dataset_id)
    assert lineage.returncode == 0 and "document-" in lineage.stdout


def test_editing_the_policy_reframes(workspace: Path) -> None:
    assert cli("frame", workspace).returncode == 0
    policy = workspace.parent / "guidelines.md"
    policy.write_text(policy.read_text() + "\n\nAll visitors must sign in at reception.\n")
    result = cli("frame", workspace)
    assert result.returncode == 0 and "reusing" not in result.stderr
    catalog = sqlite3.connect(workspace / ".studio" / "catalog.sqlite")
    assert catalog.execute("SELECT count(*) FROM artifacts WHERE kind='dataset'").fetchone()[0] == 2


def test_malformed_seeds_fail_with_one_line_and_keep_artifacts(workspace: Path) -> None:
    assert cli("frame", workspace).returncode == 0
    before = sorted(p.name for p in (workspace / ".studio" / "artifacts").iterdir())
    seeds = workspace.parent / "seeds.yaml"
    seeds.write_text(seeds.read_text().replace('label: "violating"', 'label: "wrong"', 1))
    one_line_error(cli("frame", workspace), "seeds.yaml:", "label")
    assert sorted(p.name for p in (workspace / ".studio" / "artifacts").iterdir()) == before


@pytest.mark.parametrize(("content", "needle"), [
    (b"", "policy file is empty"), (b"\x00\x00\x00", "binary"), (b"\xff\xfe\xfd", "UTF-8")])
def test_bad_policy_files(workspace: Path, content: bytes, needle: str) -> None:
    (workspace.parent / "guidelines.md").write_bytes(content)
    one_line_error(cli("frame", workspace), "guidelines.md", needle)


def test_missing_policy_and_unknown_key(workspace: Path) -> None:
    (workspace.parent / "guidelines.md").unlink()
    one_line_error(cli("frame", workspace), "guidelines.md", "not found")
    config = workspace / "studio.yaml"
    config.write_text(config.read_text() + "colour: blue\n")
    one_line_error(cli("frame", workspace), "studio.yaml:", "colour: unknown key")


def test_missing_model_is_one_line(workspace: Path, tmp_path: Path) -> None:
    config = workspace / "studio.yaml"
    config.write_text(config.read_text().replace("model: embedded", f"model: {tmp_path}/nope", 1))
    one_line_error(cli("instruct", workspace), "is not a local folder", "never downloads")


def test_demo_refuses_a_non_demo_workspace(workspace: Path) -> None:
    one_line_error(cli("demo", "--dir", workspace), "not a demo")


def test_two_policies_with_the_same_document_id(workspace: Path, tmp_path: Path,
                                                example_policy: Path) -> None:
    (tmp_path / "other").mkdir()
    shutil.copy(example_policy, tmp_path / "other" / "guidelines.md")
    config = workspace / "studio.yaml"
    config.write_text(config.read_text().replace(
        "policies: [", f"policies: [{tmp_path}/other/guidelines.md, "))
    one_line_error(cli("frame", workspace), "share the document ID 'guidelines'")


def test_parse_rejects_an_unknown_format(example_policy: Path) -> None:
    one_line_error(cli("parse", example_policy, "--format", "jsn"), "--format must be")
