"""Best-of-n answers: a model's answer chosen among ``n`` samples by reward.

Where it is used: ``ask --best-of N``, the server (a request's ``best_of``, or
``serve.best_of_n``), and the audit's aligned answers (``audit.best_of_n``); ``reward.best_of_n``
is the number of samples when a setting, not a request, asks for it. The ranker is the trained
reward models (one per value, weighted) when the workspace has them, else the output violation
detector (``DetectorReward``: 1 - P(violating)), which every default audit trains.
"""

from __future__ import annotations

from collections.abc import Sequence

from alignment_studio.backends import ModelBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.guard.detector import DetectorReward
from alignment_studio.instructors.reward import BestOfNBackend, Ranker, ValueScores
from alignment_studio.stages import detect
from alignment_studio.stages import reward as reward_stage
from alignment_studio.types import Message
from alignment_studio.workspace import Artifact, Workspace

DETECTOR_VALUE = "detector"  # the value name of the detector's reward in per-value scores


class DetectorRanker:
    """The violation detector as a one-value reward, in the shape best-of-n ranks by."""

    def __init__(self, reward: DetectorReward):
        self.reward = reward

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores:
        values = self.reward.score(messages_batch, responses)
        return ValueScores(total=values, per_value={DETECTOR_VALUE: values})


def ranker(ws: Workspace, rewards: Artifact | None, detectors: Artifact | None) -> Ranker:
    """The reward models of ``rewards``, else the output detector of ``detectors``; a one-line
    error when neither gives one."""
    ensemble = reward_stage.ensemble(ws, rewards) if rewards is not None else None
    if ensemble is not None:
        return ensemble
    detector = detect.detector_of(ws, detectors, "output") if detectors is not None else None
    if detector is not None:
        return DetectorRanker(DetectorReward(detector))
    raise StudioError("best-of-n ranks answers by reward, and this workspace has none yet: "
                      "train reward models (reward.enabled, then 'alignment-studio reward DIR') "
                      "or the violation detector ('alignment-studio audit DIR' with "
                      "audit.detector.enabled)", ws.config_path)


def newest_ranker(ws: Workspace) -> Ranker:
    """The ranker of the newest reward models or detector, training nothing."""
    return ranker(ws, ws.store.latest("reward"), ws.store.latest("detector"))


def best_of(backend: ModelBackend, n: int, rank: Ranker | None) -> ModelBackend:
    """``backend`` answering with the best of ``n`` samples (itself when ``n`` is 1)."""
    if n <= 1 or rank is None:
        return backend
    return BestOfNBackend(backend, rank, n)
