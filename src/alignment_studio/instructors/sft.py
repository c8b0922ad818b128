"""Supervised fine-tuning with LoRA: TRL's SFTTrainer over PEFT, loss on completions only.

Checkpoints go to a work folder every ``save_steps``; a rerun after an interruption resumes from
the newest one. Training never goes through a backend: it uses transformers/PEFT/TRL directly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.errors import StudioError
from alignment_studio.workspace.config import TrainSettings

ADAPTER_DIR = "adapter"


class TrainResult(BaseModel):
    """What a training run did, written beside the adapter as ``train_log.json``."""

    model_config = ConfigDict(extra="forbid")
    steps: int
    examples: int
    epochs: float
    losses: list[float] = Field(default_factory=list)
    train_tokens: int = 0
    runtime_s: float = 0.0
    resumed_from: str | None = None
    device: str = "cpu"


def lora_config(settings: TrainSettings) -> Any:
    from peft import LoraConfig

    targets: str | list[str] = settings.target_modules
    if targets != "all-linear":
        targets = [t.strip() for t in settings.target_modules.split(",") if t.strip()]
    return LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha,
                      lora_dropout=settings.lora_dropout, target_modules=targets,
                      task_type="CAUSAL_LM")


def sft_config(settings: TrainSettings, output_dir: Path, cuda: bool) -> Any:
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
        save_steps=settings.save_steps, save_total_limit=2, save_strategy="steps",
        report_to=[], seed=settings.seed, data_seed=settings.seed,
        max_length=settings.max_length, completion_only_loss=True, packing=False,
        bf16=cuda, use_cpu=not cuda, dataloader_num_workers=0, disable_tqdm=False,
        eval_strategy="no", gradient_checkpointing=settings.gradient_checkpointing)


def latest_checkpoint(output_dir: Path) -> Path | None:
    checkpoints = sorted(output_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return checkpoints[-1] if checkpoints else None


def train_sft(rows: list[dict[str, Any]], base_model: str, settings: TrainSettings,
              work_dir: Path, out_dir: Path, cache_dir: str | None = None) -> TrainResult:
    """LoRA-train ``base_model`` on TRL prompt/completion rows; save the adapter in ``out_dir``."""
    if not rows:
        raise StudioError("no training examples: the dataset's train split is empty")
    require_hf()
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTTrainer

    path = resolve_model_path(base_model, cache_dir)
    cuda = torch.cuda.is_available()
    torch.manual_seed(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=torch.bfloat16 if cuda else torch.float32)
    trainer = SFTTrainer(model=model, args=sft_config(settings, work_dir, cuda),
                         train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                         peft_config=lora_config(settings))
    resume = latest_checkpoint(work_dir)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    peft_model: Any = trainer.model
    peft_model.save_pretrained(out_dir / ADAPTER_DIR)
    result = TrainResult(
        steps=trainer.state.global_step, examples=len(rows), epochs=float(trainer.state.epoch or 0),
        losses=[float(h["loss"]) for h in trainer.state.log_history if "loss" in h],
        train_tokens=_tokens_seen(trainer.state.log_history),
        runtime_s=time.perf_counter() - start, resumed_from=resume.name if resume else None,
        device="cuda" if cuda else "cpu")
    (out_dir / "train_log.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    del trainer, model
    release_memory()
    return result


def read_train_log(out_dir: Path) -> TrainResult:
    return TrainResult.model_validate(json.loads((out_dir / "train_log.json").read_text()))


def _tokens_seen(log_history: list[dict[str, Any]]) -> int:
    counts = [float(h["num_tokens"]) for h in log_history if "num_tokens" in h]
    return int(counts[-1]) if counts else 0
