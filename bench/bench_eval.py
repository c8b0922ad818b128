"""Audit throughput: the same held-out items answered batched vs one at a time, and the LLM
judge's cost per item, in one run on one backend.

A workspace on the bundled example is framed without a teacher (seconds); its held-out
scenario and instruction items go through the audit's own ``answer_items`` on the embedded
model, once with the hf backend's batch of 8, once with a batch of 1. Then the embedded model
judges some of the answers with the rubric judge: seconds, prompt and completion tokens per
item, and how many replies stayed malformed after the retry. Prints its figures.

    .venv/bin/python bench/bench_eval.py [ITEMS] [JUDGED]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from alignment_studio.auditors.audit import Suites, answer_items
from alignment_studio.auditors.evaluate import select_items
from alignment_studio.auditors.judges import Judge, judge_input
from alignment_studio.auditors.rag import passages
from alignment_studio.backends.hf import HFBackend
from alignment_studio.stages import frame, parse
from alignment_studio.stages.init import example_dir, init_workspace
from alignment_studio.types import Split
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig


def suites(root: Path, items: int) -> Suites:
    shutil.copy(example_dir() / "guidelines.md", root / "guidelines.md")
    config = StudioConfig(name="bench")
    config.frame.teacher_policies = 0
    init_workspace(root / "ws", [root / "guidelines.md"], [], config)
    studio = Workspace(root / "ws")
    dataset = frame.dataset(studio)
    bundle = frame.bundle(studio, dataset)
    docs = parse.documents_of(studio, dataset)
    return Suites(items=select_items(bundle.split(Split.test), items), conflicts=[], general=[],
                  attacks=[], policies={p.id: p for d in docs for p in d.policies()},
                  passages=passages(docs), settings=config.audit)


def main() -> None:
    n_items = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    n_judged = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with tempfile.TemporaryDirectory() as tmp:
        suite = suites(Path(tmp), n_items)
    backend = HFBackend(batch_size=8)
    answer_items(backend, replace(suite, items=suite.items[:2]), "base")  # warm-up
    start = time.perf_counter()
    batched = answer_items(backend, suite, "base")
    t_batch = time.perf_counter() - start
    backend.batch_size = 1
    start = time.perf_counter()
    single = answer_items(backend, suite, "base")
    t_one = time.perf_counter() - start
    same = sum(a.output == b.output for a, b in zip(batched, single, strict=True))
    print(f"{len(suite.items)} held-out items (scenario verdicts: 24 tokens, answers: 64), "
          "embedded SmolLM2-135M, this machine")
    print(f"batched (8):  {len(batched) / t_batch:5.2f} items/s ({t_batch:.1f} s)")
    print(f"one at a time: {len(single) / t_one:5.2f} items/s ({t_one:.1f} s)")
    print(f"ratio: {t_one / t_batch:.2f}x; identical greedy outputs: {same} of {len(batched)} "
          "(left padding can change a token's rounding)")

    backend.batch_size = 8
    judge = Judge(backend, max_new_tokens=160)
    inputs = [judge_input(e, r.output, suite.policies)
              for e, r in zip(suite.items[:n_judged], batched[:n_judged], strict=True)]
    start = time.perf_counter()
    verdicts = judge.judge(inputs)
    seconds = time.perf_counter() - start
    cost = judge.cost.as_report()
    malformed = sum(v.malformed for v in verdicts)
    print(f"judge (embedded model as judge, rubric, 1 retry): {seconds / len(inputs):.2f} s per "
          f"item, {cost['prompt_tokens'] / len(inputs):.0f} prompt + "
          f"{cost['completion_tokens'] / len(inputs):.0f} completion tokens per item, "
          f"{malformed} of {len(inputs)} malformed after the retry")


if __name__ == "__main__":
    main()
