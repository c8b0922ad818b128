"""Expert seeds (YAML): instruction seeds (qa, summarize, advice), scenario seeds (labelled) and
contrastive pairs (one situation, two variants that differ in one decisive fact).

Each seed names the policy it illustrates either by ``policy`` (an exact policy ID) or by
``section`` (heading text or section ID) plus ``quote`` (words copied from the one statement).
Errors name the seed file and the line of the offending seed.
"""

from __future__ import annotations

from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import normalise
from alignment_studio.core.yamlio import line_of, read_yaml, validate_yaml
from alignment_studio.framers.instructlab import load_instructlab_qna
from alignment_studio.types import Policy, PolicyDocument, Section
from alignment_studio.types.seeds import (
    ContrastiveSeed,
    InstructionSeed,
    ResolvedSeeds,
    ScenarioSeed,
    SeedFile,
    _SeedBase,
)


def load_seeds(path: Path, documents: list[PolicyDocument]) -> ResolvedSeeds:
    """Validate a seed file and resolve every seed to exactly one policy.

    An InstructLab taxonomy file (named ``qna.yaml``, or holding ``seed_examples``) is imported
    by :func:`alignment_studio.framers.instructlab.load_instructlab_qna` instead.
    """
    data, text = read_yaml(path)
    if data is None:
        raise StudioError("seed file is empty", path)
    if path.name == "qna.yaml" or (isinstance(data, dict) and "seed_examples" in data):
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
    """The one policy a seed names; none or several is an error (the caller adds file:line).

    A seed names a policy by ID, or by a quote within a section; when the section is gone (its
    heading renamed or moved) a quote that matches one policy of the documents still does."""
    policies = [p for d in documents for p in d.policies()]
    if seed.policy:
        match = [p for p in policies if p.id == seed.policy]
        if not match:
            raise StudioError(f"seed {seed.id!r}: no policy with ID {seed.policy!r}")
        return match[0]
    quote = normalise(seed.quote or "")
    if seed.section:
        sections = _find_sections(seed.section, documents)
        anywhere = [p for p in policies if quote and quote in normalise(p.text)]
        if not sections and len(anywhere) == 1:
            return anywhere[0]  # the heading was renamed or moved: the quote still anchors it
        if not sections:
            raise StudioError(f"seed {seed.id!r}: no section {seed.section!r}")
        policies = [p for s in sections for sub in s.walk() for p in sub.policies]
    match = [p for p in policies if quote in normalise(p.text)]
    if len(match) != 1:
        problem = "matches no policy" if not match else f"matches {len(match)} policies"
        raise StudioError(f"seed {seed.id!r}: quote {seed.quote!r} {problem}")
    return match[0]


def _find_sections(name: str, documents: list[PolicyDocument]) -> list[Section]:
    wanted = normalise(name)
    return [s for d in documents for s in d.all_sections()
            if normalise(s.title) == wanted or s.id == name or s.id.endswith("/" + name)]
