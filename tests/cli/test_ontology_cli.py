"""`alignment-studio ontology`, run as a user runs it: on a workspace, on one file, on errors."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from alignment_studio.types import Ontology
from cli_run import cli, one_line_error


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, example_policy: Path) -> Path:
    root = tmp_path_factory.mktemp("onto")
    shutil.copy(example_policy, root / "guidelines.md")
    result = cli("init", root / "ws", "--policy", root / "guidelines.md")
    assert result.returncode == 0, result.stderr
    return root / "ws"


def test_tree_of_a_workspace_names_defined_terms(workspace: Path, example_policy: Path) -> None:
    result = cli("ontology", workspace)
    assert result.returncode == 0, result.stderr
    defined = re.findall(r"\"([^\"]+)\" (?:means|refers to)", example_policy.read_text("utf-8"))
    assert "defined terms" in result.stdout
    for term in defined:
        assert term.lower().rstrip("s") in result.stdout.lower(), term
    for category in ("role", "organisation", "information_type"):
        assert category in result.stdout


def test_json_to_a_file_reads_back(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "ontology.json"
    result = cli("ontology", workspace, "--format", "json", "--out", out)
    assert result.returncode == 0, result.stderr
    ontology = Ontology.model_validate_json(out.read_text("utf-8"))
    gift = ontology.concept("gift")
    assert gift.definition and gift.definition.startswith('"Gift" refers to')
    assert gift.policy_ids and all(p.startswith("guidelines/") for p in gift.policy_ids)


def test_graphml_of_one_policy_file(policies_18f: list[Path]) -> None:
    page = next(p for p in policies_18f if p.name == "password-requirements.md")
    result = cli("ontology", page, "--format", "graphml")
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(result.stdout)
    labels = {d.text for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")}
    assert {"password", "password manager"} <= labels


def test_errors_are_one_line(tmp_path: Path) -> None:
    one_line_error(cli("ontology", tmp_path / "missing"), "missing",
                   "no such workspace folder or policy file")
    one_line_error(cli("ontology", tmp_path), "studio.yaml")
    one_line_error(cli("ontology", tmp_path, "--format", "dot"), "--format")
