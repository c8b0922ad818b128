"""The serving tests' fixture; the helpers live in serving.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving import make_workspace


@pytest.fixture()
def echo_ws(tmp_path: Path, example_policy: Path, example_seeds: Path) -> Path:
    return make_workspace(tmp_path / "ws", example_policy, example_seeds)
