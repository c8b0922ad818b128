"""The detector stage: an input and an output policy-violation detector trained on the train
split, as one artifact (``input/``, ``output/`` and their held-out figures). The audit reports
the figures and judges attacks with the output detector; the server guards with both; the
monitor screens logged conversations."""

from __future__ import annotations

import json

from rich.console import Console

from alignment_studio.auditors.redteam.run import SuccessJudge
from alignment_studio.guard.detector import (
    BreachScreen,
    Side,
    ViolationDetector,
    evaluate_detector,
    training_texts,
)
from alignment_studio.scoring.scorer import AllOf, Scorer
from alignment_studio.stages import frame, review
from alignment_studio.types import Split
from alignment_studio.workspace import Artifact, Workspace

VERSION = "detector-v1"
FIGURES_FILE = "figures.json"
SIDES: tuple[Side, ...] = ("input", "output")
console = Console(stderr=True)


def detectors(ws: Workspace) -> Artifact:
    """The trained detectors, trained now or reused."""
    return ws.once("detector", lambda: _train(ws))


def _train(ws: Workspace) -> Artifact:
    dataset = frame.dataset(ws)
    reviews = review.reviews_of(ws, dataset)
    embedder = ws.config.audit.detector.embedder
    config = {"embedder": embedder, "version": VERSION}
    inputs = [dataset.id, *sorted(reviews)]
    key, found = ws.cached("detector", inputs, config)
    if found:
        return found
    bundle = review.reviewed(ws, dataset, reviews)
    figures: dict[str, float] = {}
    with ws.store.build("detector", key) as tmp:
        for side in SIDES:
            texts, labels = training_texts(bundle, Split.train, side)
            if len(set(labels)) < 2:
                console.print(f"detector: the train split has no {side} examples of both "
                              "classes; skipped")
                continue
            detector = ViolationDetector(embedder).fit(texts, labels)
            detector.save(tmp / side)
            held, truth = training_texts(bundle, Split.test, side)
            if len(set(truth)) == 2:
                figures |= {f"{side}_{k}": v
                            for k, v in evaluate_detector(detector, held, truth).items()}
        (tmp / FIGURES_FILE).write_text(json.dumps(figures, indent=1), "utf-8")
        return ws.store.commit(tmp, "detector", key, inputs, config)


def detector_of(ws: Workspace, artifact: Artifact, side: str) -> ViolationDetector | None:
    """One side's detector of a detector artifact (None when that side was skipped)."""
    folder = ws.store.path_of(artifact) / side
    return ViolationDetector.load(folder) if folder.is_dir() else None


def latest(ws: Workspace, side: str) -> ViolationDetector | None:
    """The newest trained detector of one side, without training one."""
    artifact = ws.store.latest("detector")
    return detector_of(ws, artifact, side) if artifact else None


def figures(ws: Workspace, artifact: Artifact | None) -> dict[str, float]:
    """The detectors' held-out figures (accuracy, AUROC ... per side)."""
    if artifact is None:
        return {}
    return dict(json.loads((ws.store.path_of(artifact) / FIGURES_FILE).read_text("utf-8")))


def attack_judge(ws: Workspace, artifact: Artifact | None) -> Scorer | None:
    """The rules (no refusal, no policy cue, a substantive reply), and, when the output
    detector exists, its agreement that the reply endorses a breach; None: the rules alone."""
    output = detector_of(ws, artifact, "output") if artifact else None
    if output is None:
        return None
    return AllOf(SuccessJudge(), BreachScreen(output), name="rules + output detector")
