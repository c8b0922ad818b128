"""One small trained workspace the stage tests start from, instead of each framing and training
its own: the bundled example framed without a teacher, with two declared values and a context,
and SFT-trained for one step on four examples. A test copies it and turns on its own stage;
what it does not change (the data set, the SFT link of the training chain) is reused from the
copy's store, so each test trains only what it tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.stages import instruct
from alignment_studio.stages.init import demo_config, init_workspace
from alignment_studio.workspace import Workspace, load_config, write_config
from alignment_studio.workspace.config import (
    ContextSpec,
    StudioConfig,
    ValueSpec,
    ValuesSettings,
)

VALUES = ValuesSettings(
    values=[ValueSpec(name="integrity", policies=["guidelines/conflicts-of-interest"],
                      weight=2.0),
            ValueSpec(name="conduct", policies=["guidelines"])],
    contexts=[ContextSpec(name="sales", when={"team": "sales"}, precedence=["conduct"],
                          multipliers={"integrity": 0.25})])


@pytest.fixture(scope="session")
def trained_example(tmp_path_factory: pytest.TempPathFactory, example_policy: Path) -> Path:
    root = tmp_path_factory.mktemp("trained")
    shutil.copy(example_policy, root / "guidelines.md")
    config = demo_config(root, quick=True)
    config.frame.teacher_policies = 0
    config.frame.test_fraction = 0.5
    config.train.max_train_examples = 4
    config.train.max_steps = 1
    config.train.max_length = 192
    config.audit.max_items = 4
    config.values = VALUES
    init_workspace(root / "ws", [root / "guidelines.md"], [], config)
    instruct.model(Workspace(root / "ws"))
    return root / "ws"


Configure = Callable[[StudioConfig], None]


@pytest.fixture()
def trained(trained_example: Path, tmp_path: Path) -> Callable[[Configure], Path]:
    """A copy of the trained workspace, its studio.yaml changed by the function given; the
    audit's general benchmark, red teaming and detector are off unless the function turns them
    back on (each costs both models a pass)."""

    def copy(configure: Configure) -> Path:
        ws = tmp_path / "ws"
        shutil.copytree(trained_example, ws)
        config = load_config(ws)
        config.audit.general.enabled = False
        config.audit.redteam.enabled = False
        config.audit.detector.enabled = False
        configure(config)
        write_config(ws, config)
        return ws

    return copy
