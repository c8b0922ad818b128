"""The training-method registry: each method is a (settings, train) pair whose settings are a
documented studio.yaml section, and config alone decides the chain."""

from __future__ import annotations

import pytest

from alignment_studio.instructors.methods import METHODS, TrainingMethod, chain, register_method
from alignment_studio.workspace.config import StudioConfig, TrainerSettings


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_keeps_the_contract(name: str) -> None:
    method = METHODS[name]
    config = StudioConfig()
    settings = method.settings_of(config)
    assert isinstance(settings, method.settings)
    assert StudioConfig.model_fields[method.section].annotation is method.settings
    assert issubclass(method.settings, TrainerSettings)  # the shared trainer fields
    assert all(f.description for f in method.settings.model_fields.values())
    assert isinstance(method.enabled(config), bool) and method.folder and method.log


def test_config_makes_the_chain() -> None:
    config = StudioConfig()
    assert [m.name for m in chain(config)] == ["sft"]
    config.preference.enabled = True
    assert [m.name for m in chain(config)] == ["sft", "dpo"]
    config.preference.method = "orpo"
    config.rl.enabled = True
    assert [m.name for m in chain(config)] == ["sft", "orpo", "grpo"]
    config.preference.enabled = False
    assert [m.name for m in chain(config)] == ["sft", "grpo"]


def test_a_method_must_name_a_settings_section() -> None:
    sft = METHODS["sft"]
    with pytest.raises(ValueError, match="section 'nope'"):
        register_method(TrainingMethod(**{**sft.__dict__, "name": "x", "section": "nope"}))
    assert "x" not in METHODS
