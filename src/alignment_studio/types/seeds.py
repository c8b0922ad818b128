"""Expert seeds as written in YAML, and seeds resolved to the policy each one illustrates
(see :mod:`alignment_studio.framers.seeds` for the format and the loader)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alignment_studio.core.text import normalise
from alignment_studio.types.data import Dropped, Label
from alignment_studio.types.policy import Policy


class _SeedBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    section: str | None = None
    quote: str | None = None
    policy: str | None = None

    @model_validator(mode="after")
    def _names_a_policy(self) -> _SeedBase:
        if not self.policy and not self.quote:
            raise ValueError("a seed needs 'policy' (an ID) or 'quote' (words from the policy)")
        return self


class InstructionSeed(_SeedBase):
    """``qa``: a question and its answer; ``summarize``: a one-sentence summary (no question);
    ``advice``: the user describes a plan and asks what to do (``question``), ``answer`` advises."""

    task: Literal["qa", "summarize", "advice"]
    question: str | None = None
    answer: str = Field(min_length=1)

    @model_validator(mode="after")
    def _qa_has_question(self) -> InstructionSeed:
        if self.task in ("qa", "advice") and not self.question:
            article = "an" if self.task == "advice" else "a"
            raise ValueError(f"{article} {self.task} seed needs a 'question'")
        if self.task == "summarize" and self.question:
            raise ValueError("a summarize seed has no 'question'")
        return self


class ScenarioSeed(_SeedBase):
    label: Label
    situation: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class Variant(BaseModel):
    """One half of a contrastive pair: the decisive fact, added to the shared situation."""

    model_config = ConfigDict(extra="forbid")
    situation: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class ContrastiveSeed(_SeedBase):
    """Two scenarios that share ``situation`` and differ in one fact: a model that only learns
    surface cues (names, amounts, topics) cannot tell them apart, one that reads the rule can."""

    situation: str = Field(min_length=1, description="the shared base of both scenarios")
    compliant: Variant
    violating: Variant

    @model_validator(mode="after")
    def _variants_differ(self) -> ContrastiveSeed:
        if normalise(self.compliant.situation) == normalise(self.violating.situation):
            raise ValueError("the compliant and violating variants must differ")
        return self

    def scenarios(self) -> tuple[ScenarioSeed, ScenarioSeed]:
        """The pair as two ordinary scenario seeds, ids ``<id>-a`` (compliant), ``<id>-b``;
        ``id`` itself is the natural ``pair_id`` of the two examples."""
        return (self._half("a", Label.compliant, self.compliant),
                self._half("b", Label.violating, self.violating))

    def _half(self, suffix: str, label: Label, variant: Variant) -> ScenarioSeed:
        return ScenarioSeed(id=f"{self.id}-{suffix}", section=self.section, quote=self.quote,
                            policy=self.policy, label=label,
                            situation=f"{self.situation.strip()} {variant.situation.strip()}",
                            rationale=variant.rationale)


class SeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    instruction: list[InstructionSeed] = Field(default_factory=list)
    scenario: list[ScenarioSeed] = Field(default_factory=list)
    contrastive: list[ContrastiveSeed] = Field(default_factory=list)


class ResolvedSeeds(BaseModel):
    """Seeds with the policy each one illustrates.

    ``instruction`` holds only qa and summarize seeds (what the frame stage has always read);
    advice seeds are in ``advice`` and contrastive pairs in ``contrastive``, so a stage that does
    not know them yet cannot mistake them for summaries. ``skipped`` lists imported items that
    matched no policy (InstructLab import), each with file:line in its reason.
    """

    model_config = ConfigDict(extra="forbid")
    instruction: list[tuple[InstructionSeed, Policy]] = Field(default_factory=list)
    scenario: list[tuple[ScenarioSeed, Policy]] = Field(default_factory=list)
    advice: list[tuple[InstructionSeed, Policy]] = Field(default_factory=list)
    contrastive: list[tuple[ContrastiveSeed, Policy]] = Field(default_factory=list)
    skipped: list[Dropped] = Field(default_factory=list)
