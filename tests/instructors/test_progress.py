"""Training progress: transformers' tqdm bar and log printer give way to one rich bar that
counts the steps and shows the last loss."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from rich.console import Console
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from alignment_studio.instructors.progress import rich_callback, rich_progress


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=120), out


def test_the_bar_counts_steps_and_shows_the_last_loss() -> None:
    console, out = _console()
    callback = rich_callback("SFT", console)
    state = SimpleNamespace(is_world_process_zero=True, max_steps=3, global_step=0)
    callback.on_train_begin(None, state, None)
    for step, loss in ((1, 2.5), (2, 1.75), (3, 1.25)):
        state.global_step = step
        callback.on_step_end(None, state, None)
        callback.on_log(None, state, None, logs={"loss": loss, "learning_rate": 1e-4})
    callback.on_log(None, state, None, logs={"train_runtime": 12.0})  # no loss: kept
    callback.on_train_end(None, state, None)
    shown = out.getvalue()
    assert "SFT" in shown and "3/3" in shown and "loss 1.25" in shown
    assert "loss 2.5" not in shown and "{" not in shown  # no log dicts under the bar


def test_other_processes_draw_nothing() -> None:
    console, out = _console()
    callback = rich_callback("DPO", console)
    state = SimpleNamespace(is_world_process_zero=False, max_steps=2, global_step=1)
    callback.on_train_begin(None, state, None)
    callback.on_step_end(None, state, None)
    callback.on_train_end(None, state, None)
    assert out.getvalue() == ""


class _Trainer:
    def __init__(self, callbacks: list[Any]) -> None:
        self.callbacks = list(callbacks)

    def pop_callback(self, kind: type) -> Any:
        found = next((c for c in self.callbacks if c is kind or isinstance(c, kind)), None)
        if found is not None:
            self.callbacks.remove(found)
        return found

    def add_callback(self, callback: Any) -> None:
        self.callbacks.append(callback)


def test_the_tqdm_bar_and_the_log_printer_are_replaced() -> None:
    for default in (ProgressCallback(), PrinterCallback()):
        trainer = rich_progress(_Trainer([default]), "GRPO")
        assert len(trainer.callbacks) == 1
        assert type(trainer.callbacks[0]).__name__ == "RichProgress"
