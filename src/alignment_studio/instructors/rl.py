"""Reinforcement fine-tuning with GRPO (TRL ``GRPOTrainer``) against the studio's own rewards.

GRPO samples a group of ``num_generations`` answers per prompt, scores each with the reward
functions, and pushes the policy towards the answers that beat their group's mean reward. No
value network is trained: the group is the baseline, which is what makes it affordable next to a
LoRA adapter. Three rewards are available, added with the weights of ``RLSettings``:

- ``reward_models``: the weighted total of the value reward models (``RewardEnsemble``);
- ``verdict``: a verifiable reward for scenario prompts whose expected label is known (1 when the
  answer's verdict, as the audit parses it, is that label);
- ``citation``: 1 when the answer names one of the item's policy IDs, as the audit checks.

A reward that does not apply to a row (no label, no policy IDs) returns ``None``: TRL leaves it
out of that function's mean and adds nothing to the row's total, instead of counting a miss.

Training continues the SFT (or SFT + DPO) adapter, trainable, as preference training does; with
``beta > 0`` TRL keeps a frozen copy of that adapter (named "ref") as the KL reference, so the
reference costs one LoRA copy, not a second model. Checkpoints go to a work folder every
``save_steps``; a rerun resumes from the newest one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.core.answers import cites, parse_label
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.preference import load_policy
from alignment_studio.instructors.progress import rich_progress
from alignment_studio.instructors.reward import ValueScores
from alignment_studio.instructors.sft import (
    ADAPTER_DIR,
    latest_checkpoint,
    load_tokenizer,
    lora_config,
    mixed_bf16,
)
from alignment_studio.types import Kind, Label, Message, Split
from alignment_studio.types.data import DatasetBundle
from alignment_studio.workspace.config import RLSettings, TrainSettings

RL_LOG = "rl_log.json"
ENSEMBLE_METRIC = "ensemble/"  # prefix of the per-value means the ensemble reward logs

Row = dict[str, Any]
RewardFunc = Callable[..., list[float | None]]


class RLResult(BaseModel):
    """What a GRPO run did, written beside the adapter as ``rl_log.json``.

    Series hold one value per logged optimizer step: ``rewards`` is TRL's ``reward`` (the mean
    weighted total over the step's completions), ``rewards_per_function`` each function's own
    mean (before weighting), ``rewards_per_value`` the mean reward of each value model."""

    model_config = ConfigDict(extra="forbid")
    method: Literal["grpo"] = "grpo"
    start_adapter: str | None = Field(None, description="the adapter continued; None = fresh LoRA")
    steps: int
    prompts: int
    skipped: int = Field(0, description="prompts longer than max_prompt_length")
    epochs: float
    num_generations: int
    beta: float
    reward_weights: dict[str, float] = Field(description="reward function name -> weight")
    losses: list[float] = Field(default_factory=list)
    rewards: list[float] = Field(default_factory=list)
    reward_std: list[float] = Field(default_factory=list)
    rewards_per_function: dict[str, list[float]] = Field(default_factory=dict)
    rewards_per_value: dict[str, list[float]] = Field(default_factory=dict)
    kl: list[float] = Field(default_factory=list, description="empty when beta is 0")
    groups_without_signal: list[float] = Field(
        default_factory=list, description="share of the step's prompt groups whose answers all "
        "got the same reward (TRL's frac_reward_zero_std): those groups teach nothing")
    completion_lengths: list[float] = Field(default_factory=list)
    runtime_s: float = 0.0
    resumed_from: str | None = None
    device: str = "cpu"


class EnsembleScorer(Protocol):
    """What the ensemble reward needs: ``RewardEnsemble`` fits, and so does a test double."""

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores: ...


# --- prompts ---------------------------------------------------------------------------------


def rl_rows(bundle: DatasetBundle, split: Split = Split.train, limit: int | None = None,
            seed: int = 0) -> list[Row]:
    """TRL conversational prompt rows with the columns the rewards read.

    Scenario items need a label (the verdict reward checks it); instruction items have none, so
    only the citation and reward-model rewards apply to them. Conflict items are left out: their
    target is a precedence ruling, which none of these rewards checks. ``limit`` keeps a seeded
    random sample (all rows, in data set order, when None)."""
    rows = [_row(ex.messages, ex.kind, ex.label, ex.policy_ids) for ex in bundle.split(split)
            if ex.kind == Kind.instruction or (ex.kind == Kind.scenario and ex.label is not None)]
    if limit is not None and limit < len(rows):
        rows = random.Random(seed).sample(rows, limit)
    return rows


def _row(messages: Sequence[Message], kind: Kind, label: Label | None,
         policy_ids: Sequence[str]) -> Row:
    return {"prompt": [m.model_dump() for m in messages], "kind": kind.value,
            "label": label.value if label is not None else None, "policy_ids": list(policy_ids)}


def fit_prompts(rows: list[Row], tokenizer: Any, max_prompt_length: int) -> tuple[list[Row], int]:
    """(rows whose chat-formatted prompt fits ``max_prompt_length`` tokens, number skipped).
    TRL's GRPO does not cut prompts, and a cut one would lose the question at its end."""
    kept = [r for r in rows
            if len(tokenizer.apply_chat_template(r["prompt"], tokenize=True,
                                                 add_generation_prompt=True,
                                                 return_dict=True)["input_ids"])
            <= max_prompt_length]
    return kept, len(rows) - len(kept)


# --- rewards ---------------------------------------------------------------------------------


def completion_text(completion: Any) -> str:
    """The answer's text: TRL passes a string for plain prompts and, for conversational ones, a
    list of messages whose last is the assistant's (content a string or text blocks)."""
    if isinstance(completion, str):
        return completion
    content = completion[-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)


def prompt_messages(prompt: Any) -> list[Message]:
    """A TRL prompt as our messages (a plain string becomes one user turn)."""
    if isinstance(prompt, str):
        return [Message(role="user", content=prompt)]
    return [Message(role=m["role"], content=m["content"]) for m in prompt]


def verdict_reward(prompts: list[Any], completions: list[Any],
                   label: list[str | None] | None = None, **kwargs: Any) -> list[float | None]:
    """1.0 when the answer's verdict (``auditors.metrics.parse_label``) is the expected label,
    0.0 when it is another or none; None for rows without a label (instruction items)."""
    labels = label if label is not None else [None] * len(completions)
    return [None if expected is None else float(parse_label(completion_text(c)) == Label(expected))
            for c, expected in zip(completions, labels, strict=True)]


def citation_reward(prompts: list[Any], completions: list[Any],
                    policy_ids: list[list[str]] | None = None,
                    **kwargs: Any) -> list[float | None]:
    """1.0 when the answer names one of the item's policy IDs (``auditors.metrics.cites``),
    else 0.0; None for rows without policy IDs."""
    ids = policy_ids if policy_ids is not None else [[]] * len(completions)
    return [float(cites(completion_text(c), list(p))) if p else None
            for c, p in zip(completions, ids, strict=True)]


def ensemble_reward(ensemble: EnsembleScorer) -> RewardFunc:
    """A TRL reward function giving the ensemble's weighted total for each (prompt, answer).

    Each value's mean reward goes to TRL's ``log_metric`` (as ``ensemble/<value>``) when TRL
    passes one, so the log shows which value moved, not only the total."""
    def ensemble_reward(prompts: list[Any], completions: list[Any],
                        **kwargs: Any) -> list[float | None]:
        scores = ensemble.score([prompt_messages(p) for p in prompts],
                                [completion_text(c) for c in completions])
        log_metric = kwargs.get("log_metric")
        if log_metric is not None:
            for name, values in scores.per_value.items():
                log_metric(ENSEMBLE_METRIC + name, sum(values) / len(values))
        return list(scores.total)

    return ensemble_reward


def combined_rewards(settings: RLSettings,
                     ensemble: EnsembleScorer | None) -> tuple[list[RewardFunc], list[float]]:
    """(reward functions, their weights) for GRPOConfig: every reward whose weight is above 0.

    TRL adds the weighted rewards per completion, then normalises within each prompt's group."""
    if settings.reward_models > 0 and ensemble is None:
        raise StudioError(f"rl.reward_models is {settings.reward_models} but no reward models "
                          "were trained: enable reward training or set rl.reward_models: 0")
    chosen: list[tuple[RewardFunc, float]] = []
    if settings.reward_models > 0 and ensemble is not None:
        chosen.append((ensemble_reward(ensemble), settings.reward_models))
    if settings.verdict > 0:
        chosen.append((verdict_reward, settings.verdict))
    if settings.citation > 0:
        chosen.append((citation_reward, settings.citation))
    if not chosen:
        raise StudioError("rl: every reward weight (reward_models, verdict, citation) is 0, so "
                          "there is nothing to train towards")
    return [f for f, _ in chosen], [w for _, w in chosen]


# --- training --------------------------------------------------------------------------------


def grpo_config(settings: RLSettings, weights: list[float], output_dir: Path, cuda: bool) -> Any:
    from trl import GRPOConfig

    return GRPOConfig(
        output_dir=str(output_dir), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
        save_steps=settings.save_steps, save_total_limit=2, save_strategy="steps",
        report_to=[], seed=settings.seed, data_seed=settings.seed,
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length, temperature=settings.temperature,
        beta=settings.beta, reward_weights=weights,
        bf16=mixed_bf16(settings.precision, cuda), use_cpu=not cuda,
        # ratios and KL must compare one function with itself, not two dropout masks
        disable_dropout=True, dataloader_num_workers=0, eval_strategy="no",
        gradient_checkpointing=False)


def train_rl(rows: list[Row], base_model: str, start_adapter: Path | None, settings: RLSettings,
             work_dir: Path, out_dir: Path, cache_dir: str | None = None,
             ensemble: EnsembleScorer | None = None,
             train: TrainSettings | None = None) -> RLResult:
    """GRPO on ``rl_rows`` prompts; save the adapter in ``out_dir/adapter`` and ``rl_log.json``.

    ``start_adapter`` (the SFT or DPO adapter folder) is continued, trainable; without one a
    fresh LoRA shaped by ``train`` (default TrainSettings()) is trained from the base model."""
    if not rows:
        raise StudioError("no prompts for reinforcement fine-tuning: the train split has no "
                          "scenario or instruction items")
    funcs, weights = combined_rewards(settings, ensemble)
    require_hf()
    import torch

    path = resolve_model_path(base_model, cache_dir)
    cuda = torch.cuda.is_available()
    torch.manual_seed(settings.seed)
    tokenizer = load_tokenizer(path)
    fitted, skipped = fit_prompts(rows, tokenizer, settings.max_prompt_length)
    if not fitted:
        raise StudioError(f"every prompt is longer than rl.max_prompt_length "
                          f"({settings.max_prompt_length} tokens)")
    if settings.max_prompts is not None and len(fitted) > settings.max_prompts:
        # a seeded sample, not the head: the data set is ordered by policy
        fitted = random.Random(settings.seed).sample(fitted, settings.max_prompts)
    model = load_policy(path, start_adapter, cuda, settings.precision)
    fresh = None if start_adapter is not None else lora_config(train or TrainSettings())
    trainer = _trainer(settings, model, fitted, tokenizer, funcs, weights, work_dir, cuda, fresh)
    resume = latest_checkpoint(work_dir)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    peft_model: Any = trainer.model
    peft_model.save_pretrained(out_dir / ADAPTER_DIR, selected_adapters=["default"])
    names = list(trainer.reward_func_names)
    result = _result(trainer.state.log_history, settings, dict(zip(names, weights, strict=True)))
    result = result.model_copy(update={
        "start_adapter": str(start_adapter) if start_adapter else None,
        "steps": trainer.state.global_step, "prompts": len(fitted), "skipped": skipped,
        "epochs": float(trainer.state.epoch or 0), "runtime_s": time.perf_counter() - start,
        "resumed_from": resume.name if resume else None, "device": "cuda" if cuda else "cpu"})
    (out_dir / RL_LOG).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    del trainer, model, peft_model
    release_memory()
    return result


def _trainer(settings: RLSettings, model: Any, rows: list[Row], tokenizer: Any,
             funcs: list[RewardFunc], weights: list[float], work_dir: Path, cuda: bool,
             fresh_lora: Any) -> Any:
    from datasets import Dataset
    from trl import GRPOTrainer

    return rich_progress(GRPOTrainer(model=model, reward_funcs=list(funcs),
                                     args=grpo_config(settings, weights, work_dir, cuda),
                                     train_dataset=Dataset.from_list(rows),
                                     processing_class=tokenizer, peft_config=fresh_lora), "GRPO")


def _result(history: list[dict[str, Any]], settings: RLSettings,
            weights: dict[str, float]) -> RLResult:
    steps = [h for h in history if "loss" in h]

    def series(key: str) -> list[float]:
        return [float(h[key]) for h in steps if h.get(key) is not None]

    values = sorted({k[len(ENSEMBLE_METRIC):] for h in steps for k in h
                     if k.startswith(ENSEMBLE_METRIC)})
    return RLResult(
        steps=0, prompts=0, epochs=0.0, num_generations=settings.num_generations,
        beta=settings.beta, reward_weights=weights, losses=series("loss"),
        rewards=series("reward"), reward_std=series("reward_std"),
        rewards_per_function={n: series(f"rewards/{n}/mean") for n in weights},
        rewards_per_value={v: series(ENSEMBLE_METRIC + v) for v in values},
        kl=series("kl"), groups_without_signal=series("frac_reward_zero_std"),
        completion_lengths=series("completions/mean_length"))


def read_rl_log(out_dir: Path) -> RLResult:
    return RLResult.model_validate(json.loads((out_dir / RL_LOG).read_text(encoding="utf-8")))
