"""Expert seeds (YAML): instruction seeds (qa, summarize, advice), scenario seeds (labelled) and
contrastive pairs (one situation, two variants that differ in one decisive fact).

Each seed names the policy it illustrates either by ``policy`` (an exact policy ID) or by
``section`` (heading text or section ID) plus ``quote`` (words copied from the one statement).
Errors name the seed file and the line of the offending seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alignment_studio.core.errors import StudioError
from alignment_studio.core.yamlio import line_of, read_yaml, validate_yaml
from alignment_studio.framers.structure import normalise
from alignment_studio.types import Dropped, Label, Policy, PolicyDocument, Section


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


def load_seeds(path: Path, documents: list[PolicyDocument]) -> ResolvedSeeds:
    """Validate a seed file and resolve every seed to exactly one policy.

    An InstructLab taxonomy file (named ``qna.yaml``, or holding ``seed_examples``) is imported
    by :func:`alignment_studio.framers.instructlab.load_instructlab_qna` instead.
    """
    data, text = read_yaml(path)
    if data is None:
        raise StudioError("seed file is empty", path)
    if path.name == "qna.yaml" or (isinstance(data, dict) and "seed_examples" in data):
        from alignment_studio.framers.instructlab import load_instructlab_qna

        return load_instructlab_qna(path, documents)
    seeds: SeedFile = validate_yaml(SeedFile, data, text, path)
    _check_unique_ids(seeds, path, text)
    resolved = ResolvedSeeds()
    for i, iseed in enumerate(seeds.instruction):
        group = resolved.advice if iseed.task == "advice" else resolved.instruction
        group.append((iseed, _resolve_at(iseed, documents, path, text, ["instruction", i])))
    for i, sseed in enumerate(seeds.scenario):
        resolved.scenario.append((sseed, _resolve_at(sseed, documents, path, text,
                                                     ["scenario", i])))
    for i, cseed in enumerate(seeds.contrastive):
        resolved.contrastive.append((cseed, _resolve_at(cseed, documents, path, text,
                                                        ["contrastive", i])))
    return resolved


def _resolve_at(seed: _SeedBase, documents: list[PolicyDocument], path: Path, text: str,
                keys: list[str | int]) -> Policy:
    """resolve_policy, with the seed's line looked up only when it fails (YAML is re-read)."""
    try:
        return resolve_policy(seed, documents)
    except StudioError as exc:
        raise StudioError(exc.problem, path, line_of(text, keys)) from exc


def _check_unique_ids(seeds: SeedFile, path: Path, text: str) -> None:
    seen: set[str] = set()
    groups: list[tuple[str, list[InstructionSeed] | list[ScenarioSeed] | list[ContrastiveSeed]]]
    groups = [("instruction", seeds.instruction), ("scenario", seeds.scenario),
              ("contrastive", seeds.contrastive)]
    for group, items in groups:
        for i, seed in enumerate(items):
            if seed.id in seen:
                raise StudioError(f"duplicate seed id {seed.id!r}", path,
                                  line_of(text, [group, i]))
            seen.add(seed.id)


def resolve_policy(seed: _SeedBase, documents: list[PolicyDocument]) -> Policy:
    """The one policy a seed names; none or several is an error (the caller adds file:line)."""
    policies = [p for d in documents for p in d.policies()]
    if seed.policy:
        match = [p for p in policies if p.id == seed.policy]
        if not match:
            raise StudioError(f"seed {seed.id!r}: no policy with ID {seed.policy!r}")
        return match[0]
    if seed.section:
        sections = _find_sections(seed.section, documents)
        if not sections:
            raise StudioError(f"seed {seed.id!r}: no section {seed.section!r}")
        policies = [p for s in sections for sub in s.walk() for p in sub.policies]
    quote = normalise(seed.quote or "")
    match = [p for p in policies if quote in normalise(p.text)]
    if len(match) != 1:
        problem = "matches no policy" if not match else f"matches {len(match)} policies"
        raise StudioError(f"seed {seed.id!r}: quote {seed.quote!r} {problem}")
    return match[0]


def _find_sections(name: str, documents: list[PolicyDocument]) -> list[Section]:
    wanted = normalise(name)
    return [s for d in documents for s in d.all_sections()
            if normalise(s.title) == wanted or s.id == name or s.id.endswith("/" + name)]
