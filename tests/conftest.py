"""Shared fixtures: the real 18F policies beside the repository, the bundled example."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.workspace.init import example_dir

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
