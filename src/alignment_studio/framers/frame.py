"""The Framers stage: documents + seeds (+ a teacher) -> a DatasetBundle split by policy."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.progress import Progress

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.prompts import Prompts
from alignment_studio.core.text import text_hash
from alignment_studio.framers.conflicts import conflict_example, find_conflicts
from alignment_studio.framers.coverage import Coverage, Gap, coverage, gaps
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.fluency import Perplexity, fluent_only
from alignment_studio.framers.generate import is_enforceable, person, structure_examples
from alignment_studio.framers.leak import leak_check
from alignment_studio.framers.ontology import Lexicon, build_ontology, cue_variants
from alignment_studio.framers.quality import QualitySettings, reason_category, run_quality
from alignment_studio.framers.restate import restatements
from alignment_studio.framers.split import choose_test_policies, split_by_policy
from alignment_studio.framers.teacher import (
    TeacherJournal,
    TeacherOutcome,
    TeacherRequest,
    TeacherTask,
    build_request,
    collect,
    run_teacher,
)
from alignment_studio.framers.values import conflict_preferences, effective_priorities, scoped
from alignment_studio.types import (
    CueVariant,
    DatasetBundle,
    Dropped,
    Example,
    Manifest,
    Ontology,
    Policy,
    PolicyDocument,
    Provenance,
    Split,
    expand_scopes,
)
from alignment_studio.types.seeds import (
    ContrastiveSeed,
    InstructionSeed,
    ResolvedSeeds,
    ScenarioSeed,
)
from alignment_studio.workspace.config import FrameSettings, ValuesSettings


def select_policies(documents: list[PolicyDocument], limit: int | None) -> list[Policy]:
    """The enforceable policies data is made for (the first ``limit`` of them, if set)."""
    policies = [p for d in documents for p in d.policies() if is_enforceable(p)]
    return policies[:limit] if limit else policies


def seed_examples(seeds: list[ResolvedSeeds], keep: set[str], factory: ExampleFactory,
                  dropped: list[Dropped]) -> list[Example]:
    """Examples from seeds whose policy is selected; the others are dropped with the reason."""
    examples: list[Example] = []
    for resolved in seeds:
        dropped.extend(resolved.skipped)
        pairs: list[tuple[InstructionSeed | ScenarioSeed | ContrastiveSeed, Policy]] = [
            *resolved.instruction, *resolved.advice, *resolved.scenario, *resolved.contrastive]
        for seed, policy in pairs:
            if policy.id not in keep:
                dropped.append(_unselected(seed.id, policy))
            else:
                examples.extend(_seed_items(seed, policy, factory))
    return examples


def _seed_items(seed: InstructionSeed | ScenarioSeed | ContrastiveSeed, policy: Policy,
                factory: ExampleFactory) -> list[Example]:
    """The one example a seed makes (two for a contrastive pair, sharing its pair_id)."""
    if isinstance(seed, ContrastiveSeed):
        return [factory.scenario(policy, half.situation, half.label, half.rationale,
                                 Provenance(source="seed", seed_id=half.id,
                                            task=f"contrastive-{half.label.value}"),
                                 pair_id=f"pair-{seed.id}") for half in seed.scenarios()]
    if isinstance(seed, ScenarioSeed):
        prov = Provenance(source="seed", seed_id=seed.id, task=seed.label.value)
        return [factory.scenario(policy, seed.situation, seed.label, seed.rationale, prov)]
    prov = Provenance(source="seed", seed_id=seed.id, task=seed.task)
    if seed.task == "qa":
        return [factory.qa(policy, seed.question or "", seed.answer, prov)]
    if seed.task == "advice":
        return [factory.advice(policy, seed.question or "", seed.answer, prov)]
    return [factory.summary(policy, seed.answer, prov)]


def _unselected(seed_id: str, policy: Policy) -> Dropped:
    return Dropped(reason="policy not selected (not enforceable or over max_policies)",
                   stage="seed", policy_ids=[policy.id], text=f"seed {seed_id}")


def policy_cues(ontology: Ontology, policies: list[Policy], k: int) -> dict[str, list[CueVariant]]:
    """Up to ``k`` ontology cue variants per policy (synonyms, kinds of a term it names)."""
    lexicon = Lexicon.bundled()
    return {p.id: cue_variants(ontology, lexicon, p, k) if k else [] for p in policies}


def teacher_requests(policies: list[Policy], count: int, tasks: list[str], prompts: Prompts,
                     organization: str,
                     cues: dict[str, list[CueVariant]] | None = None) -> list[TeacherRequest]:
    """One request per task for ``count`` policies spread evenly across the documents; the
    stories of a policy with a cue variant are asked to involve its substitute term."""
    if count <= 0 or not policies:
        return []
    step = max(1, len(policies) // count)
    requests: list[TeacherRequest] = []
    for policy in policies[::step][:count]:
        variants = (cues or {}).get(policy.id) or []
        for task in map(TeacherTask, tasks):
            cue = variants[0].substitute if variants and task != TeacherTask.question else None
            requests.append(build_request(policy, task, prompts, organization,
                                          person(policy).split(",")[0], cue))
    return requests


def ask_teacher(requests: list[TeacherRequest], teacher: ModelBackend, journal_path: Path,
                settings: FrameSettings, chunk: int, context: TeacherContext) -> TeacherOutcome:
    """Every request, then retries of failed replies, all journaled; one event loop for all."""
    journal = TeacherJournal(journal_path)
    done = sum(r.key in journal.done for r in requests)
    if done:
        Console(stderr=True).print(f"teacher: resuming, {done} of {len(requests)} calls "
                                   "already done")
    config = GenerationConfig(max_new_tokens=settings.teacher_max_new_tokens,
                              temperature=settings.teacher_temperature, seed=settings.split_seed)
    outcome = TeacherOutcome()

    async def rounds() -> None:
        todo, total = requests, len(requests)
        with Progress(transient=True) as bar:
            task = bar.add_task("teacher writes data", total=total)
            while todo:
                await run_teacher(todo, teacher, journal, config,
                                  lambda n: bar.advance(task, n), chunk)
                result = collect(todo, journal, context.policies, context.factory,
                                 context.generator, context.prompts,
                                 settings.teacher_retries + 1)
                outcome.examples.extend(result.examples)
                outcome.dropped.extend(result.dropped)
                todo = result.retries
                if todo:
                    total += len(todo)
                    bar.update(task, total=total,
                               description=f"teacher retries {len(todo)} invalid replies")

    asyncio.run(rounds())
    return outcome


@dataclass(frozen=True)
class TeacherContext:
    """What turning teacher replies into examples needs besides the replies."""

    policies: dict[str, Policy]
    factory: ExampleFactory
    generator: str
    prompts: Prompts


class FrameResult(BaseModel):
    """The data set, and every item that was dropped on the way with its reason."""

    model_config = ConfigDict(extra="forbid")
    bundle: DatasetBundle
    dropped: list[Dropped]
    ontology: Ontology
    coverage: Coverage


def quality_settings(settings: FrameSettings) -> QualitySettings:
    return QualitySettings(near_dup_threshold=settings.near_dup_threshold,
                           grounding_threshold=settings.grounding_threshold,
                           max_label_ratio=settings.max_label_ratio,
                           max_per_cell=settings.max_per_cell)


def term_index(ontology: Ontology, policies: list[Policy]) -> dict[str, list[str]]:
    """Ontology term -> the selected policies that mention it (terms none mention left out)."""
    selected = {p.id for p in policies}
    index = {c.label: [pid for pid in c.policy_ids if pid in selected] for c in ontology.concepts}
    return {term: ids for term, ids in sorted(index.items()) if ids}


def model_free_items(policies: list[Policy], titles: dict[str, str], factory: ExampleFactory,
                     variants: dict[str, list[CueVariant]], settings: FrameSettings,
                     values: ValuesSettings | None = None) -> list[Example]:
    """Structure-driven items for every policy, and conflict scenarios between policies.

    With declared values, the values' precedence ranks the conflicts (above
    ``frame.priorities``), and each conflict also becomes a preference pair per declared context
    whose chosen answer follows the policy that wins in that context.
    """
    examples: list[Example] = []
    if settings.structure_items:
        for policy in policies:
            topic = titles[policy.section_id]
            examples.extend(structure_examples(policy, topic, factory, variants[policy.id]))
            examples.extend(restated(policy, topic.lower(), factory, settings.restatements))
    declared = values is not None and bool(values.values)
    priorities = (effective_priorities(values, settings.priorities) if values and declared
                  else list(settings.priorities))
    pairs = find_conflicts(policies, settings.conflict_pairs)
    examples.extend(conflict_example(pair, factory, priorities) for pair in pairs)
    if values and declared:
        examples.extend(conflict_preferences(pairs, values, None, factory,
                                             frame_priorities=settings.priorities))
    return examples


GAP_TASKS = {"instruction": TeacherTask.question, "scenario:compliant": TeacherTask.compliant,
             "scenario:violating": TeacherTask.violating,
             "scenario:needs_info": TeacherTask.needs_info}


def gap_requests(found: list[Gap], ontology: Ontology, known: dict[str, Policy],
                 prompts: Prompts, organization: str, limit: int) -> list[TeacherRequest]:
    """Teacher requests for what coverage found missing: a policy's missing kinds and labels,
    and a question (cued with the term) for an ontology term that no item touches."""
    requests: list[TeacherRequest] = []
    concepts = {c.label: c for c in ontology.concepts}
    for gap in found:
        wanted: list[tuple[TeacherTask, str | None]]
        if gap.subject == "policy":
            policy = known[gap.id]
            wanted = [(GAP_TASKS[m], None) for m in gap.missing if m in GAP_TASKS]
        else:
            mentioned = [pid for pid in concepts[gap.id].policy_ids if pid in known]
            if not mentioned:
                continue
            policy, wanted = known[mentioned[0]], [(TeacherTask.question, gap.id)]
        name = person(policy).split(",")[0]
        requests.extend(build_request(policy, task, prompts, organization, name, cue)
                        for task, cue in wanted)
    return requests[:limit]


def frame_dataset(documents: list[PolicyDocument], seeds: list[ResolvedSeeds],
                  teacher: ModelBackend | None, settings: FrameSettings, organization: str,
                  prompts: Prompts, journal_path: Path, teacher_name: str,
                  chunk: int = 8, values: ValuesSettings | None = None,
                  perplexity: Perplexity | None = None) -> FrameResult:
    """Seeds, structure-driven, conflict and teacher items for every selected policy, cleaned
    by the quality filters, measured for coverage, and split by policy so that no held-out
    policy is seen in training."""
    factory = ExampleFactory(prompts, organization)
    settings = settings.model_copy(update={
        "priorities": expand_scopes(list(settings.priorities), documents)})
    values = scoped(values, documents) if values is not None else None
    policies = select_policies(documents, settings.max_policies)
    known = {p.id: p for d in documents for p in d.policies()}
    titles = {s.id: s.title for d in documents for s in d.all_sections()}
    ontology = build_ontology(documents)
    terms = term_index(ontology, policies)
    variants = policy_cues(ontology, policies, settings.cue_variants)
    quality = quality_settings(settings)
    dropped: list[Dropped] = []
    examples = seed_examples(seeds, {p.id for p in policies}, factory, dropped)
    examples += model_free_items(policies, titles, factory, variants, settings, values)
    requests = teacher_requests(policies, settings.teacher_policies if teacher else 0,
                                list(settings.teacher_tasks), prompts, organization, variants)
    if teacher is not None and settings.fill_gaps:
        before = coverage(run_quality(examples, known, quality).kept, policies, terms)
        asked = {r.key for r in requests}
        requests += [r for r in gap_requests(gaps(before), ontology, known, prompts,
                                             organization, settings.fill_gaps_limit)
                     if r.key not in asked]
    if requests and teacher is not None:
        context = TeacherContext(known, factory, teacher_name, prompts)
        outcome = ask_teacher(requests, teacher, journal_path, settings, chunk, context)
        fluent, unfluent = outcome.examples, list[Dropped]()
        if perplexity is not None and settings.fluency_percentile is not None:
            fluent, unfluent, _ = fluent_only(outcome.examples, examples, perplexity,
                                              settings.fluency_percentile)
        examples.extend(fluent)
        dropped.extend([*outcome.dropped, *unfluent])
    report = run_quality(examples, known, quality)
    dropped.extend(report.dropped)
    cited = sorted({pid for ex in report.kept for pid in ex.policy_ids})
    test_ids = choose_test_policies(cited, settings.test_fraction, settings.split_seed)
    examples = split_by_policy(report.kept, test_ids)
    if settings.closed_book:
        examples += closed_twins(examples, known, factory)
    manifest = _manifest(documents, examples, test_ids, dropped, len(policies))
    manifest.leak = leak_check([e for e in examples if e.book == "guardian"])
    bundle = DatasetBundle(name="dataset", version=text_hash("".join(e.id for e in examples), 12),
                           examples=examples, manifest=manifest)
    return FrameResult(bundle=bundle, dropped=dropped, ontology=ontology,
                       coverage=coverage(examples, policies, terms))


def restated(policy: Policy, topic: str, factory: ExampleFactory, count: int) -> list[Example]:
    """The rule asked and answered in other words (``restate.restatements``)."""
    prov = Provenance(source="structure", generator="rules-v2", task="restate")
    return [factory.qa(policy, question, answer, prov)
            for question, answer in restatements(policy, topic, count)]


def closed_twins(examples: list[Example], known: dict[str, Policy],
                 factory: ExampleFactory) -> list[Example]:
    """The closed-book form of every train-split question and scenario: a model that is
    deployed sees the user's words alone, so it must learn to answer without the clause. Test
    items stay guardian only (a held-out policy cannot be known)."""
    twins = (factory.closed_twin(e, known[e.policy_ids[0]]) for e in examples
             if e.split == Split.train and len(e.policy_ids) == 1 and e.policy_ids[0] in known)
    return [t for t in twins if t is not None]


def _manifest(documents: list[PolicyDocument], examples: list[Example], test_ids: set[str],
              dropped: list[Dropped], policy_count: int) -> Manifest:
    counts = Counter(f"{e.split.value}/{e.kind.value}/{e.provenance.source}" for e in examples)
    reasons = Counter(f"{d.stage}: {reason_category(d.reason)}" for d in dropped)
    return Manifest(documents=[f"{d.id}@{d.version}" for d in documents],
                    policy_count=policy_count, counts=dict(sorted(counts.items())),
                    test_policy_ids=sorted(test_ids), dropped=dict(sorted(reasons.items())))
