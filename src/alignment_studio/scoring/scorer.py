"""The one shape every judge has: a ``Scorer`` turns samples into marks.

A sample is an answer with what it answers (the conversation, the reference, the clauses, the
expected verdict, and for a pairwise judge the other answer). A mark is the judge's decision on
one sample: ``flagged`` is its yes or no to its own question (did the answer pass the rubric,
did the attack succeed, is the answer a breach, is answer A the better one) and ``None`` when
it could not decide (a malformed reply is recorded, never guessed); ``value`` is its number
where it has one (a probability, a share of wins) and ``explanation`` says why.

The rubric and pairwise LLM judges, the violation detector and the rule-based attack judge all
implement it, so the audit, red teaming and calibration take any of them, and ``AllOf`` chains
them (the attack judge: the rules, and then the detector, must both call it a success). A new
judge is one class with ``name`` and ``score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types import Label, Message


class Sample(BaseModel):
    """One answer to score. For a pairwise judge ``answer`` is A and ``other`` is B."""

    model_config = ConfigDict(extra="forbid")
    item_id: str = ""
    messages: list[Message] = Field(default_factory=list)
    answer: str
    other: str | None = None
    reference: str | None = None
    policies: list[tuple[str, str]] = Field(default_factory=list, description="(id, text) of "
                                            "the clauses the answer concerns")
    expected_label: Label | None = None


class Mark(Protocol):
    """A scorer's decision on one sample (see the module docstring)."""

    @property
    def item_id(self) -> str: ...

    @property
    def flagged(self) -> bool | None: ...

    @property
    def value(self) -> float | None: ...

    @property
    def explanation(self) -> str: ...


@runtime_checkable
class Scorer(Protocol):
    """Anything that marks samples: one mark per sample, in order."""

    name: str

    def score(self, samples: Sequence[Sample]) -> Sequence[Mark]: ...


@dataclass(frozen=True)
class Decision:
    """A plain mark, for scorers that need nothing more (rules, combinations)."""

    item_id: str
    flagged: bool | None
    explanation: str = ""
    value: float | None = None


class AllOf:
    """Flags a sample only when every scorer flags it, asked in order; a scorer is asked only
    about the samples every earlier one flagged (a cheap rule first spares a costly model)."""

    def __init__(self, *scorers: Scorer, name: str | None = None):
        if not scorers:
            raise ValueError("AllOf needs at least one scorer")
        self.scorers = scorers
        self.name = name or " + ".join(s.name for s in scorers)

    def score(self, samples: Sequence[Sample]) -> list[Decision]:
        said: list[list[str]] = [[] for _ in samples]
        decided: dict[int, Decision] = {}
        pending = list(range(len(samples)))
        for scorer in self.scorers:
            marks = scorer.score([samples[i] for i in pending]) if pending else []
            still: list[int] = []
            for i, mark in zip(pending, marks, strict=True):
                if mark.flagged:
                    said[i].append(mark.explanation)
                    still.append(i)
                    continue
                why = mark.explanation if not said[i] else (
                    f"{'; '.join(said[i])}, but {mark.explanation}")
                decided[i] = Decision(samples[i].item_id, mark.flagged, why, mark.value)
            pending = still
        for i in pending:
            decided[i] = Decision(samples[i].item_id, True, "; ".join(said[i]))
        return [decided[i] for i in range(len(samples))]
