"""Preference optimisation on chosen/rejected pairs: DPO from the SFT adapter, or ORPO.

DPO continues the SFT LoRA adapter. Its reference must be the SFT model, not the raw base: the
pairs' chosen answers are what SFT already taught, so against the base model every pair would
start with a large, unearned reward margin. TRL gives a PEFT model a frozen copy of its adapter
(named "ref") and scores the reference by switching to it, so the reference costs one LoRA copy
(a few MB), not a second model. With ``precompute_ref_log_probs`` the reference scores every
pair once before training, so training steps run only the policy.

ORPO is the second method because it needs neither a reference model nor an SFT stage: its loss
is the SFT loss on the chosen answer plus an odds-ratio penalty on the rejected one, so one run
from the base model replaces SFT + DPO when CPU time is short. (SimPO, the other
reference-free option, assumes an SFT model and is sensitive to its beta/gamma pair.) Given an
SFT adapter, ORPO continues it instead of starting a fresh LoRA.

Checkpoints go to a work folder every ``save_steps``; a rerun resumes from the newest one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.progress import rich_progress
from alignment_studio.instructors.sft import (
    ADAPTER_DIR,
    latest_checkpoint,
    load_tokenizer,
    lora_config,
    mixed_bf16,
)
from alignment_studio.workspace.config import PreferenceSettings, TrainSettings

PREFERENCE_LOG = "preference_log.json"
MIN_ANSWER_TOKENS = 16
REF_ADAPTER = "ref"  # the name TRL gives its frozen copy of the policy adapter


class PreferenceResult(BaseModel):
    """What a preference run did, written beside the adapter as ``preference_log.json``.

    The lists hold one value per logged optimizer step (TRL's ``loss`` and ``rewards/*``)."""

    model_config = ConfigDict(extra="forbid")
    method: Literal["dpo", "orpo"]
    reference: Literal["sft-adapter", "base", "none"] = Field(
        description="what the DPO reference was: the frozen SFT adapter, the base model (no "
        "SFT adapter given), or none (ORPO)")
    steps: int
    pairs: int
    skipped: int = Field(0, description="pairs whose prompt left too few tokens for an answer")
    epochs: float
    losses: list[float] = Field(default_factory=list)
    rewards_chosen: list[float] = Field(default_factory=list)
    rewards_rejected: list[float] = Field(default_factory=list)
    rewards_accuracies: list[float] = Field(default_factory=list)
    rewards_margins: list[float] = Field(default_factory=list)
    precomputed_ref: bool = False
    runtime_s: float = 0.0
    resumed_from: str | None = None
    device: str = "cpu"


def fit_rows(rows: list[dict[str, Any]], tokenizer: Any,
             max_length: int) -> tuple[list[dict[str, Any]], int]:
    """Drop pairs whose chat-formatted prompt leaves fewer than MIN_ANSWER_TOKENS for the
    answer: TRL cuts sequences at the end, and an answer cut to nothing has no log-probability
    to prefer, so it would only add noise. Returns (kept rows, number skipped)."""
    kept = [r for r in rows
            if len(tokenizer.apply_chat_template(r["prompt"], tokenize=True,
                                                 add_generation_prompt=True,
                                                 return_dict=True)["input_ids"])
            <= max_length - MIN_ANSWER_TOKENS]
    return kept, len(rows) - len(kept)


def _common_args(settings: PreferenceSettings, output_dir: Path, cuda: bool) -> dict[str, Any]:
    return dict(
        output_dir=str(output_dir), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
        save_steps=settings.save_steps, save_total_limit=2, save_strategy="steps",
        report_to=[], seed=settings.seed, data_seed=settings.seed, beta=settings.beta,
        max_length=settings.max_length, bf16=mixed_bf16(settings.precision, cuda), use_cpu=not cuda,
        dataloader_num_workers=0, eval_strategy="no",
        gradient_checkpointing=settings.gradient_checkpointing)


def dpo_config(settings: PreferenceSettings, output_dir: Path, cuda: bool) -> Any:
    from trl import DPOConfig

    return DPOConfig(**_common_args(settings, output_dir, cuda), loss_type=["sigmoid"],
                     precompute_ref_log_probs=settings.precompute_ref_log_probs)


def orpo_config(settings: PreferenceSettings, output_dir: Path, cuda: bool) -> Any:
    from trl.experimental.orpo import ORPOConfig

    return ORPOConfig(**_common_args(settings, output_dir, cuda))


def load_policy(path: Path, sft_adapter: Path | None, cuda: bool,
                precision: str = "auto") -> Any:
    """The base model (bf16 on a GPU unless ``precision`` is fp32, fp32 on a CPU), with the SFT
    adapter loaded trainable when there is one."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if cuda and precision != "fp32" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=dtype)
    if sft_adapter is None:
        return model
    if not (sft_adapter / "adapter_config.json").is_file():
        raise StudioError("not a LoRA adapter folder (no adapter_config.json)", sft_adapter)
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(sft_adapter), is_trainable=True)


def _trainer(settings: PreferenceSettings, model: Any, rows: list[dict[str, Any]], tokenizer: Any,
             work_dir: Path, cuda: bool, fresh_lora: Any) -> Any:
    from datasets import Dataset

    data = Dataset.from_list(rows)
    if settings.method == "orpo":
        from trl.experimental.orpo import ORPOTrainer

        return rich_progress(ORPOTrainer(model=model, args=orpo_config(settings, work_dir, cuda),
                                         train_dataset=data, processing_class=tokenizer,
                                         peft_config=fresh_lora), "ORPO")
    from trl import DPOTrainer

    # ref_model=None: a PEFT policy gets a frozen "ref" adapter copy (SFT) or, for a fresh LoRA,
    # the adapter-disabled base, which is then exactly the starting policy.
    return rich_progress(DPOTrainer(model=model, ref_model=None,
                                    args=dpo_config(settings, work_dir, cuda), train_dataset=data,
                                    processing_class=tokenizer, peft_config=fresh_lora), "DPO")


def _reference(settings: PreferenceSettings, sft_adapter: Path | None) -> str:
    if settings.method == "orpo":
        return "none"
    return "sft-adapter" if sft_adapter is not None else "base"


def train_preference(rows: list[dict[str, Any]], base_model: str, sft_adapter: Path | None,
                     settings: PreferenceSettings, work_dir: Path, out_dir: Path,
                     cache_dir: str | None = None,
                     train: TrainSettings | None = None) -> PreferenceResult:
    """Preference-train on TRL prompt/chosen/rejected rows; save the adapter in ``out_dir``.

    ``sft_adapter`` is the SFT stage's adapter folder (continued by both methods); without one a
    fresh LoRA shaped by ``train`` (the SFT settings, default TrainSettings()) is trained."""
    if not rows:
        raise StudioError("no preference pairs: the dataset's train split has no "
                          "chosen/rejected items")
    require_hf()
    import torch

    path = resolve_model_path(base_model, cache_dir)
    cuda = torch.cuda.is_available()
    torch.manual_seed(settings.seed)
    tokenizer = load_tokenizer(path)
    fitted, skipped = fit_rows(rows[:settings.max_pairs], tokenizer, settings.max_length)
    if not fitted:
        raise StudioError(f"every preference prompt is longer than max_length "
                          f"({settings.max_length}) minus {MIN_ANSWER_TOKENS} answer tokens")
    model = load_policy(path, sft_adapter, cuda, settings.precision)
    fresh = None if sft_adapter is not None else lora_config(train or TrainSettings())
    trainer = _trainer(settings, model, fitted, tokenizer, work_dir, cuda, fresh)
    resume = latest_checkpoint(work_dir)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    peft_model: Any = trainer.model
    peft_model.save_pretrained(out_dir / ADAPTER_DIR, selected_adapters=["default"])
    result = _result(trainer.state.log_history, settings, sft_adapter, len(fitted), skipped)
    result = result.model_copy(update={
        "steps": trainer.state.global_step, "epochs": float(trainer.state.epoch or 0),
        "runtime_s": time.perf_counter() - start, "resumed_from": resume.name if resume else None,
        "device": "cuda" if cuda else "cpu"})
    (out_dir / PREFERENCE_LOG).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    del trainer, model, peft_model
    release_memory()
    return result


def _result(history: list[dict[str, Any]], settings: PreferenceSettings,
            sft_adapter: Path | None, pairs: int, skipped: int) -> PreferenceResult:
    def series(key: str) -> list[float]:
        return [float(h[key]) for h in history if key in h]

    return PreferenceResult(
        method=settings.method, reference=_reference(settings, sft_adapter), steps=0,
        pairs=pairs, skipped=skipped, epochs=0.0, losses=series("loss"),
        rewards_chosen=series("rewards/chosen"), rewards_rejected=series("rewards/rejected"),
        rewards_accuracies=series("rewards/accuracies"), rewards_margins=series("rewards/margins"),
        precomputed_ref=settings.method == "dpo" and settings.precompute_ref_log_probs)


def read_preference_log(out_dir: Path) -> PreferenceResult:
    return PreferenceResult.model_validate(json.loads((out_dir / PREFERENCE_LOG).read_text()))
