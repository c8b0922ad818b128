"""Supervised fine-tuning with LoRA: TRL's SFTTrainer over PEFT, loss on completions only.

Rows are TRL conversational prompt/completion rows; the tokenizer's chat template formats them and
only the assistant answer (with its end-of-turn token) carries loss. By default several examples
are packed into each ``max_length`` row without padding; position ids restart at every example,
and transformers turns them into a block-diagonal attention mask, so examples never see each
other. A seeded share of the training rows is held out for an eval loss, early stopping and
restoring the best checkpoint. Checkpoints go to a work folder every ``save_steps``; a rerun after
an interruption resumes from the newest one. Training never goes through a backend: it uses
transformers/PEFT/TRL directly.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.progress import rich_progress
from alignment_studio.types.models import EvalPoint, TrainResult, measured_points
from alignment_studio.workspace.config import TrainSettings

ADAPTER_DIR = "adapter"
TRAIN_LOG = "train_log.json"
EVAL_METRIC = "eval_loss"


# the modules of a decoder layer (and the final norm) that full fine-tuning trains, by their
# names in Llama-family models (SmolLM2, Llama, Qwen, Mistral)
FULL_MODULES = ["self_attn", "mlp", "input_layernorm", "post_attention_layernorm", "norm"]


def lora_config(settings: TrainSettings) -> Any:
    """LoRA on ``target_modules``; with ``full_finetune``, every decoder layer in full through
    PEFT's ``modules_to_save`` (a rank-1 LoRA on the embeddings, kept at zero by
    ``freeze_placeholder``, only satisfies PEFT's need for a target)."""
    from peft import LoraConfig

    if settings.full_finetune:
        return LoraConfig(r=1, lora_alpha=1, lora_dropout=0.0, target_modules=["embed_tokens"],
                          modules_to_save=list(FULL_MODULES), task_type="CAUSAL_LM")
    targets: str | list[str] = settings.target_modules
    if targets != "all-linear":
        targets = [t.strip() for t in settings.target_modules.split(",") if t.strip()]
    return LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha,
                      lora_dropout=settings.lora_dropout, target_modules=targets,
                      task_type="CAUSAL_LM")


def effective_save_steps(settings: TrainSettings, validating: bool) -> int:
    """Restoring the best model needs a checkpoint at every evaluation that may win, so with a
    validation split ``save_steps`` is rounded up to a multiple of ``eval_steps``."""
    if not validating:
        return settings.save_steps
    return math.ceil(settings.save_steps / settings.eval_steps) * settings.eval_steps


def sft_config(settings: TrainSettings, output_dir: Path, cuda: bool,
               validating: bool = False) -> Any:
    """TRL's SFTConfig. ``packing`` uses best-fit decreasing, which TRL runs padding-free
    (flattened batch + restarting position ids); examples longer than ``max_length`` are cut."""
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
        save_steps=effective_save_steps(settings, validating), save_total_limit=2,
        save_strategy="steps", report_to=[], seed=settings.seed, data_seed=settings.seed,
        max_length=settings.max_length, completion_only_loss=True,
        packing=settings.packing, packing_strategy="bfd", padding_free=settings.packing,
        bf16=mixed_bf16(settings.precision, cuda), use_cpu=not cuda,
        dataloader_num_workers=0, disable_tqdm=False,
        eval_strategy="steps" if validating else "no", eval_steps=settings.eval_steps,
        load_best_model_at_end=validating, metric_for_best_model=EVAL_METRIC,
        greater_is_better=False, gradient_checkpointing=settings.gradient_checkpointing)


def mixed_bf16(precision: str, cuda: bool) -> bool:
    """Whether the trainer runs in bf16 mixed precision (autocast): asked for, or ``auto`` on
    a GPU or on a CPU that computes bf16 natively (AVX-512 BF16 or AMX; elsewhere bf16 is
    emulated and slower than fp32). On 2 AVX-512 BF16 cores the quick demo's LoRA training
    took 87 s against 104 s in fp32."""
    if precision != "auto":
        return precision == "bf16"
    if cuda:
        return True
    import torch

    probe = getattr(torch.cpu, "get_capabilities", None)  # newer than torch 2.4, which we allow
    capabilities = probe() if probe else {}  # unknown: fp32, as before ``precision`` existed
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def split_validation(rows: list[dict[str, Any]], fraction: float,
                     seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Hold out ``floor(len * fraction)`` rows chosen by ``seed`` (at least one row is left to
    train on). Only training rows come in here: the data set's test policies belong to the
    audit, and evaluating on them during training would leak them into model selection."""
    count = min(int(len(rows) * fraction), len(rows) - 1)
    if count <= 0:
        return list(rows), []
    held = set(random.Random(seed).sample(range(len(rows)), count))
    train = [row for i, row in enumerate(rows) if i not in held]
    return train, [row for i, row in enumerate(rows) if i in held]


def quantization_config(settings: TrainSettings, cuda: bool) -> Any | None:
    """A bitsandbytes NF4 config for QLoRA, or None; fails early (one line) where 4-bit cannot
    run, before any model is loaded."""
    if settings.quantization == "none":
        return None
    if importlib.util.find_spec("bitsandbytes") is None:
        raise StudioError("train.quantization: 4bit needs bitsandbytes (pip install bitsandbytes)"
                          "; set quantization: none to train without it")
    if not cuda:
        raise StudioError("train.quantization: 4bit needs a CUDA GPU (bitsandbytes NF4); "
                          "set quantization: none to train on this machine")
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=torch.bfloat16)


def load_model(path: Path, settings: TrainSettings, cuda: bool) -> Any:
    """The base model in bf16 on a GPU (fp32 with ``precision: fp32``), fp32 on a CPU, or NF4
    with ``quantization: 4bit``."""
    import torch
    from transformers import AutoModelForCausalLM

    quantization = quantization_config(settings, cuda)
    dtype = torch.bfloat16 if cuda and settings.precision != "fp32" else torch.float32
    if quantization is None:
        return AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=dtype)
    from peft import prepare_model_for_kbit_training

    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=dtype, quantization_config=quantization,
        device_map={"": 0})
    return prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=settings.gradient_checkpointing)


def load_tokenizer(path: Path) -> Any:
    """The model's tokenizer; its chat template is what formats every training row."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if not tokenizer.chat_template:
        raise StudioError("the student model has no chat template; SFT formats its "
                          "prompt/completion rows with it (use an instruct/chat model)", path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def learnable_rows(rows: list[dict[str, Any]], tokenizer: Any,
                   max_length: int) -> list[dict[str, Any]]:
    """Rows whose formatted prompt leaves room for answer tokens within ``max_length``. TRL drops
    such rows itself when it pads, but not when it packs: there a cut-off prompt would fill a
    packed row with tokens that carry no loss."""
    def prompt_tokens(row: dict[str, Any]) -> int:
        text = tokenizer.apply_chat_template(row["prompt"], tokenize=False,
                                             add_generation_prompt=True)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return [row for row in rows if prompt_tokens(row) < max_length]


def build_trainer(rows: list[dict[str, Any]], validation: list[dict[str, Any]], path: Path,
                  tokenizer: Any, settings: TrainSettings, work_dir: Path,
                  callbacks: list[Any] | None = None) -> Any:
    """An SFTTrainer with LoRA on ``path``; its datasets are tokenised (and packed) already."""
    import torch
    from datasets import Dataset
    from transformers import EarlyStoppingCallback
    from trl import SFTTrainer

    cuda = torch.cuda.is_available()
    torch.manual_seed(settings.seed)
    model = load_model(path, settings, cuda)
    if settings.full_finetune:
        check_full_names(model, path)
    extra = list(callbacks or [])
    if validation and settings.early_stopping_patience is not None:
        extra.append(EarlyStoppingCallback(early_stopping_patience=settings.early_stopping_patience))
    trainer = rich_progress(completion_logits_trainer(SFTTrainer)(
        model=model, args=sft_config(settings, work_dir, cuda, bool(validation)),
        train_dataset=Dataset.from_list(rows),
        eval_dataset=Dataset.from_list(validation) if validation else None,
        processing_class=tokenizer, peft_config=lora_config(settings), callbacks=extra), "SFT")
    if settings.full_finetune:
        freeze_placeholder(trainer.model)
    return trainer


def check_full_names(model: Any, path: Path) -> None:
    """Full fine-tuning knows Llama-family module names; any other model fails here, in one
    line, rather than deep in PEFT or by training only the modules that happen to match."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [m for m in (*FULL_MODULES, "embed_tokens") if m not in names]
    if missing:
        raise StudioError(f"train.full_finetune: this model has no modules named "
                          f"{', '.join(missing)} (full fine-tuning knows Llama-family layer "
                          f"names); use LoRA instead", path)


def freeze_placeholder(model: Any) -> None:
    """Full fine-tuning: freeze the zero LoRA on the embeddings (their weight is tied to
    lm_head in small models, and TRL reads lm_head.weight directly)."""
    for name, param in model.named_parameters():
        if "lora_" in name:
            param.requires_grad = False


_NOT_MODEL_INPUTS = {"labels", "completion_mask", "assistant_masks"}


def completion_logits_trainer(base: type) -> type:
    """``base`` (TRL's SFTTrainer) computing vocabulary logits only where there is loss.

    The LM head over a 49k-token vocabulary is the largest matrix product of a small model's
    step, and with answer-only loss most positions (the prompt) never use its output. The
    decoder runs as usual (LoRA layers included); the head is applied to the positions whose
    next token is a label, and the loss is the same token-level cross-entropy, summed over the
    batch's label tokens and divided by their count (``num_items_in_batch`` under gradient
    accumulation), as transformers computes it.
    """
    import torch.nn.functional as functional

    class CompletionLogitsTrainer(base):  # type: ignore[misc, valid-type]
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            labels = inputs.get("labels")
            inner = model.get_base_model() if hasattr(model, "get_base_model") else model
            if return_outputs or labels is None or not hasattr(inner, "lm_head"):
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            model_inputs = {k: v for k, v in inputs.items() if k not in _NOT_MODEL_INPUTS}
            targets = labels[:, 1:]
            mask = targets != -100
            # the inner modules bypass the forward that accelerate wraps in autocast
            with self.accelerator.autocast():
                hidden = inner.model(**model_inputs).last_hidden_state
                logits = inner.lm_head(hidden[:, :-1][mask])
            total = functional.cross_entropy(logits.float(), targets[mask], reduction="sum")
            count = num_items_in_batch if num_items_in_batch is not None else mask.sum()
            self._count_tokens(inputs)
            return total / count

        def _count_tokens(self, inputs: dict[str, Any]) -> None:
            """TRL's running ``num_tokens`` (real tokens seen), which its own loss keeps."""
            if not self.model.training:
                return
            if "attention_mask" in inputs:
                seen = inputs["attention_mask"].sum().item()
            else:  # padding-free: one packed row, no padding at all
                seen = inputs["position_ids"].numel()
            self._total_train_tokens += int(seen)
            self._metrics["train"]["num_tokens"] = [self._total_train_tokens]

    return CompletionLogitsTrainer


def latest_checkpoint(output_dir: Path) -> Path | None:
    checkpoints = sorted(output_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return checkpoints[-1] if checkpoints else None


def train_sft(rows: list[dict[str, Any]], base_model: str, settings: TrainSettings,
              work_dir: Path, out_dir: Path, cache_dir: str | None = None,
              callbacks: list[Any] | None = None,
              hooks: Sequence[CallbackHook] = ()) -> TrainResult:
    """LoRA-train ``base_model`` on TRL prompt/completion rows; save the adapter in ``out_dir``.

    ``callbacks`` are extra transformers TrainerCallbacks (tests use one to interrupt a run);
    ``hooks`` make more from the tokenizer (the audit's measurement during training, whose
    entries land in the log's ``audit_points``).
    """
    if not rows:
        raise StudioError("no training examples: the dataset's train split is empty")
    require_hf()
    import torch

    quantization_config(settings, torch.cuda.is_available())
    path = resolve_model_path(base_model, cache_dir)
    tokenizer = load_tokenizer(path)
    usable = learnable_rows(rows, tokenizer, settings.max_length)
    if not usable:
        raise StudioError(f"no training example fits train.max_length ({settings.max_length} "
                          f"tokens): every prompt is longer; raise max_length")
    train, validation = split_validation(usable, settings.validation_fraction, settings.seed)
    extra = list(callbacks or []) + [hook(tokenizer) for hook in hooks]
    trainer = build_trainer(train, validation, path, tokenizer, settings, work_dir, extra)
    resume = latest_checkpoint(work_dir)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    runtime = time.perf_counter() - start
    history = list(trainer.state.log_history)
    final = float(trainer.evaluate()[EVAL_METRIC]) if validation else None
    peft_model: Any = trainer.model
    peft_model.save_pretrained(out_dir / ADAPTER_DIR)
    result = _result(trainer.state, history, len(train), len(validation), settings, runtime,
                     resume, final)
    result.skipped_examples = len(rows) - len(usable)
    (out_dir / TRAIN_LOG).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    del trainer
    release_memory()
    return result


CallbackHook = Callable[[Any], Any]  # tokenizer -> a transformers TrainerCallback


def read_train_log(out_dir: Path) -> TrainResult:
    return TrainResult.model_validate(json.loads((out_dir / TRAIN_LOG).read_text()))


def _result(state: Any, history: list[dict[str, Any]], examples: int, validation: int,
            settings: TrainSettings, runtime: float, resume: Path | None,
            final: float | None) -> TrainResult:
    import torch

    best = state.best_model_checkpoint
    return TrainResult(
        steps=state.global_step, examples=examples, epochs=float(state.epoch or 0),
        losses=[float(h["loss"]) for h in history if "loss" in h],
        train_tokens=_tokens_seen(history), runtime_s=runtime,
        resumed_from=resume.name if resume else None,
        device="cuda" if torch.cuda.is_available() else "cpu", packing=settings.packing,
        quantization=settings.quantization, validation_examples=validation,
        eval_losses=[EvalPoint(step=int(h["step"]), loss=float(h[EVAL_METRIC]))
                     for h in history if EVAL_METRIC in h],
        best_eval_loss=float(state.best_metric) if state.best_metric is not None else None,
        best_step=int(Path(best).name.split("-")[1]) if best else None,
        final_eval_loss=final,
        stopped_early=bool(validation) and state.global_step < state.max_steps,
        audit_points=measured_points(history))


def _tokens_seen(log_history: list[dict[str, Any]]) -> int:
    counts = [float(h["num_tokens"]) for h in log_history if "num_tokens" in h]
    return int(counts[-1]) if counts else 0
