"""Best-of-n answers with the fake backend: the wrapper every caller uses (ask, audit, server),
the ranker a workspace gives (reward models, else the violation detector), and ``ask``."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from alignment_studio.backends import FakeSpec
from alignment_studio.backends.base import GenerationConfig, ModelOutput, Progress
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.reward import BEST_OF_N_TEMPERATURE, BestOfNBackend, ValueScores
from alignment_studio.stages import best_of, detect, models
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import Message
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig

QUESTION = [Message(role="user", content="May I accept a gift?")]


class Recorder(FakeBackend):
    """The scripted fake, recording the decoding settings of every batch."""

    def __init__(self, outputs: Sequence[str]):
        super().__init__(outputs=outputs)
        self.configs: list[GenerationConfig] = []

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        self.configs.append(config)
        return await super().generate_batch(batch, config, progress)


class CitesPolicy:
    """A scripted ranker: 1 for an answer that names a policy ID, else 0."""

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores:
        totals = [float("conduct/gifts" in r) for r in responses]
        return ValueScores(total=totals, per_value={"rules": totals})


def test_each_answer_is_the_best_of_n_samples_drawn_in_one_batch() -> None:
    inner = Recorder(["no idea", "see conduct/gifts: no cash", "maybe",  # first question
                      "conduct/gifts says so", "nothing", "nope"])  # second question
    backend = BestOfNBackend(inner, CitesPolicy(), 3)
    outputs = asyncio.run(backend.generate_batch([QUESTION, QUESTION], GenerationConfig()))
    assert [o.text for o in outputs] == ["see conduct/gifts: no cash", "conduct/gifts says so"]
    assert len(inner.history) == 6 and len(inner.configs) == 1  # one call for all samples
    assert inner.configs[0].temperature == BEST_OF_N_TEMPERATURE  # greedy would repeat itself
    own = Recorder(["a", "b"])
    asyncio.run(BestOfNBackend(own, CitesPolicy(), 2).generate(QUESTION, GenerationConfig(
        temperature=0.3)))
    assert own.configs[0].temperature == 0.3  # a sampled request keeps its own temperature


def test_one_sample_or_no_ranker_leaves_the_backend_alone() -> None:
    fake = FakeBackend()
    assert best_of.best_of(fake, 1, CitesPolicy()) is fake
    assert best_of.best_of(fake, 4, None) is fake
    assert isinstance(best_of.best_of(fake, 4, CitesPolicy()), BestOfNBackend)


@pytest.fixture()
def echo_ws(tmp_path: Path, example_policy: Path, example_seeds: Path) -> Path:
    """The bundled example with the fake echo student (it repeats the question) and no
    teacher."""
    for source in (example_policy, example_seeds):
        shutil.copy(source, tmp_path / source.name)
    config = StudioConfig(student=FakeSpec(model="echo"), teacher=None)
    return init_workspace(tmp_path / "ws", [tmp_path / example_policy.name],
                          [tmp_path / example_seeds.name], config).parent


def test_without_reward_models_or_detector_best_of_is_one_line(echo_ws: Path) -> None:
    ws = Workspace(echo_ws)
    with pytest.raises(StudioError, match="best-of-n ranks answers by reward"):
        best_of.newest_ranker(ws)
    with pytest.raises(StudioError, match="reward DIR"):
        models.ask(ws, "May I accept a gift?", "base", best_of=3)
    answer, label, _ = models.ask(ws, "May I accept a gift?", "base")  # greedy still works
    assert answer.endswith("May I accept a gift?") and "best of" not in label


def test_the_detector_ranks_when_no_reward_model_is_trained(echo_ws: Path) -> None:
    ws = Workspace(echo_ws)
    artifact = detect.detectors(ws)
    output = detect.detector_of(ws, artifact, "output")
    assert output is not None
    rank = best_of.ranker(ws, None, artifact)
    assert isinstance(rank, best_of.DetectorRanker)
    texts = ["I will take the cash gift from the supplier and tell no one.",
             "I decline the gift and tell my manager, as the policy asks."]
    scores = rank.score([QUESTION, QUESTION], texts)
    assert scores.total == pytest.approx([1 - p for p in output.predict_proba(texts)])
    assert list(scores.per_value) == [best_of.DETECTOR_VALUE]

    answer, label, _ = models.ask(ws, "May I accept a gift?", "base", best_of=3)
    assert "best of 3 by reward" in label
    assert answer.endswith("May I accept a gift?")  # the echo model: every sample is the same
