"""Preference optimisation with the real embedded model, kept tiny: 8 pairs from the bundled
example policy, LoRA rank 4, a few steps. DPO continues a stand-in SFT adapter (2 steps, then a
rerun that resumes from the checkpoint for a third); ORPO trains a fresh LoRA from the base."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import structure_examples
from alignment_studio.framers.parse import read_document
from alignment_studio.instructors.preference import (
    PREFERENCE_LOG,
    PreferenceResult,
    read_preference_log,
    train_preference,
)
from alignment_studio.instructors.sft import ADAPTER_DIR, lora_config
from alignment_studio.types import DatasetBundle, Kind
from alignment_studio.workspace.config import PreferenceSettings, TrainSettings

TINY_LORA = TrainSettings(lora_r=4, lora_alpha=8)


def tiny(method: str = "dpo", **update: Any) -> PreferenceSettings:
    settings = PreferenceSettings(method=method, max_steps=2, batch_size=1, grad_accum=1,
                                  max_length=128, learning_rate=1e-3, save_steps=2,
                                  gradient_checkpointing=False)
    return settings.model_copy(update=update)


@pytest.fixture(scope="module")
def pairs(example_policy: Path) -> list[dict[str, Any]]:
    """The 8 preference pairs with the shortest prompts, through the framers' real path."""
    factory = ExampleFactory(Prompts(None), "Acme")
    examples = [e for p in read_document(example_policy).policies()
                for e in structure_examples(p, "Guidelines", factory) if e.kind == Kind.preference]
    rows = DatasetBundle(name="t", version="1", examples=examples).to_trl(preference=True)
    return sorted(rows, key=lambda r: len(r["prompt"][-1]["content"]))[:8]


@pytest.fixture(scope="module")
def sft_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for the SFT stage's adapter: LoRA rank 4 with small random B, so it moves the
    base model as SFT would (PEFT starts B at zero) without minutes of training."""
    import torch
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(resolve_model_path("embedded"),
                                                 local_files_only=True)
    peft_model = get_peft_model(model, lora_config(TINY_LORA))
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.02)
    folder = tmp_path_factory.mktemp("sft") / ADAPTER_DIR
    peft_model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def dpo_runs(pairs: list[dict[str, Any]], sft_adapter: Path,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[PreferenceResult, PreferenceResult,
                                                                Path]:
    """Two steps with a checkpoint at step 2 (reference precomputed), then a rerun to step 3
    that must resume; it scores the reference on the fly, so step 3 also shows that the
    reference adapter restored from the checkpoint is still the SFT one. Four pairs: 3 steps of
    one pair use no more, and every pair costs a reference pass on these shared CPU cores."""
    root = tmp_path_factory.mktemp("dpo")
    first = train_preference(pairs, "embedded", sft_adapter, tiny(max_pairs=4), root / "work",
                             root / "a")
    second = train_preference(pairs, "embedded", sft_adapter,
                              tiny(max_pairs=4, max_steps=3, precompute_ref_log_probs=False),
                              root / "work", root / "b")
    return first, second, root


def lora_weights(adapter: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(adapter / "adapter_model.safetensors"))


@pytest.mark.slow
def test_dpo_lowers_its_loss_and_moves_the_adapter_away_from_sft(
        dpo_runs: tuple[PreferenceResult, PreferenceResult, Path], sft_adapter: Path) -> None:
    _, result, root = dpo_runs
    assert result.method == "dpo" and result.reference == "sft-adapter" and result.steps == 3
    assert len(result.losses) == 3 and result.losses[-1] < result.losses[0]
    assert result.rewards_margins[-1] > result.rewards_margins[0]
    assert read_preference_log(root / "b") == result
    before, after = lora_weights(sft_adapter), lora_weights(root / "b" / ADAPTER_DIR)
    assert before.keys() == after.keys() and not any(".ref." in k for k in after)
    changed = [k for k in before if not before[k].equal(after[k])]
    assert len(changed) == len(before)  # every LoRA matrix moved


@pytest.mark.slow
def test_dpo_reference_is_the_frozen_sft_model(
        dpo_runs: tuple[PreferenceResult, PreferenceResult, Path]) -> None:
    """Step 1 scores the untouched policy: its rewards are 0 only if the reference is the SFT
    model (the base model would differ: the SFT adapter moved it). Later rewards are not 0, so
    the reference did not follow the trained policy."""
    first, result, _ = dpo_runs
    assert first.precomputed_ref and not result.precomputed_ref and result.pairs == 4
    assert abs(result.rewards_chosen[0]) < 1e-3 and abs(result.rewards_rejected[0]) < 1e-3
    assert math.isclose(result.losses[0], math.log(2), abs_tol=1e-3)
    assert abs(result.rewards_chosen[-1]) > 1e-2 and abs(result.rewards_rejected[-1]) > 1e-2


@pytest.mark.slow
def test_dpo_resumes_from_its_checkpoint(
        dpo_runs: tuple[PreferenceResult, PreferenceResult, Path]) -> None:
    first, second, root = dpo_runs
    assert first.steps == 2 and first.resumed_from is None
    assert second.resumed_from == "checkpoint-2" and second.steps == 3
    assert second.losses[:2] == first.losses  # steps 1-2 came from the checkpoint, not a rerun
    assert (root / "work" / "checkpoint-2").is_dir()


@pytest.mark.slow
def test_orpo_trains_a_fresh_lora_without_reference_or_sft(pairs: list[dict[str, Any]],
                                                           tmp_path: Path) -> None:
    result = train_preference(pairs, "embedded", None, tiny("orpo"), tmp_path / "work",
                              tmp_path, train=TINY_LORA)
    assert result.method == "orpo" and result.reference == "none" and result.steps == 2
    assert len(result.losses) == 2 and all(math.isfinite(x) for x in result.losses)
    assert len(result.rewards_accuracies) == 2 and (tmp_path / PREFERENCE_LOG).is_file()
    weights = lora_weights(tmp_path / ADAPTER_DIR)
    lora_b = [w for k, w in weights.items() if "lora_B" in k]
    assert lora_b and all(w.abs().sum() > 0 for w in lora_b)  # PEFT starts B at zero


def test_no_pairs_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(StudioError) as info:
        train_preference([], "embedded", None, tiny(), tmp_path / "work", tmp_path)
    assert "no preference pairs" in str(info.value) and "\n" not in str(info.value)


def test_prompts_longer_than_max_length_are_refused(pairs: list[dict[str, Any]],
                                                   tmp_path: Path) -> None:
    with pytest.raises(StudioError) as info:
        train_preference(pairs, "embedded", None, tiny(max_length=40), tmp_path / "w", tmp_path)
    assert "longer than max_length (40)" in str(info.value)
