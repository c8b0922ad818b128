"""Teacher generation throughput on one backend, batched vs one call at a time, in one run.

The same teacher requests (questions and violating stories for N policies of the bundled
example) go through the frame stage's own code (``run_teacher`` + ``collect``) on the same
embedded hf backend: once handed over ``batch`` at a time, once one at a time. Prints items/s
(validated items, not raw replies), tokens/s and the ratio.

    .venv/bin/python bench/bench_generation.py [N_POLICIES] [BATCH] [MAX_NEW_TOKENS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from alignment_studio.backends.base import GenerationConfig
from alignment_studio.backends.hf import HFBackend
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.frame import select_policies, teacher_requests
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.teacher import TeacherJournal, TeacherRequest, collect, run_teacher
from alignment_studio.stages.init import example_dir


def timed(backend: HFBackend, requests: list[TeacherRequest], chunk: int,
          config: GenerationConfig, prompts: Prompts) -> tuple[float, int, int]:
    """(seconds, validated items, generated tokens) for one pass over fresh journals."""
    with tempfile.TemporaryDirectory() as tmp:
        journal = TeacherJournal(Path(tmp) / "teacher.jsonl")
        start = time.perf_counter()
        asyncio.run(run_teacher(requests, backend, journal, config, lambda n: None, chunk))
        seconds = time.perf_counter() - start
    document = read_document(example_dir() / "guidelines.md")
    policies = {p.id: p for p in document.policies()}
    outcome = collect(requests, journal, policies, ExampleFactory(prompts, "Acme"), "bench",
                      prompts, max_attempts=1)
    tokens = sum(len(backend.tokenizer(t)["input_ids"]) for t in journal.done.values())
    return seconds, len(outcome.examples), tokens


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    new_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 48
    prompts = Prompts(None)
    document = read_document(example_dir() / "guidelines.md")
    requests = teacher_requests(select_policies([document], None), n, ["question", "violating"],
                                prompts, "Meridian Harbor")
    config = GenerationConfig(max_new_tokens=new_tokens)
    backend = HFBackend(batch_size=batch)
    timed(backend, requests[:2], batch, config, prompts)  # warm-up
    t_batch, items_batch, tok_batch = timed(backend, requests, batch, config, prompts)
    t_one, items_one, tok_one = timed(backend, requests, 1, config, prompts)
    print(f"{len(requests)} teacher calls ({n} policies x question, violating), "
          f"{new_tokens} new tokens max, embedded SmolLM2-135M on this machine")
    print(f"batched ({batch}):   {items_batch / t_batch:5.2f} items/s, "
          f"{tok_batch / t_batch:6.1f} tokens/s ({t_batch:.1f} s, {items_batch} items)")
    print(f"one at a time: {items_one / t_one:5.2f} items/s, "
          f"{tok_one / t_one:6.1f} tokens/s ({t_one:.1f} s, {items_one} items)")
    print(f"ratio batched / one at a time (seconds per call): {t_one / t_batch:.2f}")


if __name__ == "__main__":
    main()
