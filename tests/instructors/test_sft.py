"""SFT settings without a model: validation split, checkpoints, QLoRA guard, config errors."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.sft import (
    effective_save_steps,
    mixed_bf16,
    quantization_config,
    sft_config,
    split_validation,
    train_sft,
)
from alignment_studio.workspace.config import TrainSettings
from cli_run import cli, one_line_error

ROWS = [{"prompt": [{"role": "user", "content": f"question {i}"}],
         "completion": [{"role": "assistant", "content": f"answer {i}"}]} for i in range(40)]


def test_validation_split_is_seeded_disjoint_and_complete() -> None:
    train, held = split_validation(ROWS, 0.1, seed=3)
    assert len(held) == 4 and len(train) == 36
    assert sorted(map(str, train + held)) == sorted(map(str, ROWS))
    assert split_validation(ROWS, 0.1, seed=3) == (train, held)
    assert split_validation(ROWS, 0.1, seed=4)[1] != held
    assert [r for r in ROWS if r in train] == train  # training order is kept


def test_validation_split_never_takes_every_row() -> None:
    assert split_validation(ROWS[:5], 0.1, seed=0) == (ROWS[:5], [])  # floor(0.5) = 0: no eval
    assert split_validation(ROWS[:5], 0.0, seed=0) == (ROWS[:5], [])
    train, held = split_validation(ROWS[:2], 0.99, seed=0)
    assert len(train) == 1 and len(held) == 1


def test_checkpoints_line_up_with_evaluations() -> None:
    settings = TrainSettings(save_steps=7, eval_steps=5)
    assert effective_save_steps(settings, validating=True) == 10
    assert effective_save_steps(settings, validating=False) == 7
    assert effective_save_steps(TrainSettings(save_steps=10, eval_steps=5), True) == 10


def test_trainer_config_packs_padding_free_and_restores_the_best(tmp_path: Path) -> None:
    config = sft_config(TrainSettings(), tmp_path, cuda=False, validating=True)
    assert config.packing and config.padding_free and config.packing_strategy == "bfd"
    assert config.completion_only_loss and not config.disable_tqdm
    assert config.eval_strategy == "steps" and config.load_best_model_at_end
    assert config.metric_for_best_model == "eval_loss" and config.greater_is_better is False
    plain = sft_config(TrainSettings(packing=False), tmp_path, cuda=False)
    assert not plain.packing and not plain.padding_free and plain.eval_strategy == "no"


@pytest.mark.parametrize(("capabilities", "expected"), [
    ({"avx512_bf16": True, "amx_bf16": False}, True), ({"amx_bf16": True}, True),
    ({"avx512_bf16": False, "amx_bf16": False, "avx2": True}, False)])
def test_auto_precision_is_bf16_only_where_the_cpu_computes_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capabilities: dict[str, bool],
        expected: bool) -> None:
    import torch

    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: capabilities)
    assert mixed_bf16("auto", cuda=False) is expected
    assert sft_config(TrainSettings(), tmp_path, cuda=False).bf16 is expected
    assert mixed_bf16("auto", cuda=True)  # a GPU always
    assert mixed_bf16("bf16", cuda=False) and not mixed_bf16("fp32", cuda=True)
    assert sft_config(TrainSettings(precision="fp32"), tmp_path, cuda=False).bf16 is False


def test_every_trainer_follows_its_own_precision(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """DPO, ORPO, GRPO and the reward models read ``precision`` as SFT does."""
    import torch

    from alignment_studio.instructors.preference import dpo_config, orpo_config
    from alignment_studio.instructors.reward import reward_config
    from alignment_studio.instructors.rl import grpo_config
    from alignment_studio.workspace.config import PreferenceSettings, RewardSettings, RLSettings

    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True})
    builders = [lambda p: dpo_config(PreferenceSettings(precision=p), tmp_path, cuda=False),
                lambda p: orpo_config(PreferenceSettings(precision=p), tmp_path, cuda=False),
                lambda p: grpo_config(RLSettings(precision=p), [1.0], tmp_path, cuda=False),
                lambda p: reward_config(RewardSettings(precision=p), tmp_path, cuda=False)]
    for build in builders:
        assert build("auto").bf16 is True and build("fp32").bf16 is False
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx2": True})
    assert all(build("auto").bf16 is False and build("bf16").bf16 is True for build in builders)


def test_auto_precision_is_fp32_where_torch_cannot_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.delattr(torch.cpu, "get_capabilities")  # torch before the probe existed
    assert mixed_bf16("auto", cuda=False) is False
    assert mixed_bf16("bf16", cuda=False) is True


def test_every_new_setting_is_documented() -> None:
    fields = TrainSettings.model_fields
    for name in ("packing", "validation_fraction", "eval_steps", "early_stopping_patience",
                 "quantization", "precision"):
        assert fields[name].description, name
    assert TrainSettings().quantization == "none"


@pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is not None,
                    reason="bitsandbytes is installed here")
def test_4bit_without_bitsandbytes_is_one_clear_line(tmp_path: Path) -> None:
    settings = TrainSettings(quantization="4bit")
    with pytest.raises(StudioError, match="4bit needs bitsandbytes") as caught:
        train_sft(ROWS, "embedded", settings, tmp_path / "work", tmp_path / "out")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "work").exists() and not (tmp_path / "out").exists()


def test_4bit_without_cuda_is_one_clear_line() -> None:
    if importlib.util.find_spec("bitsandbytes") is None:
        pytest.skip("bitsandbytes is not installed: the CUDA check comes second")
    with pytest.raises(StudioError, match="4bit needs a CUDA GPU"):
        quantization_config(TrainSettings(quantization="4bit"), cuda=False)


def test_no_quantization_needs_nothing() -> None:
    assert quantization_config(TrainSettings(), cuda=False) is None


@pytest.mark.parametrize(("key", "value", "needle"), [
    ("validation_fraction", "1.5", "train.validation_fraction"),
    ("packing", "maybe", "train.packing"),
    ("quantization", "8bit", "train.quantization"),
    ("eval_steps", "0", "train.eval_steps"),
    ("early_stopping_patience", "0", "train.early_stopping_patience")])
def test_bad_train_settings_are_one_line_with_the_line_number(workspace: Path, key: str,
                                                              value: str, needle: str) -> None:
    config = workspace / "studio.yaml"
    lines = config.read_text().splitlines()
    train_at = lines.index("train:")
    index = next(i for i, line in enumerate(lines)
                 if i > train_at and line.strip().startswith(f"{key}:"))
    lines[index] = re.sub(r":.*$", f": {value}", lines[index])
    config.write_text("\n".join(lines) + "\n")
    one_line_error(cli("frame", workspace), f"studio.yaml:{index + 1}:", needle)


def test_full_finetune_wraps_whole_layers_and_refuses_unknown_names() -> None:
    """Full fine-tuning trains Llama-family layers through modules_to_save; a model whose
    layers are named otherwise (GPT-2: attn, ln_1, ln_f) gets one clear line, not a run that
    silently trains only the MLPs."""
    pytest.importorskip("peft")
    from transformers import GPT2Config, GPT2LMHeadModel

    from alignment_studio.instructors.sft import FULL_MODULES, check_full_names, lora_config

    config = lora_config(TrainSettings(full_finetune=True))
    assert set(config.modules_to_save) == set(FULL_MODULES)
    assert lora_config(TrainSettings()).modules_to_save is None
    gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=100,
                                      n_positions=64))
    with pytest.raises(StudioError, match="no modules named self_attn"):
        check_full_names(gpt2, Path("gpt2"))
