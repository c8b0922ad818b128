"""Expert seeds (YAML): instruction seeds (qa, summarize) and scenario seeds (labelled).

Each seed names the policy it illustrates either by ``policy`` (an exact policy ID) or by
``section`` (heading text or section ID) plus ``quote`` (words copied from the one statement).
Errors name the seed file and the line of the offending seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alignment_studio.errors import StudioError
from alignment_studio.framers.structure import normalise
from alignment_studio.types import Label, Policy, PolicyDocument, Section
from alignment_studio.yamlio import line_of, read_yaml, validate_yaml


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
    task: Literal["qa", "summarize"]
    question: str | None = None
    answer: str = Field(min_length=1)

    @model_validator(mode="after")
    def _qa_has_question(self) -> InstructionSeed:
        if self.task == "qa" and not self.question:
            raise ValueError("a qa seed needs a 'question'")
        return self


class ScenarioSeed(_SeedBase):
    label: Label
    situation: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class SeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    instruction: list[InstructionSeed] = Field(default_factory=list)
    scenario: list[ScenarioSeed] = Field(default_factory=list)


class ResolvedSeeds(BaseModel):
    """Seeds with the policy each one illustrates."""

    model_config = ConfigDict(extra="forbid")
    instruction: list[tuple[InstructionSeed, Policy]] = Field(default_factory=list)
    scenario: list[tuple[ScenarioSeed, Policy]] = Field(default_factory=list)


def load_seeds(path: Path, documents: list[PolicyDocument]) -> ResolvedSeeds:
    """Validate a seed file and resolve every seed to exactly one policy."""
    data, text = read_yaml(path)
    if data is None:
        raise StudioError("seed file is empty", path)
    seeds: SeedFile = validate_yaml(SeedFile, data, text, path)
    _check_unique_ids(seeds, path, text)
    resolved = ResolvedSeeds()
    for i, iseed in enumerate(seeds.instruction):
        resolved.instruction.append((iseed, _resolve_at(iseed, documents, path, text,
                                                        ["instruction", i])))
    for i, sseed in enumerate(seeds.scenario):
        resolved.scenario.append((sseed, _resolve_at(sseed, documents, path, text,
                                                     ["scenario", i])))
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
    for group, items in (("instruction", seeds.instruction), ("scenario", seeds.scenario)):
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
