"""The audit during training: a transformers callback that, every N optimizer steps, lets the
model being trained answer a fixed set of held-out scenario items and logs its verdict accuracy
and macro-F1 into the trainer's log history (keys ``audit/...``), so the training log shows
whether the behaviour moves while the loss falls.

It only measures: early stopping and checkpoint selection keep using the validation loss, so
held-out items never steer training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alignment_studio.auditors.suites import confusion, macro_f1, score_item_full
from alignment_studio.types import Example, ItemResult, Kind
from alignment_studio.types.models import MEASURE_PREFIX


def verdict_figures(results: Sequence[ItemResult]) -> dict[str, float]:
    """Accuracy and macro-F1 of scenario verdicts (an unreadable verdict counts as wrong)."""
    n = len(results)
    return {"scenario_accuracy": sum(bool(r.correct) for r in results) / n if n else 0.0,
            "scenario_macro_f1": macro_f1(confusion(results)), "n": float(n)}


def make_audit_callback(items: Sequence[Example], tokenizer: Any, every: int,
                        max_new_tokens: int = 24) -> Any:
    """A TrainerCallback answering ``items`` (scenarios) greedily every ``every`` steps and at
    the end of training."""
    from transformers import TrainerCallback

    scenarios = [e for e in items if e.kind == Kind.scenario and e.label is not None]
    if every < 1:
        raise ValueError("the audit callback needs a step interval of at least 1")

    class AuditCallback(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if scenarios and state.global_step % every == 0:
                self._measure(state, kwargs["model"])

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            done = {h.get("step") for h in state.log_history if f"{MEASURE_PREFIX}n" in h}
            if scenarios and state.global_step not in done:
                self._measure(state, kwargs["model"])

        def _measure(self, state: Any, model: Any) -> None:
            outputs = answer(model, tokenizer, scenarios, max_new_tokens)
            figures = verdict_figures([score_item_full(e, o) for e, o in
                                       zip(scenarios, outputs, strict=True)])
            state.log_history.append({"step": state.global_step,
                                      **{MEASURE_PREFIX + k: v for k, v in figures.items()}})

    return AuditCallback()


def answer(model: Any, tokenizer: Any, items: Sequence[Example],
           max_new_tokens: int, batch_size: int = 8) -> list[str]:
    """Greedy answers of the model in training (switched to eval mode and back), left-padded
    batches through the chat template, like the hf backend."""
    import torch

    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    texts: list[str] = []
    try:
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            prompts = [tokenizer.apply_chat_template([m.model_dump() for m in e.messages],
                                                     tokenize=False, add_generation_prompt=True)
                       for e in chunk]
            enc = tokenizer(prompts, return_tensors="pt", padding=True,
                            add_special_tokens=False).to(model.device)
            with torch.inference_mode():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id, use_cache=True)
            new = out[:, enc["input_ids"].shape[1]:]  # (B, T_new)
            texts += [tokenizer.decode(row, skip_special_tokens=True).strip() for row in new]
    finally:
        tokenizer.padding_side = side
        if was_training:
            model.train()
    return texts
