"""Training progress as one rich bar per stage on stderr, as the frame and audit stages show it.

transformers' own ``ProgressCallback`` draws a tqdm bar and writes every ``{'loss': …}`` dict
under it; with ``disable_tqdm`` its ``PrinterCallback`` prints the dicts instead. Both are
replaced by ``RichProgress``: steps done of the total, elapsed and remaining time, and the last
logged loss (the losses still go to the trainer's log history and the training log).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def progress_bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("steps"), TimeElapsedColumn(), TextColumn("left"),
                    TimeRemainingColumn(), TextColumn("{task.fields[loss]}"), console=console)


def rich_callback(label: str, console: Console | None = None) -> Any:
    """A transformers ``TrainerCallback`` that draws the training steps of ``label``."""
    from transformers.trainer_callback import TrainerCallback

    class RichProgress(TrainerCallback):  # type: ignore[misc]
        def __init__(self) -> None:
            self.bar: Progress | None = None
            self.task: TaskID | None = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not state.is_world_process_zero:
                return
            self.bar = progress_bar(console or Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(label, total=state.max_steps or None, loss="")

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None and self.task is not None:
                self.bar.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None,
                   **kwargs: Any) -> None:
            loss = (logs or {}).get("loss")
            if self.bar is not None and self.task is not None and isinstance(loss, int | float):
                self.bar.update(self.task, loss=f"loss {loss:.4g}")

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None:
                self.bar.stop()
            self.bar = None

    return RichProgress()


def rich_progress(trainer: Any, label: str, console: Console | None = None) -> Any:
    """``trainer`` with transformers' tqdm bar (or log printer) replaced by a rich bar."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.pop_callback(ProgressCallback)
    trainer.pop_callback(PrinterCallback)
    trainer.add_callback(rich_callback(label, console))
    return trainer
