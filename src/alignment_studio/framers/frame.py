"""The Framers stage: documents + seeds (+ a teacher) -> a DatasetBundle split by policy."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import (
    TeacherJournal,
    TeacherRequest,
    is_enforceable,
    person,
    run_teacher,
    structure_examples,
    teacher_examples,
)
from alignment_studio.framers.prompts import Prompts
from alignment_studio.framers.seeds import ResolvedSeeds
from alignment_studio.framers.split import choose_test_policies, split_by_policy
from alignment_studio.framers.structure import text_hash
from alignment_studio.types import (
    DatasetBundle,
    Example,
    Manifest,
    Policy,
    PolicyDocument,
    Provenance,
)
from alignment_studio.workspace.config import FrameSettings


def select_policies(documents: list[PolicyDocument], limit: int | None) -> list[Policy]:
    """The enforceable policies data is made for (the first ``limit`` of them, if set)."""
    policies = [p for d in documents for p in d.policies() if is_enforceable(p)]
    return policies[:limit] if limit else policies


def seed_examples(seeds: list[ResolvedSeeds], keep: set[str], factory: ExampleFactory,
                  dropped: Counter[str]) -> list[Example]:
    """Examples from seeds whose policy is selected; the others are counted as dropped."""
    examples: list[Example] = []
    for resolved in seeds:
        for iseed, policy in resolved.instruction:
            if policy.id not in keep:
                dropped["seed: policy not selected (not enforceable or over max_policies)"] += 1
                continue
            prov = Provenance(source="seed", seed_id=iseed.id, task=iseed.task)
            examples.append(factory.qa(policy, iseed.question or "", iseed.answer, prov)
                            if iseed.task == "qa" else factory.summary(policy, iseed.answer, prov))
        for sseed, policy in resolved.scenario:
            if policy.id not in keep:
                dropped["seed: policy not selected (not enforceable or over max_policies)"] += 1
            else:
                prov = Provenance(source="seed", seed_id=sseed.id, task=sseed.label.value)
                examples.append(factory.scenario(policy, sseed.situation, sseed.label,
                                                 sseed.rationale, prov))
    return examples


def teacher_requests(policies: list[Policy], count: int, prompts: Prompts,
                     organization: str) -> list[TeacherRequest]:
    """A question and a violating story for ``count`` policies spread across the document."""
    if count <= 0 or not policies:
        return []
    step = max(1, len(policies) // count)
    chosen = policies[::step][:count]
    requests: list[TeacherRequest] = []
    for policy in chosen:
        name = person(policy).split(",")[0]
        for task in ("question", "violating"):
            template = "teacher_question" if task == "question" else "teacher_scenario"
            prompt = prompts.render(template, organization=organization, policy=policy,
                                    label=task, name=name)
            requests.append(TeacherRequest(key=text_hash(prompt, 16), policy_id=policy.id,
                                           task=task, prompt=prompt))
    return requests


def dedupe(examples: list[Example], dropped: Counter[str]) -> list[Example]:
    """Drop exact duplicates (same prompt and same target), keeping the first (seeds first)."""
    seen: set[str] = set()
    kept: list[Example] = []
    for ex in examples:
        key = text_hash("|".join(m.content for m in ex.messages) + "|" + (ex.target or ""), 16)
        if key in seen:
            dropped["exact duplicate"] += 1
            continue
        seen.add(key)
        kept.append(ex)
    return kept


def frame_dataset(documents: list[PolicyDocument], seeds: list[ResolvedSeeds],
                  teacher: ModelBackend | None, settings: FrameSettings, organization: str,
                  prompts: Prompts, journal_path: Path, teacher_name: str) -> DatasetBundle:
    """Seeds, structure-driven and teacher items for every selected policy, split by policy."""
    factory = ExampleFactory(prompts, organization)
    policies = select_policies(documents, settings.max_policies)
    by_id = {p.id: p for p in policies}
    titles = {s.id: s.title for d in documents for s in d.all_sections()}
    dropped: Counter[str] = Counter()
    examples = seed_examples(seeds, set(by_id), factory, dropped)
    if settings.structure_items:
        for policy in policies:
            examples.extend(structure_examples(policy, titles[policy.section_id], factory))
    requests = teacher_requests(policies, settings.teacher_policies if teacher else 0, prompts,
                                organization)
    if requests and teacher is not None:
        journal = TeacherJournal(journal_path)
        done = sum(r.key in journal.done for r in requests)
        if done:
            Console(stderr=True).print(f"teacher: resuming, {done} of {len(requests)} calls "
                                       "already done")
        config = GenerationConfig(max_new_tokens=settings.teacher_max_new_tokens,
                                  temperature=settings.teacher_temperature,
                                  seed=settings.split_seed)
        with Progress(transient=True) as bar:
            task = bar.add_task("teacher writes questions and scenarios", total=len(requests))
            asyncio.run(run_teacher(requests, teacher, journal, config,
                                    lambda n: bar.advance(task, n)))
        examples.extend(teacher_examples(requests, journal, by_id, factory, teacher_name,
                                         dropped))
    examples = dedupe(examples, dropped)
    cited = sorted({pid for ex in examples for pid in ex.policy_ids})
    test_ids = choose_test_policies(cited, settings.test_fraction, settings.split_seed)
    examples = split_by_policy(examples, test_ids)
    return DatasetBundle(name="dataset", version=text_hash("".join(e.id for e in examples), 12),
                         examples=examples, manifest=_manifest(documents, examples, test_ids,
                                                               dropped, len(policies)))


def _manifest(documents: list[PolicyDocument], examples: list[Example], test_ids: set[str],
              dropped: Counter[str], policy_count: int) -> Manifest:
    counts = Counter(f"{e.split.value}/{e.kind.value}/{e.provenance.source}" for e in examples)
    return Manifest(documents=[f"{d.id}@{d.version}" for d in documents],
                    policy_count=policy_count, counts=dict(sorted(counts.items())),
                    test_policy_ids=sorted(test_ids), dropped=dict(dropped))
