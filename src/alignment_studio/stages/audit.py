"""The audit stage: base and aligned (and their prompt variants) on the held-out suites, the
general benchmark and the red-team attacks; judged, traced to clauses, kept as a report
artifact and published to ``DIR/reports/`` (report.html, report.md, report.json)."""

from __future__ import annotations

import functools
import time
from typing import Any

from rich.console import Console
from rich.progress import Progress

from alignment_studio.auditors.audit import (
    ModelRun,
    Suites,
    confusions,
    run_model,
    suite_summary,
    traced,
    training_map,
)
from alignment_studio.auditors.compare import findings, per_policy
from alignment_studio.auditors.conflicts import conflict_scores, conflict_suite, select_conflicts
from alignment_studio.auditors.evaluate import select_items
from alignment_studio.auditors.general import general_scores, load_general
from alignment_studio.auditors.people import people_items
from alignment_studio.auditors.rag import VARIANTS, passages
from alignment_studio.auditors.redteam import merge_reports, summarise
from alignment_studio.auditors.report import write_report
from alignment_studio.auditors.sidebyside import side_by_side
from alignment_studio.backends import get_backend
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.framers.split import sample_in_order
from alignment_studio.instructors.reward import Ranker
from alignment_studio.scoring.scorer import Scorer
from alignment_studio.stages import aggregate, detect, instruct, judge, parse, publish, redteam
from alignment_studio.stages import best_of as best_of_stage
from alignment_studio.stages import review as review_stage
from alignment_studio.stages import reward as reward_stage
from alignment_studio.types import (
    AuditReport,
    DatasetBundle,
    Example,
    Kind,
    PolicyDocument,
    Split,
)
from alignment_studio.workspace import Artifact, Workspace

VERSION = "audit-v9"  # bump when metrics change, so reports are recomputed
console = Console(stderr=True)


def report(ws: Workspace) -> AuditReport:
    """The audit of the workspace's newest model, made now or reused, then published."""
    model = instruct.model(ws)
    dataset = ws.store.get(model.inputs[0])
    settings = ws.config.audit
    config = {"audit": settings.model_dump(), "version": VERSION,
              "judge": ws.config.judge.model_dump(include={"backend", "model", "base_url"})
              if settings.judge.enabled else None,
              "best_of_n": ws.config.reward.best_of_n if settings.best_of_n else None}
    rewards = reward_stage.models(ws) if ws.config.reward.enabled else None
    mixed = aggregate.value_adapters(ws) if ws.config.aggregate.enabled else None
    detectors = detect.detectors(ws) if settings.detector.enabled else None
    inputs = [dataset.id, model.id, *(a.id for a in (rewards, mixed, detectors) if a is not None),
              *audit_files(ws)]
    key, found = ws.cached("report", inputs, config)
    bundle = review_stage.reviewed(ws, dataset, [i for i in model.inputs[1:]
                                                 if ws.store.get(i).kind == "review"])
    docs = parse.documents_of(ws, dataset)
    training = training_map(bundle.examples, parse.policies(docs))
    if found:
        made = publish.of_artifact(ws, found)
    else:
        made = _audit(ws, model, bundle, docs, rewards, mixed, detectors, config)
        with ws.store.build("report", key) as tmp:
            write_report(made, tmp, training)
            ws.store.commit(tmp, "report", key, inputs, config)
    return publish.publish(ws, made, training)


def audit_files(ws: Workspace) -> list[str]:
    """Workspace files the audit reads besides the artifacts (regression items, extra general
    items, the gold set): a change re-audits. Human red-team records do not: they are read
    fresh into every published report."""
    names = ["regression.jsonl", "general.yaml", *ws.config.audit.scenarios]
    if ws.config.audit.judge.enabled:
        names.append(judge.gold_path(ws).name)
    return [ws.file_input(ws.root / n, n) for n in names if (ws.root / n).is_file()]


def suites(ws: Workspace, bundle: DatasetBundle, docs: list[PolicyDocument]) -> Suites:
    """What both models are asked: held-out items, conflicts, general items, attacks."""
    settings = ws.config.audit
    test = bundle.split(Split.test)
    general = (load_general(ws.root)[:settings.general.max_items]
               if settings.general.enabled else [])
    attacks = redteam.attacks(ws, bundle, docs) if settings.redteam.enabled else []
    return Suites(items=select_items(test, settings.max_items) + people(ws, bundle, docs),
                  conflicts=select_conflicts(test, settings.max_items), general=general,
                  attacks=attacks, policies=parse.policies(docs), passages=passages(docs),
                  settings=settings, anchors=anchors(bundle, settings.anchor_items))


def anchors(bundle: DatasetBundle, count: int) -> list[Example]:
    """A seeded sample of the training split's closed-book scenario questions: what the
    anchored choice calibrates on (their labels are never read)."""
    pool = [e for e in bundle.split(Split.train)
            if e.kind == Kind.scenario and e.book == "closed"]
    return sample_in_order(pool, count, seed=0) if count else []


def variant_notes(ws: Workspace, variants: list[str]) -> dict[str, str]:
    """What each variant is; with ``train.final_fit`` the aligned rows say that they score the
    audited fit and that the served model is the final fit."""
    notes = {v: VARIANTS[v] for v in variants}
    if ws.config.train.final_fit:
        for v in notes:
            if v.startswith("aligned"):
                notes[v] += (" (the audited fit, trained without the held-out policies; the "
                             "served and exported model is the final fit on every policy, "
                             "which this report does not score)")
    return notes


def people(ws: Workspace, bundle: DatasetBundle, docs: list[PolicyDocument]) -> list[Example]:
    """The scenarios people wrote (``audit.scenarios``): closed book on trained policies."""
    factory = ExampleFactory(ws.prompts, ws.config.organization)
    held_out = set(bundle.manifest.test_policy_ids)
    return [item for name in ws.config.audit.scenarios
            for item in people_items(load_seeds(ws.path(name), docs).scenario, held_out,
                                     factory)]


def _answer_all(ws: Workspace, model: Artifact, asked: Suites,
                attack_judge: Scorer | None, rank: Ranker | None = None) -> dict[str, ModelRun]:
    """Every suite answered by base and by aligned, one model loaded at a time; with a ranker
    (``audit.best_of_n``), aligned answers with the best of ``reward.best_of_n`` samples."""
    aligned_ref = instruct.model_ref(ws, model)
    runs = {}
    for name, adapters in (("base", []), ("aligned", aligned_ref.adapters)):
        spec = ws.config.student.model_copy(update={"model": aligned_ref.base})
        backend = get_backend(spec, adapters, ws.cache_dir)
        if name == "aligned":
            backend = best_of_stage.best_of(backend, ws.config.reward.best_of_n, rank)
        try:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"audit: {name} model answers", total=asked.questions())
                runs[name] = run_model(backend, name, asked, attack_judge,
                                       functools.partial(bar.advance, task))
        finally:
            backend.close()
    return runs


def _audit(ws: Workspace, model: Artifact, bundle: DatasetBundle, docs: list[PolicyDocument],
           rewards: Artifact | None, mixed: Artifact | None, detectors: Artifact | None,
           config: dict[str, Any]) -> AuditReport:
    asked = suites(ws, bundle, docs)
    rank = (best_of_stage.ranker(ws, rewards, detectors) if ws.config.audit.best_of_n
            else None)
    runs = _answer_all(ws, model, asked, detect.attack_judge(ws, detectors), rank)
    conflict_runs = {name: run.conflicts for name, run in runs.items()}
    if mixed is not None and asked.conflicts:
        backend = aggregate.backend(ws, mixed)
        try:
            conflict_runs["aggregated"] = conflict_suite(backend, asked.conflicts,
                                                         ws.config.audit)
        finally:
            backend.close()
    base, aligned = runs["base"].results["base"], runs["aligned"].results["aligned"]
    graded = (judge.grade(ws, asked, base, aligned) if ws.config.audit.judge.enabled else None)
    summary = suite_summary(runs)
    for name in ("base", "aligned"):
        summary[name] += reward_stage.scores(ws, rewards, asked.items, runs[name].results[name])
    training = training_map(bundle.examples, asked.policies)
    red = [summarise(r.attacks, name) for name, r in runs.items() if r.attacks]
    aligned_ref = instruct.model_ref(ws, model)
    return AuditReport(
        model=aligned_ref, baseline=aligned_ref.model_copy(update={"adapters": [],
                                                                   "revision": None}),
        policy_version=",".join(f"{d.id}@{d.version}" for d in docs),
        summary=summary, per_policy=per_policy(base, aligned, asked.policies),
        findings=traced(findings(base, aligned), asked.policies, training),
        items={**{v: r for run in runs.values() for v, r in run.results.items()},
               **{f"conflicts:{k}": [c.result for c in v] for k, v in conflict_runs.items()}},
        conflicts={k: conflict_scores(v) for k, v in conflict_runs.items()},
        confusion=confusions(runs),
        side_by_side=side_by_side(base, aligned,
                                  threshold=ws.config.audit.side_by_side_threshold),
        general={name: general_scores(run.general) for name, run in runs.items()
                 if run.general},
        judge=graded,
        redteam=merge_reports(red) if red else None,
        detector=detect.figures(ws, detectors),
        training_eval=instruct.train_log(ws, model).audit_points,
        variants=variant_notes(ws, [v for r in runs.values() for v in r.results]),
        config={"workspace": ws.config.name, "date": time.strftime("%Y-%m-%d %H:%M"),
                **config},
        lineage=ws.lineage(model.id))
