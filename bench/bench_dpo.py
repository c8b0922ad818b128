"""DPO time and peak memory with and without precomputed reference log-probabilities, in one run.

The same pairs (the bundled example's structure-made preference pairs with the shortest
prompts), the same embedded SmolLM2-135M, the same stand-in SFT adapter and one epoch each, so
both runs do the same policy work. With precomputation the reference (the frozen SFT adapter)
scores every pair once before training; without it, every step runs an extra reference forward
pass. Each run is its own process, started by a small measuring process of its own, whose
``getrusage(RUSAGE_CHILDREN)`` is then that one run's peak resident size.

    .venv/bin/python bench/bench_dpo.py [PAIRS] [BATCH] [MAX_LENGTH]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ADAPTER_RANK = 16  # the SFT stage's default LoRA shape


def pairs(n: int) -> list[dict[str, Any]]:
    from alignment_studio.core.prompts import Prompts
    from alignment_studio.framers.examples import ExampleFactory
    from alignment_studio.framers.generate import structure_examples
    from alignment_studio.framers.parse import read_document
    from alignment_studio.stages.init import example_dir
    from alignment_studio.types import DatasetBundle, Kind

    factory = ExampleFactory(Prompts(None), "Acme")
    examples = [e for p in read_document(example_dir() / "guidelines.md").policies()
                for e in structure_examples(p, "Guidelines", factory)
                if e.kind == Kind.preference]
    rows = DatasetBundle(name="bench", version="1", examples=examples).to_trl(preference=True)
    return sorted(rows, key=lambda r: len(r["prompt"][-1]["content"]))[:n]


def stand_in_adapter(folder: Path) -> Path:
    """A LoRA adapter with random, non-zero B (as after SFT), so the reference differs from the
    base model; training a real one would add minutes and not change what is measured."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from alignment_studio.backends.embedded import resolve_model_path

    model = AutoModelForCausalLM.from_pretrained(resolve_model_path("embedded"),
                                                 local_files_only=True)
    config = LoraConfig(r=ADAPTER_RANK, lora_alpha=2 * ADAPTER_RANK, target_modules="all-linear",
                        task_type="CAUSAL_LM", init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(folder)
    return folder


def worker(precompute: bool, n: int, batch: int, max_length: int, adapter: Path) -> None:
    """One DPO epoch; prints its timings as a JSON line."""
    from alignment_studio.instructors.preference import train_preference
    from alignment_studio.workspace.config import PreferenceSettings

    rows = pairs(n)
    settings = PreferenceSettings(batch_size=batch, grad_accum=1, max_length=max_length,
                                  epochs=1.0, precompute_ref_log_probs=precompute,
                                  save_steps=10_000)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = train_preference(rows, "embedded", adapter, settings, Path(tmp) / "work",
                                  Path(tmp))
        total = time.perf_counter() - start
    print(json.dumps({"total_s": total, "train_s": result.runtime_s, "steps": result.steps,
                      "pairs": result.pairs, "loss": result.losses[-1]}))


def measure(args: list[str]) -> None:
    """Run one worker and report its own peak RSS (this process has no other child)."""
    done = subprocess.run([sys.executable, __file__, "--worker", *args], check=True,
                          capture_output=True, text=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(figures))


def run(precompute: bool, n: int, batch: int, max_length: int, adapter: Path) -> dict[str, Any]:
    args = [str(int(precompute)), str(n), str(batch), str(max_length), str(adapter)]
    done = subprocess.run([sys.executable, __file__, "--measure", *args], check=True,
                          capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        flag, n, batch, length, adapter = sys.argv[2:7]
        worker(flag == "1", int(n), int(batch), int(length), Path(adapter))
        return
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2:7])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    max_length = int(sys.argv[3]) if len(sys.argv) > 3 else 160
    with tempfile.TemporaryDirectory() as tmp:
        adapter = stand_in_adapter(Path(tmp) / "sft")
        print(f"DPO, one epoch over {n} pairs, batch {batch}, max_length {max_length}, "
              f"LoRA r={ADAPTER_RANK} SFT adapter, embedded SmolLM2-135M on this machine")
        for precompute in (True, False):
            f = run(precompute, n, batch, max_length, adapter)
            name = "precomputed reference" if precompute else "reference every step "
            print(f"{name}: {f['total_s']:6.1f} s total, {f['train_s']:6.1f} s in train(), "
                  f"{f['steps']} steps, peak RSS {f['peak_rss_mb']:7.1f} MB, "
                  f"last loss {f['loss']:.4f}")


if __name__ == "__main__":
    main()
