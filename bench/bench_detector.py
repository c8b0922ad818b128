"""The policy-violation detector on the bundled example: hashing vs MiniLM embeddings, side by side.

Frames the bundled business-conduct example without a teacher (seeds + structure-made items,
split by policy), trains one detector per side (input: scenario situations; output: preference
answers) and one on both sides together, on the train split, and evaluates on the held-out
policies of the test split. Fit seconds include embedding the training texts; texts/s is
predict_proba over the test texts (MiniLM's one-off model load is timed separately). Also shown:
the expert-written seed scenarios of the test split alone, the least template-like items.
Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_detector.py [EMBEDDER ...]     (default: hashing minilm)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.guard.detector import (
    Side,
    ViolationDetector,
    evaluate_detector,
    situation_text,
    training_texts,
)
from alignment_studio.guard.embeddings import Embedder, get_embedder
from alignment_studio.stages.init import example_dir
from alignment_studio.types import DatasetBundle, Kind, Label, Split
from alignment_studio.workspace.config import FrameSettings

SIDES: tuple[Side, ...] = ("input", "output", "both")


def example_bundle() -> DatasetBundle:
    doc = read_document(example_dir() / "guidelines.md")
    seeds = [load_seeds(example_dir() / "seeds.yaml", [doc])]
    with tempfile.TemporaryDirectory() as tmp:
        return frame_dataset([doc], seeds, None, FrameSettings(teacher_policies=0), "Acme",
                             Prompts(None), Path(tmp) / "teacher.jsonl", "none").bundle


def seed_scenarios(bundle: DatasetBundle) -> tuple[list[str], list[int]]:
    items = [e for e in bundle.split(Split.test)
             if e.kind == Kind.scenario and e.provenance.source == "seed"]
    return ([situation_text(e.messages) for e in items],
            [int(e.label == Label.violating) for e in items])


def warm_up(embedder: Embedder) -> float:
    """Seconds to load the embedder's model (MiniLM's first call), kept out of the rates."""
    start = time.perf_counter()
    embedder.embed(["warm up"])
    return time.perf_counter() - start


def row(label: str, figures: dict[str, float], fit_s: float | None = None,
        rate: float | None = None) -> str:
    fit = f"{fit_s:7.2f}" if fit_s is not None else f"{'-':>7}"
    speed = f"{rate:9.0f}" if rate is not None else f"{'-':>9}"
    return (f"{label:<24} {int(figures['n']):>4} {figures['accuracy']:6.3f} "
            f"{figures['f1']:6.3f} {figures['auroc']:6.3f} {fit} {speed}")


def bench(name: str, bundle: DatasetBundle) -> None:
    embedder = get_embedder(name)
    print(f"\n{name}: model load {warm_up(embedder):.1f} s")
    print(f"{'detector / test set':<24} {'n':>4} {'acc':>6} {'F1':>6} {'AUROC':>6} "
          f"{'fit s':>7} {'texts/s':>9}")
    for side in SIDES:
        train = training_texts(bundle, Split.train, side)
        start = time.perf_counter()
        detector = ViolationDetector(embedder, side=side).fit(*train)
        fit_s = time.perf_counter() - start
        test = training_texts(bundle, Split.test, side)
        start = time.perf_counter()
        figures = evaluate_detector(detector, *test)
        rate = len(test[0]) / (time.perf_counter() - start)
        print(row(f"{side} ({len(train[0])} train)", figures, fit_s, rate))
        if side == "input":
            seeds = seed_scenarios(bundle)
            print(row("  expert seeds only", evaluate_detector(detector, *seeds)))
        if side == "both":
            for part in ("input", "output"):
                part_test = training_texts(bundle, Split.test, part)
                print(row(f"  on {part} test only", evaluate_detector(detector, *part_test)))


def main() -> None:
    names = sys.argv[1:] or ["hashing", "minilm"]
    start = time.perf_counter()
    bundle = example_bundle()
    print(f"bundled example framed in {time.perf_counter() - start:.1f} s: "
          f"{len(bundle.split(Split.train))} train / {len(bundle.split(Split.test))} test items; "
          f"{len(bundle.manifest.test_policy_ids)} policies held out")
    for side in ("input", "output"):
        labels = training_texts(bundle, Split.test, side)[1]
        majority = max(sum(labels), len(labels) - sum(labels)) / len(labels)
        print(f"{side} test: {len(labels)} texts, {sum(labels)} violating, majority-class "
              f"accuracy {majority:.3f}")
    for name in names:
        bench(name, bundle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB; threshold 0.5 (class-balanced weights), l2 1e-3")


if __name__ == "__main__":
    main()
