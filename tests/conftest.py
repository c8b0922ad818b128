"""Shared fixtures: the real 18F policies beside the repository, the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alignment_studio.stages.init import example_dir
from cli_run import cli

REPO = Path(__file__).resolve().parents[1]
SHARED_POLICIES = REPO.parent / "shared" / "policies" / "18f"


@pytest.fixture(scope="session")
def policies_18f() -> list[Path]:
    files = sorted(p for p in SHARED_POLICIES.glob("*.md") if p.name != "LICENSE.md")
    assert files, f"the real policy documents are missing: {SHARED_POLICIES}"
    return files


@pytest.fixture(scope="session")
def example_policy() -> Path:
    return example_dir() / "guidelines.md"


@pytest.fixture(scope="session")
def example_seeds() -> Path:
    return example_dir() / "seeds.yaml"


@pytest.fixture()
def workspace(tmp_path: Path, example_policy: Path, example_seeds: Path) -> Path:
    """A workspace made by `alignment-studio init` on the bundled example, teacher off."""
    ws = tmp_path / "ws"
    shutil.copy(example_policy, tmp_path / "guidelines.md")
    shutil.copy(example_seeds, tmp_path / "seeds.yaml")
    result = cli("init", ws, "--policy", tmp_path / "guidelines.md", "--seeds",
                 tmp_path / "seeds.yaml")
    assert result.returncode == 0, result.stderr
    config = ws / "studio.yaml"
    config.write_text(config.read_text().replace("teacher_policies: 24", "teacher_policies: 0"))
    return ws
