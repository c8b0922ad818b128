"""Our SFT (`train_sft`, packing on) against a plain TRL SFTTrainer script written the obvious way
(no packing, default padding): same rows from the bundled example, same embedded model, same LoRA
config, batch, steps and max_length, one after the other on this machine. Each run is its own
subprocess, so its peak RSS is its own (os.wait4); on a GPU the child reports
torch.cuda.max_memory_allocated. Throughput counts real (non-pad) tokens as TRL logs them.
Prints the figures (target: ours/plain tokens/s >= 1.0); asserts nothing.

    .venv/bin/python bench/bench_sft.py [--steps 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STEPS = 10
BATCH = 2
MAX_LENGTH = 320
ROWS = 120  # more than 10 steps x 2 rows can use, packed or not


def bench_settings(steps: int) -> Any:
    from alignment_studio.workspace.config import TrainSettings

    return TrainSettings(max_steps=steps, batch_size=BATCH, grad_accum=1, max_length=MAX_LENGTH,
                         validation_fraction=0.0, save_steps=10_000, packing=True)


def example_rows(count: int) -> list[dict[str, Any]]:
    """Training rows of the bundled example, framed without a teacher (as `frame` would)."""
    from alignment_studio.core.prompts import Prompts
    from alignment_studio.framers.frame import frame_dataset
    from alignment_studio.framers.parse import read_document
    from alignment_studio.stages.init import example_dir
    from alignment_studio.types import Split
    from alignment_studio.workspace.config import FrameSettings

    document = read_document(example_dir() / "guidelines.md")
    with tempfile.TemporaryDirectory() as tmp:
        framed = frame_dataset([document], [], None, FrameSettings(), "Meridian Harbor",
                               Prompts(), Path(tmp) / "teacher.jsonl", "none")
    return framed.bundle.to_trl(Split.train)[:count]


def run_ours(rows: list[dict[str, Any]], steps: int, tmp: Path) -> dict[str, Any]:
    from alignment_studio.instructors.sft import train_sft

    result = train_sft(rows, "embedded", bench_settings(steps), tmp / "work", tmp / "out")
    return {"tokens": result.train_tokens, "seconds": result.runtime_s, "steps": result.steps,
            "losses": result.losses}


def run_plain(rows: list[dict[str, Any]], steps: int, tmp: Path) -> dict[str, Any]:
    """What a user writes from the TRL docs: SFTTrainer on the rows, padded batches."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from alignment_studio.backends.embedded import resolve_model_path
    from alignment_studio.instructors.sft import lora_config

    settings = bench_settings(steps)
    path = resolve_model_path("embedded")
    cuda = torch.cuda.is_available()
    torch.manual_seed(settings.seed)
    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=torch.bfloat16 if cuda else torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    args = SFTConfig(output_dir=str(tmp / "plain"), max_steps=steps,
                     per_device_train_batch_size=BATCH, gradient_accumulation_steps=1,
                     learning_rate=settings.learning_rate, max_length=MAX_LENGTH,
                     logging_steps=1, save_strategy="no", report_to=[], seed=settings.seed,
                     use_cpu=not cuda, bf16=cuda,
                     gradient_checkpointing=settings.gradient_checkpointing)
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                         processing_class=tokenizer, peft_config=lora_config(settings))
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    history = trainer.state.log_history
    tokens = max(int(h["num_tokens"]) for h in history if "num_tokens" in h)
    return {"tokens": tokens, "seconds": seconds, "steps": trainer.state.global_step,
            "losses": [float(h["loss"]) for h in history if "loss" in h]}


def child(which: str, rows_file: Path, steps: int) -> None:
    import torch

    rows = json.loads(rows_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        figures = (run_ours if which == "ours" else run_plain)(rows, steps, Path(tmp))
    if torch.cuda.is_available():
        figures["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print("RESULT " + json.dumps(figures))


def measure(which: str, rows_file: Path, steps: int) -> dict[str, Any]:
    """Run one side in a subprocess; its own peak RSS comes from wait4 on that child."""
    args = [sys.executable, __file__, "--child", which, "--rows", str(rows_file),
            "--steps", str(steps)]
    logs = rows_file.parent
    with open(logs / f"{which}.out", "w") as out, open(logs / f"{which}.err", "w") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)  # reaps it: this child's own rusage
        process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in (logs / f"{which}.out").read_text().splitlines()
             if line.startswith("RESULT ")]
    if not lines:
        error = (logs / f"{which}.err").read_text()[-3000:]
        raise SystemExit(f"{which} failed (exit {process.returncode}):\n{error}")
    figures: dict[str, Any] = json.loads(lines[-1][len("RESULT "):])
    figures["rss_peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--child", choices=["ours", "plain"])
    parser.add_argument("--rows", type=Path)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.rows, options.steps)
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.json"
        rows_file.write_text(json.dumps(example_rows(ROWS)), encoding="utf-8")
        plain = measure("plain", rows_file, options.steps)
        ours = measure("ours", rows_file, options.steps)
    print(f"SFT bench: {options.steps} steps x batch {BATCH}, max_length {MAX_LENGTH}, "
          f"embedded SmolLM2-135M, LoRA r=16, {os.cpu_count()} CPUs visible")
    for name, figures in (("plain TRL (padded)", plain), ("ours (packed)", ours)):
        rate = figures["tokens"] / figures["seconds"]
        memory = (f"GPU peak {figures['gpu_peak_mb']:.0f} MB, " if "gpu_peak_mb" in figures
                  else "")
        print(f"  {name:20s} {figures['tokens']:6d} tokens in {figures['seconds']:6.1f} s = "
              f"{rate:6.1f} tokens/s, {memory}peak RSS {figures['rss_peak_mb']:.0f} MB, "
              f"loss {figures['losses'][0]:.3f} -> {figures['losses'][-1]:.3f}")
    ratio = (ours["tokens"] / ours["seconds"]) / (plain["tokens"] / plain["seconds"])
    print(f"  ours/plain tokens/s: {ratio:.2f} (target >= 1.0)")


if __name__ == "__main__":
    main()
