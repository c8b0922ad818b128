"""The stages of a workspace: parse -> frame -> instruct -> audit, each cached in the store.

A stage's key is the hash of its inputs (artifact IDs, source-file hashes) and its config; an
artifact with the same key is reused instead of recomputed. Artifacts are written atomically,
so an interrupted stage leaves every earlier artifact intact, and the rerun continues (teacher
calls from their journal, training from its last checkpoint).
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress

from alignment_studio.backends import BackendSpec, ModelBackend, backend_kind, get_backend
from alignment_studio.core.errors import StudioError, WorkerDone
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.datacard import build_datacard, render_markdown
from alignment_studio.framers.frame import FrameResult, frame_dataset
from alignment_studio.framers.grades import grade_examples, grades_input, with_examples
from alignment_studio.framers.ontology import ontology_to_graphml, ontology_to_json
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.instructors.export import ExportResult
from alignment_studio.instructors.reward import RewardEnsemble, ValueGroup
from alignment_studio.types import (
    Agreement,
    AttackOutcome,
    AuditReport,
    DatasetBundle,
    Dropped,
    Example,
    ItemResult,
    JudgeReport,
    Kind,
    LineageEntry,
    Message,
    ModelRef,
    PolicyDocument,
    RedTeamReport,
    Score,
    Split,
)
from alignment_studio.workspace import Artifact, ArtifactStore, StudioConfig, load_config, stage_key
from alignment_studio.workspace.store import sha256_tree
from alignment_studio.workspace.versions import record_versions

if TYPE_CHECKING:
    from alignment_studio.auditors.audit import Suites
    from alignment_studio.auditors.redteam import Attack
    from alignment_studio.guard.detector import ViolationDetector
    from alignment_studio.guard.monitor import MonitorReport
    from alignment_studio.instructors.sft import CallbackHook
    from alignment_studio.scoring.scorer import Scorer

PARSER_VERSION = "structure-v2"  # bump when parsing or structure changes
GENERATOR_VERSION = "frame-v2"
TRAINER_VERSION = "sft-v2"
AUDIT_VERSION = "audit-v6"  # bump when metrics change, so reports are recomputed
console = Console(stderr=True)


class Studio:
    """A workspace folder: its config and its artifact store."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.config: StudioConfig = load_config(self.root)
        self.store = ArtifactStore(self.root)
        self._done: dict[str, Artifact] = {}  # stages already run by this Studio object

    def path(self, name: str) -> Path:
        candidate = Path(name).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def model_name(self, model: str) -> str:
        """'embedded' as is; a relative model folder is relative to the workspace."""
        return model if model == "embedded" else str(self.path(model))

    def resolve(self, spec: BackendSpec) -> BackendSpec:
        """The spec with a local model's relative folder made relative to the workspace."""
        if not backend_kind(spec.backend).local:
            return spec
        return spec.model_copy(update={"model": self.model_name(spec.model)})

    @property
    def cache_dir(self) -> str | None:
        return str(self.path(self.config.cache_dir)) if self.config.cache_dir else None

    def _once(self, kind: str, build: Callable[[], Artifact]) -> Artifact:
        """Run a stage at most once per Studio object (later stages ask for earlier ones)."""
        if kind not in self._done:
            self._done[kind] = build()
        return self._done[kind]

    def _cached(self, kind: str, inputs: list[str],
                config: dict[str, Any]) -> tuple[str, Artifact | None]:
        key = stage_key(kind, inputs, config)
        found = self.store.find(kind, key)
        if found:
            console.print(f"[dim]{kind}: unchanged inputs and config, reusing {found.id}[/dim]")
        return key, found

    # -- parse ---------------------------------------------------------------------------
    def parse(self) -> list[tuple[Artifact, PolicyDocument]]:
        """Each policy file's document artifact, with the document just parsed from it."""
        if not self.config.policies:
            raise StudioError("no policy files listed under 'policies'", self.root / "studio.yaml")
        parsed = [self._parse_one(self.path(p)) for p in self.config.policies]
        seen: dict[str, str] = {}
        for name, (_, doc) in zip(self.config.policies, parsed, strict=True):
            if doc.id in seen:
                raise StudioError(f"policies {seen[doc.id]!r} and {name!r} share the document ID "
                                  f"{doc.id!r} (from the file name); rename one",
                                  self.root / "studio.yaml")
            seen[doc.id] = name
        record_versions(self.store, parsed)
        return parsed

    def _parse_one(self, source: Path) -> tuple[Artifact, PolicyDocument]:
        document = read_document(source)
        inputs = [f"file:{source.name}@{document.sha256[:12]}"]
        key, found = self._cached("document", inputs, {"parser": PARSER_VERSION})
        if found:
            return found, document
        with self.store.build("document", key) as tmp:
            (tmp / "document.json").write_text(document.model_dump_json(indent=1), "utf-8")
            artifact = self.store.commit(tmp, "document", key, inputs, {"parser": PARSER_VERSION})
        return artifact, document

    @staticmethod
    def _file_input(path: Path, what: str) -> str:
        if not path.is_file():
            raise StudioError(f"{what} not found", path)
        return f"file:{path.name}@{sha256_tree(path)[:12]}"

    def dataset_documents(self, dataset: Artifact) -> list[PolicyDocument]:
        """The documents a data set was framed from (its document artifacts; ``file:`` inputs
        are seed files and grades, not documents)."""
        return self.documents([self.store.get(i) for i in dataset.inputs
                               if not i.startswith("file:")])

    def documents(self, artifacts: list[Artifact]) -> list[PolicyDocument]:
        return [PolicyDocument.model_validate_json(
            (self.store.path_of(a) / "document.json").read_text("utf-8")) for a in artifacts]

    # -- frame ---------------------------------------------------------------------------
    def frame(self) -> Artifact:
        return self._once("dataset", self._frame)

    def _frame(self) -> Artifact:
        parsed = self.parse()
        seed_inputs = [self._file_input(self.path(s), "seed file") for s in self.config.seeds]
        prompts_dir = self.root / "prompts"
        teacher = self.config.teacher
        config = {"frame": self.config.frame.model_dump(),
                  "teacher": teacher.model_dump(include={"backend", "model", "base_url"})
                  if self.uses_teacher else None,
                  "values": self.config.values.model_dump(),
                  "organization": self.config.organization, "version": GENERATOR_VERSION,
                  "prompts": sha256_tree(prompts_dir) if prompts_dir.is_dir() else None}
        graded = self.grade_examples([document for _, document in parsed])
        inputs = [artifact.id for artifact, _ in parsed] + seed_inputs + grades_input(graded)
        key, found = self._cached("dataset", inputs, config)
        if found:
            return found
        if world_size() > 1:
            raise StudioError("under a multi-GPU launch the data set must exist already: run "
                              "'alignment-studio frame DIR' once, without accelerate, first",
                              self.root / "studio.yaml")
        documents = [document for _, document in parsed]
        seeds = [load_seeds(self.path(s), documents) for s in self.config.seeds]
        backend = None
        if self.uses_teacher:
            backend = get_backend(self.resolve(teacher), cache_dir=self.cache_dir)
        try:
            result = frame_dataset(documents, seeds, backend, self.config.frame,
                                   self.config.organization, Prompts(prompts_dir),
                                   self.store.work_dir("dataset", key) / "teacher.jsonl",
                                   f"{teacher.backend}:{teacher.model}", teacher.calls_at_once(),
                                   self.config.values)
        finally:
            if backend is not None:
                backend.close()
        result = with_examples(result, graded)
        with self.store.build("dataset", key) as tmp:
            result.bundle.write_jsonl(tmp / "dataset.jsonl")
            write_dropped(result.dropped, tmp / "dropped.jsonl")
            write_datacard(result, tmp)
            (tmp / "ontology.json").write_text(ontology_to_json(result.ontology), "utf-8")
            (tmp / "ontology.graphml").write_text(ontology_to_graphml(result.ontology), "utf-8")
            return self.store.commit(tmp, "dataset", key, inputs, config)

    def grade_examples(self, documents: list[PolicyDocument]) -> list[Example]:
        """The web studio's comparison grades that prefer one answer and name a policy of
        ``documents``, as human preference examples (see :func:`grade_examples`)."""
        from alignment_studio.workspace.db import StudioDB

        known = {p.id for d in documents for p in d.policies()}
        return grade_examples(StudioDB(self.root).list_grades(), known)

    @property
    def uses_teacher(self) -> bool:
        return self.config.frame.teacher_policies > 0 or self.config.frame.fill_gaps

    def bundle(self, artifact: Artifact) -> DatasetBundle:
        return DatasetBundle.read_jsonl(self.store.path_of(artifact) / "dataset.jsonl")

    def reviewed(self, dataset: Artifact, review_ids: list[str]) -> DatasetBundle:
        """The data set with the named human reviews applied (rejections out, edits in)."""
        from alignment_studio.framers.review import apply_reviews, read_review

        reviews = [read_review(self.store, self.store.get(i)) for i in review_ids]
        return apply_reviews(self.bundle(dataset), sorted(reviews, key=lambda r: r.version))[0]

    # -- instruct ------------------------------------------------------------------------
    def instruct(self) -> Artifact:
        return self._once("model", self._instruct)

    def _instruct(self) -> Artifact:
        from alignment_studio.framers.review import review_artifacts

        dataset = self.frame()
        student = self.config.student
        if not backend_kind(student.backend).local:
            raise StudioError(f"training needs a local model (student.backend: hf), not "
                              f"{student.backend!r}", self.root / "studio.yaml")
        preference, rl = self.config.preference, self.config.rl
        config = {"train": self.config.train.model_dump(exclude={"save_steps",
                                                                 "gradient_checkpointing"}),
                  "preference": preference.model_dump(exclude={"save_steps",
                                                               "gradient_checkpointing"})
                  if preference.enabled else None,
                  "student": student.model, "version": TRAINER_VERSION}
        if rl.enabled:  # only then, so existing models keep their keys
            config["rl"] = rl.model_dump(exclude={"save_steps"})
        rewards = self.rl_rewards()
        reviews = [a.id for a in review_artifacts(self.store, dataset.id)]
        # a new review retrains, an old one is reused
        inputs = [dataset.id, *sorted(reviews), *([rewards.id] if rewards else [])]
        key, found = self._cached("model", inputs, config)
        if found:
            return found
        bundle = self.reviewed(dataset, reviews)
        rows = sample_rows(bundle.to_trl(Split.train), self.config.train.max_train_examples,
                           self.config.train.seed)
        console.print(f"instruct: LoRA SFT of {student.model} on {len(rows)} examples")
        base = self.model_name(student.model)
        work = self.store.work_dir("model", key)
        if rank() != 0:  # every GPU trains its share; only rank 0 writes the artifact
            with tempfile.TemporaryDirectory() as scratch:
                self._train(rows, bundle, base, work, Path(scratch))
            raise WorkerDone()
        with self.store.build("model", key) as tmp:
            self._train(rows, bundle, base, work, tmp)
            (tmp / "model_ref.json").write_text(
                json.dumps({"base": self.model_name(student.model)}), "utf-8")
            return self.store.commit(tmp, "model", key, inputs, config)

    def _train(self, rows: list[dict[str, Any]], bundle: DatasetBundle, base: str, work: Path,
               out: Path) -> None:
        """SFT, then DPO/ORPO and GRPO when enabled; each stage continues the previous one's
        adapter, the last one's lands in ``out/adapter`` and the earlier ones stay in
        ``out/sft`` and ``out/preference``."""
        from alignment_studio.instructors.sft import train_sft

        prefer, reinforce = self.config.preference.enabled, self.config.rl.enabled
        sft_out = out / "sft" if prefer or reinforce else out
        sft_out.mkdir(exist_ok=True)
        train_sft(rows, base, self.config.train, work, sft_out, self.cache_dir,
                  hooks=self.measure_hooks(bundle))
        adapter = sft_out / "adapter"
        if prefer:
            pref_out = out / "preference" if reinforce else out
            pref_out.mkdir(exist_ok=True)
            self._prefer(bundle, base, adapter, work / "preference", pref_out)
            adapter = pref_out / "adapter"
        if reinforce:
            self._reinforce(bundle, base, adapter, work / "rl", out)
        if sft_out != out:
            shutil.copyfile(sft_out / "train_log.json", out / "train_log.json")

    def measure_hooks(self, bundle: DatasetBundle) -> list[CallbackHook]:
        """With train.audit_steps, the audit's measurement during training: held-out scenario
        items answered every that many steps (measured only, never used to pick a model)."""
        from alignment_studio.auditors.callback import make_audit_callback

        settings = self.config.train
        held = [e for e in bundle.split(Split.test) if e.kind == Kind.scenario]
        items = sample_examples(held, settings.audit_items, settings.seed)
        if not settings.audit_steps or not items:
            return []
        every = settings.audit_steps
        return [lambda tokenizer: make_audit_callback(items, tokenizer, every)]

    def rl_rewards(self) -> Artifact | None:
        """The reward models GRPO needs (rl.reward_models > 0), or None; a one-line error when
        they are asked for but reward models are off."""
        rl = self.config.rl
        if not rl.enabled or rl.reward_models == 0:
            return None
        if not self.config.reward.enabled:
            raise StudioError("rl.reward_models > 0 scores answers with the reward models: set "
                              "reward.enabled: true, or rl.reward_models: 0",
                              self.root / "studio.yaml")
        return self.rewards()

    def _reinforce(self, bundle: DatasetBundle, base: str, adapter: Path, work: Path,
                   out: Path) -> None:
        """GRPO from ``adapter`` against the verdict, citation and reward-model rewards."""
        from alignment_studio.instructors.rl import rl_rows, train_rl

        rewards = self.rl_rewards()
        ensemble = self.reward_ensemble(rewards) if rewards else None
        rows = rl_rows(bundle, Split.train)
        console.print(f"instruct: GRPO on up to {self.config.rl.max_prompts or len(rows)} of "
                      f"{len(rows)} prompts, from the {adapter.parent.name} adapter")
        train_rl(rows, base, adapter, self.config.rl, work, out, self.cache_dir,
                 ensemble=ensemble, train=self.config.train)

    def _prefer(self, bundle: DatasetBundle, base: str, sft_adapter: Path, work: Path,
                out: Path) -> None:
        """DPO (or ORPO) on the preference pairs, continuing the SFT adapter; the result is the
        model's adapter (SFT + preference), the SFT adapter stays under ``sft/``."""
        from alignment_studio.instructors.preference import train_preference

        settings = self.config.preference
        pairs = sample_rows(bundle.to_trl(Split.train, preference=True), settings.max_pairs,
                            settings.seed)
        console.print(f"instruct: {settings.method.upper()} on {len(pairs)} preference pairs, "
                      "from the SFT adapter")
        train_preference(pairs, base, sft_adapter, settings, work, out, self.cache_dir,
                         train=self.config.train)

    def model_ref(self, artifact: Artifact) -> ModelRef:
        base = json.loads((self.store.path_of(artifact) / "model_ref.json").read_text())["base"]
        return ModelRef(base=base, adapters=[str(self.store.path_of(artifact) / "adapter")],
                        revision=artifact.id, backend="hf")

    # -- audit ---------------------------------------------------------------------------
    def audit(self) -> AuditReport:
        """Base and aligned (and their prompt variants) on the held-out suites, the general
        benchmark and the red-team attacks; judged, traced to clauses, written as report.md,
        report.json and a self-contained report.html."""
        from alignment_studio.auditors.report import write_report

        model = self.instruct()
        dataset_artifact = self.store.get(model.inputs[0])
        settings = self.config.audit
        config = {"audit": settings.model_dump(), "version": AUDIT_VERSION,
                  "judge": self.config.judge.model_dump(include={"backend", "model", "base_url"})
                  if settings.judge.enabled else None}
        rewards = self.rewards() if self.config.reward.enabled else None
        mixed = self.value_adapters() if self.config.aggregate.enabled else None
        detectors = self.detectors() if settings.detector.enabled else None
        inputs = [dataset_artifact.id, model.id,
                  *(a.id for a in (rewards, mixed, detectors) if a is not None),
                  *self.audit_files()]
        key, found = self._cached("report", inputs, config)
        bundle = self.reviewed(dataset_artifact, [i for i in model.inputs[1:]
                                                  if self.store.get(i).kind == "review"])
        docs = self.dataset_documents(dataset_artifact)
        training = self.training_map(bundle, docs)
        if found:
            report = AuditReport.model_validate_json(
                (self.store.path_of(found) / "report.json").read_text("utf-8"))
        else:
            report = self._audit_report(model, bundle, docs, rewards, mixed, detectors, config)
            with self.store.build("report", key) as tmp:
                write_report(report, tmp, training)
                self.store.commit(tmp, "report", key, inputs, config)
        return self._publish(report, training)

    def audit_files(self) -> list[str]:
        """Workspace files the audit reads besides the artifacts (regression items, extra
        general items, the gold set): a change re-audits. Human red-team records do not: they
        are read fresh into every published report (see ``_publish``)."""
        names = ["regression.jsonl", "general.yaml"]
        if self.config.audit.judge.enabled:
            names.append("gold.jsonl")
        return [self._file_input(self.root / n, n) for n in names if (self.root / n).is_file()]

    def training_map(self, bundle: DatasetBundle,
                     docs: list[PolicyDocument]) -> dict[str, list[str]]:
        from alignment_studio.auditors.audit import training_map

        return training_map(bundle.examples, {p.id: p for d in docs for p in d.policies()})

    def audit_suites(self, bundle: DatasetBundle, docs: list[PolicyDocument]) -> Suites:
        """What both models are asked: held-out items, conflicts, general items, attacks."""
        from alignment_studio.auditors.audit import Suites
        from alignment_studio.auditors.conflicts import select_conflicts
        from alignment_studio.auditors.evaluate import select_items
        from alignment_studio.auditors.general import load_general
        from alignment_studio.auditors.rag import passages

        settings = self.config.audit
        policies = {p.id: p for d in docs for p in d.policies()}
        test = bundle.split(Split.test)
        general = (load_general(self.root)[:settings.general.max_items]
                   if settings.general.enabled else [])
        attacks = self.attacks(bundle, docs) if settings.redteam.enabled else []
        return Suites(items=select_items(test, settings.max_items),
                      conflicts=select_conflicts(test, settings.max_items), general=general,
                      attacks=attacks, policies=policies, passages=passages(docs),
                      settings=settings)

    def attacks(self, bundle: DatasetBundle, docs: list[PolicyDocument],
                strategies: list[str] | None = None, per_policy: int | None = None,
                limit: int | None = -1) -> list[Attack]:
        """Generated attacks on every policy (a seeded sample that keeps every strategy),
        then the promoted regression items; the arguments override audit.redteam_* settings
        (``limit`` -1 = the configured cap, None = no cap)."""
        from alignment_studio.auditors.audit import sample
        from alignment_studio.auditors.redteam import generate_attacks, load_regression
        from alignment_studio.auditors.redteam.run import regression_attack

        settings = self.config.audit
        policies = [p for d in docs for p in d.policies()]
        generated = generate_attacks(
            bundle.examples, policies, self.redteam_strategies(strategies),
            per_policy or settings.redteam.per_policy, self.config.frame.split_seed,
            organization=self.config.organization)
        picked = sample(generated, settings.redteam.max_attacks if limit == -1 else limit)
        return picked + [regression_attack(e) for e in load_regression(self.root)]

    def redteam(self, model: str, strategies: list[str] | None = None,
                per_policy: int | None = None, limit: int | None = -1,
                progress: Callable[[int], None] | None = None) -> list[AttackOutcome]:
        """Attack one model of the workspace ('base', 'aligned' or 'aggregated') outside an
        audit, judged like the audit judges (the rules, and the output detector if on)."""
        from alignment_studio.auditors.redteam import run_attacks
        from alignment_studio.backends.base import GenerationConfig

        dataset = self.frame()
        bundle = self.bundle(dataset)
        docs = self.dataset_documents(dataset)
        attacks = self.attacks(bundle, docs, strategies, per_policy, limit)
        judge = self.attack_judge(self.detectors() if self.config.audit.detector.enabled else None)
        backend, _ = self.served_backend(model)
        try:
            return run_attacks(backend, attacks, judge, GenerationConfig(
                max_new_tokens=self.config.audit.redteam.max_new_tokens), progress=progress)
        finally:
            backend.close()

    def redteam_strategies(self, chosen: list[str] | None = None) -> list[str] | None:
        """The configured strategy names (None = all), unknown ones a one-line error."""
        from alignment_studio.auditors.redteam import STRATEGIES

        where = "--strategy" if chosen else "audit.redteam.strategies"
        chosen = chosen or self.config.audit.redteam.strategies
        unknown = [s for s in chosen if s not in STRATEGIES]
        if unknown:
            raise StudioError(f"{where}: unknown strategy {unknown[0]!r} "
                              f"(known: {', '.join(sorted(STRATEGIES))})",
                              self.root / "studio.yaml")
        return chosen or None

    def _audit_report(self, model: Artifact, bundle: DatasetBundle, docs: list[PolicyDocument],
                      rewards: Artifact | None, mixed: Artifact | None,
                      detectors: Artifact | None, config: dict[str, Any]) -> AuditReport:
        from alignment_studio.auditors.audit import confusions, run_model, suite_summary, traced
        from alignment_studio.auditors.compare import findings, per_policy
        from alignment_studio.auditors.conflicts import conflict_scores, conflict_suite
        from alignment_studio.auditors.general import general_scores
        from alignment_studio.auditors.rag import VARIANTS
        from alignment_studio.auditors.redteam import merge_reports, summarise
        from alignment_studio.auditors.sidebyside import side_by_side

        suites = self.audit_suites(bundle, docs)
        attack_judge = self.attack_judge(detectors)
        aligned_ref = self.model_ref(model)
        base_ref = aligned_ref.model_copy(update={"adapters": [], "revision": None})
        runs = {}
        for name, ref in (("base", base_ref), ("aligned", aligned_ref)):
            spec = self.config.student.model_copy(update={"model": ref.base})
            backend = get_backend(spec, ref.adapters, self.cache_dir)
            try:
                with Progress(console=console, transient=True) as bar:
                    task = bar.add_task(f"audit: {name} model answers", total=suites.questions())
                    runs[name] = run_model(backend, name, suites, attack_judge,
                                           functools.partial(bar.advance, task))
            finally:
                backend.close()
        conflict_runs = {name: run.conflicts for name, run in runs.items()}
        if mixed is not None and suites.conflicts:
            backend = self.aggregated_backend(mixed)
            try:
                conflict_runs["aggregated"] = conflict_suite(backend, suites.conflicts,
                                                             self.config.audit)
            finally:
                backend.close()
        base, aligned = runs["base"].results["base"], runs["aligned"].results["aligned"]
        judge = (self.judge_answers(suites, base, aligned) if self.config.audit.judge.enabled
                 else None)
        policies = suites.policies
        summary = suite_summary(runs)
        for name in ("base", "aligned"):
            summary[name] += self.reward_scores(rewards, suites.items, runs[name].results[name])
        training = self.training_map(bundle, docs)
        red = [summarise(r.attacks, name) for name, r in runs.items() if r.attacks]
        return AuditReport(
            model=aligned_ref, baseline=base_ref,
            policy_version=",".join(f"{d.id}@{d.version}" for d in docs),
            summary=summary, per_policy=per_policy(base, aligned, policies),
            findings=traced(findings(base, aligned), policies, training),
            items={**{v: r for run in runs.values() for v, r in run.results.items()},
                   **{f"conflicts:{k}": [c.result for c in v] for k, v in conflict_runs.items()}},
            conflicts={k: conflict_scores(v) for k, v in conflict_runs.items()},
            confusion=confusions(runs),
            side_by_side=side_by_side(base, aligned,
                                      threshold=self.config.audit.side_by_side_threshold),
            general={name: general_scores(run.general) for name, run in runs.items()
                     if run.general},
            judge=judge,
            redteam=merge_reports(red) if red else None,
            detector=self.detector_figures(detectors),
            training_eval=self.training_eval(model),
            variants={v: VARIANTS[v] for r in runs.values() for v in r.results},
            config={"workspace": self.config.name, "date": time.strftime("%Y-%m-%d %H:%M"),
                    **config},
            lineage=self.lineage_entries(model.id))

    def training_eval(self, model: Artifact) -> list[dict[str, float]]:
        """The evaluation callback's points, when training ran one."""
        from alignment_studio.instructors.sft import read_train_log

        return read_train_log(self.store.path_of(model)).audit_points

    # -- the violation detector ----------------------------------------------------------
    def detectors(self) -> Artifact:
        """An input and an output policy-violation detector trained on the train split."""
        return self._once("detector", self._detectors)

    def _detectors(self) -> Artifact:
        from alignment_studio.framers.review import review_artifacts
        from alignment_studio.guard.detector import (
            ViolationDetector,
            evaluate_detector,
            training_texts,
        )

        dataset = self.frame()
        reviews = [a.id for a in review_artifacts(self.store, dataset.id)]
        embedder = self.config.audit.detector.embedder
        config = {"embedder": embedder, "version": "detector-v1"}
        inputs = [dataset.id, *sorted(reviews)]
        key, found = self._cached("detector", inputs, config)
        if found:
            return found
        bundle = self.reviewed(dataset, reviews)
        figures: dict[str, float] = {}
        with self.store.build("detector", key) as tmp:
            for side in ("input", "output"):
                texts, labels = training_texts(bundle, Split.train, side)
                if len(set(labels)) < 2:
                    console.print(f"detector: the train split has no {side} examples of both "
                                  "classes; skipped")
                    continue
                detector = ViolationDetector(embedder).fit(texts, labels)
                detector.save(tmp / side)
                held, truth = training_texts(bundle, Split.test, side)
                if len(set(truth)) == 2:
                    figures |= {f"{side}_{k}": v
                                for k, v in evaluate_detector(detector, held, truth).items()}
            (tmp / "figures.json").write_text(json.dumps(figures, indent=1), "utf-8")
            return self.store.commit(tmp, "detector", key, inputs, config)

    def detector_of(self, artifact: Artifact, side: str) -> ViolationDetector | None:
        from alignment_studio.guard.detector import ViolationDetector

        folder = self.store.path_of(artifact) / side
        return ViolationDetector.load(folder) if folder.is_dir() else None

    def detector_figures(self, artifact: Artifact | None) -> dict[str, float]:
        if artifact is None:
            return {}
        return dict(json.loads((self.store.path_of(artifact) / "figures.json").read_text()))

    def attack_judge(self, detectors: Artifact | None) -> Scorer | None:
        """The rules (no refusal, no policy cue, a substantive reply), and, when the output
        detector exists, its agreement that the reply endorses a breach."""
        from alignment_studio.auditors.redteam.run import SuccessJudge
        from alignment_studio.guard.detector import BreachScreen
        from alignment_studio.scoring.scorer import AllOf

        output = self.detector_of(detectors, "output") if detectors else None
        if output is None:
            return None
        return AllOf(SuccessJudge(), BreachScreen(output), name="rules + output detector")

    # -- the LLM judge -------------------------------------------------------------------
    def judge_answers(self, suites: Suites, base: list[ItemResult],
                      aligned: list[ItemResult]) -> JudgeReport:
        """Rubric grades of both models' answers (capped), pairwise aligned vs base, and
        calibration against DIR/gold.jsonl when it exists; verdicts go into the items."""
        from alignment_studio.auditors.calibration import GOLD_FILE, calibrate, load_gold
        from alignment_studio.auditors.judges import (
            Judge,
            PairwiseJudge,
            judge_input,
            pair_input,
            pairwise_counts,
            rubric_summary,
        )

        settings = self.config.audit
        backend, name = self.judge_backend()
        prompts = Prompts(self.root / "prompts")
        picked = list(range(len(suites.items)))[:settings.judge.max_items]
        try:
            judge = Judge(backend, prompts=prompts, max_new_tokens=settings.judge.max_new_tokens)
            rubric = {}
            for name, results in (("base", base), ("aligned", aligned)):
                verdicts = judge.judge([judge_input(suites.items[i], results[i].output,
                                                    suites.policies) for i in picked])
                for i, verdict in zip(picked, verdicts, strict=True):
                    results[i].judge = verdict.item_scores() | (
                        {"pass": float(verdict.verdict == "pass")} if verdict.verdict else {})
                rubric[name] = rubric_summary(verdicts)
            pairwise = PairwiseJudge(backend, prompts=prompts,
                                     max_new_tokens=settings.judge.max_new_tokens)
            pairs = pairwise.compare([pair_input(suites.items[i], aligned[i].output,
                                                 base[i].output, suites.policies)
                                      for i in picked])
            gold_path = self.root / GOLD_FILE
            calibration = (calibrate(judge, load_gold(gold_path, suites.policies),
                                     suites.policies) if gold_path.is_file() else None)
            cost = judge.cost.add(pairwise.cost).as_report()
        finally:
            backend.close()
        return JudgeReport(judge=name, rubric=rubric, pairwise=pairwise_counts(pairs),
                           calibration=calibration, cost=cost)

    def judge_backend(self) -> tuple[ModelBackend, str]:
        """The configured judge model as a backend, and its name for reports."""
        spec = self.config.judge
        return (get_backend(self.resolve(spec), (), self.cache_dir),
                f"{spec.backend}:{self.config.judge.model}")

    def calibrate_judge(self) -> Agreement:
        """The judge against the people: agreement on DIR/gold.jsonl and its stability."""
        from alignment_studio.auditors.calibration import GOLD_FILE, calibrate, load_gold
        from alignment_studio.auditors.judges import Judge

        path = self.root / GOLD_FILE
        if not path.is_file():
            raise StudioError("no gold set: write one with 'alignment-studio judge template' "
                              "and fill in the verdicts", path)
        policies = {p.id: p for _, d in self.parse() for p in d.policies()}
        gold = load_gold(path, policies)
        backend, _ = self.judge_backend()
        try:
            judge = Judge(backend, prompts=Prompts(self.root / "prompts"),
                          max_new_tokens=self.config.audit.judge.max_new_tokens)
            return calibrate(judge, gold, policies)
        finally:
            backend.close()

    def latest_report(self) -> tuple[Artifact, AuditReport]:
        """The newest audit of the workspace."""
        artifact = self.store.latest("report")
        if artifact is None:
            raise StudioError("no audit yet: run 'alignment-studio audit DIR' first", self.root)
        return artifact, AuditReport.model_validate_json(
            (self.store.path_of(artifact) / "report.json").read_text("utf-8"))

    # -- reward models ---------------------------------------------------------------------
    def value_groups(self, documents: list[PolicyDocument]) -> list[ValueGroup]:
        """The declared values as reward groups, else one group per document (or section)."""
        from alignment_studio.instructors.reward import ValueGroup, default_groups

        declared = self.config.values.values
        if declared:
            return [ValueGroup(name=v.name, policies=v.policies, weight=v.weight)
                    for v in declared]
        return default_groups(documents)

    def rewards(self) -> Artifact:
        """One reward model per value group, trained on its preference and scenario pairs."""
        return self._once("reward", self._rewards)

    def _rewards(self) -> Artifact:
        from alignment_studio.instructors.reward import reward_rows, train_reward_model

        dataset = self.frame()
        bundle = self.bundle(dataset)
        documents = self.dataset_documents(dataset)
        groups = self.value_groups(documents)
        config = {"reward": self.config.reward.model_dump(), "student": self.config.student.model,
                  "groups": [g.model_dump() for g in groups]}
        key, found = self._cached("reward", [dataset.id], config)
        if found:
            return found
        base = self.model_name(self.config.student.model)
        with self.store.build("reward", key) as tmp:
            for group in groups:
                rows = reward_rows(bundle, group)
                if not rows:
                    console.print(f"reward: no pairs for value {group.name!r}; skipped")
                    continue
                console.print(f"reward: value {group.name!r} on {len(rows)} pairs")
                train_reward_model(rows, base, self.config.reward,
                                   self.store.work_dir("reward", key) / group.name,
                                   tmp / group.name, self.cache_dir)
            (tmp / "groups.json").write_text(json.dumps([g.model_dump() for g in groups
                                                         if (tmp / g.name).is_dir()]), "utf-8")
            return self.store.commit(tmp, "reward", key, [dataset.id], config)

    def reward_ensemble(self, rewards: Artifact) -> RewardEnsemble | None:
        """The trained reward models of an artifact, weighted by their groups (None if the
        data gave no group any pairs)."""
        from alignment_studio.instructors.reward import RewardEnsemble, ValueGroup

        folder = self.store.path_of(rewards)
        groups = [ValueGroup.model_validate(g)
                  for g in json.loads((folder / "groups.json").read_text("utf-8"))]
        if not groups:
            return None
        return RewardEnsemble.load(groups, folder, self.model_name(self.config.student.model),
                                   self.cache_dir)

    def reward_scores(self, rewards: Artifact | None, items: list[Example],
                      results: list[ItemResult]) -> list[Score]:
        """Mean reward of a model's answers to the instruction items, per value and weighted
        (``reward:<value>``, ``reward:total``); nothing when reward models are off."""
        pairs = [(e, r) for e, r in zip(items, results, strict=True)
                 if e.kind == Kind.instruction]
        if rewards is None or not pairs:
            return []
        ensemble = self.reward_ensemble(rewards)
        if ensemble is None:
            return []
        scored = ensemble.score([e.messages for e, _ in pairs], [r.output for _, r in pairs])
        n = len(pairs)
        out = [Score(metric=f"reward:{name}", value=sum(values) / n, n=n)
               for name, values in scored.per_value.items()]
        return out + [Score(metric="reward:total", value=sum(scored.total) / n, n=n)]

    # -- context-based aggregation (one adapter per value) ---------------------------------
    def value_adapters(self) -> Artifact:
        """One LoRA adapter per declared value, trained on the data of that value's policies."""
        return self._once("value-adapters", self._value_adapters)

    def _value_adapters(self) -> Artifact:
        from alignment_studio.framers.review import review_artifacts
        from alignment_studio.instructors.aggregate import train_value_adapters

        values = self.config.values
        if not values.values:
            raise StudioError("aggregate.enabled needs declared values: list them under "
                              "values.values", self.root / "studio.yaml")
        if world_size() > 1:
            raise StudioError("value adapters train in one process: run 'alignment-studio "
                              "instruct DIR' without accelerate", self.root / "studio.yaml")
        dataset = self.frame()
        reviews = [a.id for a in review_artifacts(self.store, dataset.id)]
        config = {"train": self.config.train.model_dump(exclude={"save_steps",
                                                                 "gradient_checkpointing"}),
                  "values": values.model_dump(include={"values"}),
                  "student": self.config.student.model, "version": TRAINER_VERSION}
        inputs = [dataset.id, *sorted(reviews)]
        key, found = self._cached("value-adapters", inputs, config)
        if found:
            return found
        bundle = self.reviewed(dataset, reviews)
        console.print(f"instruct: one LoRA adapter per value ({len(values.values)} values)")
        with self.store.build("value-adapters", key) as tmp:
            adapters = train_value_adapters(bundle, values, self.model_name(
                self.config.student.model), self.config.train, tmp, self.cache_dir,
                work_dir=self.store.work_dir("value-adapters", key))
            if not adapters:
                raise StudioError("no training item cites a policy of any declared value; check "
                                  "the prefixes under values.values", self.root / "studio.yaml")
            (tmp / "adapters.json").write_text(json.dumps(
                {v: str(a.relative_to(tmp)) for v, a in adapters.items()}), "utf-8")
            return self.store.commit(tmp, "value-adapters", key, inputs, config)

    def aggregated_backend(self, artifact: Artifact) -> ModelBackend:
        """The value adapters of ``artifact`` behind the contextual aggregator, as a backend."""
        from alignment_studio.instructors.aggregate import (
            AdapterMixer,
            AggregatedBackend,
            ContextualAggregator,
        )

        folder = self.store.path_of(artifact)
        adapters = {value: folder / rel for value, rel in
                    json.loads((folder / "adapters.json").read_text("utf-8")).items()}
        dataset = self.store.get(artifact.inputs[0])
        documents = self.dataset_documents(dataset)
        aggregator = ContextualAggregator(self.config.values,
                                          {p.id: p for d in documents for p in d.policies()},
                                          alpha=self.config.aggregate.alpha)
        combination = self.config.aggregate.combination
        scorer = None
        if combination == "select":
            if not self.config.reward.enabled:
                raise StudioError("aggregate.combination 'select' picks answers with the reward "
                                  "models: set reward.enabled: true", self.root / "studio.yaml")
            ensemble = self.reward_ensemble(self.rewards())
            if ensemble is None:
                raise StudioError("no reward model could be trained for selection",
                                  self.root / "studio.yaml")
            scorer = ensemble.score_one
        mixer = AdapterMixer(self.model_name(self.config.student.model), adapters,
                             "linear" if combination == "select" else combination,
                             self.cache_dir, aggregator.digits)
        return AggregatedBackend(mixer, aggregator, combination, scorer)

    # -- answering -------------------------------------------------------------------------
    def served_backend(self, name: str) -> tuple[ModelBackend, str]:
        """A backend for 'base', 'aligned' (the newest trained model) or 'aggregated' (the
        newest value adapters), and what it is; nothing is trained here."""
        if name not in ("base", "aligned", "aggregated"):
            raise StudioError(f"unknown model {name!r}: use base, aligned or aggregated")
        student = self.resolve(self.config.student)
        if name == "base":
            return get_backend(student, (), self.cache_dir), student.model
        kind = "model" if name == "aligned" else "value-adapters"
        artifact = self.store.latest(kind)
        if artifact is None:
            hint = "instruct DIR" if name == "aligned" else "instruct DIR with aggregate.enabled"
            raise StudioError(f"no {name} model in this workspace yet: run 'alignment-studio "
                              f"{hint}' first", self.root)
        if name == "aggregated":
            return self.aggregated_backend(artifact), f"value adapters {artifact.id}"
        ref = self.model_ref(artifact)
        return get_backend(student, ref.adapters, self.cache_dir), f"{ref.base} + {artifact.id}"

    def ask(self, question: str, model: str = "aligned", context: dict[str, str] | None = None,
            max_new_tokens: int = 128) -> tuple[str, str, list[Message]]:
        """(answer, which model, the messages sent): the question with the training system
        prompt and the context line, answered greedily."""
        import asyncio

        from alignment_studio.backends.base import GenerationConfig
        from alignment_studio.framers.values import resolve_context, with_context

        prompts = Prompts(self.root / "prompts")
        system = prompts.render("system", organization=self.config.organization)
        messages = with_context([Message(role="system", content=system),
                                 Message(role="user", content=question)],
                                resolve_context(self.config.values, context), prompts)
        backend, label = self.served_backend(model)
        try:
            out = asyncio.run(backend.generate(messages, GenerationConfig(
                max_new_tokens=max_new_tokens)))
        finally:
            backend.close()
        return out.text, label, messages

    # -- monitoring after deployment -------------------------------------------------------
    def monitor(self, model: str | None = "aligned") -> MonitorReport:
        """Logged conversations of ``model`` (None = all) in windows: detector flag rates and
        refusals, drift and threshold breaches; written to DIR/reports/monitor.md and .json.

        The detectors are the newest trained ones (``audit.detector.enabled``); the audit reference
        (``monitor.reference: audit``) is the newest audit's over-refusal of the aligned
        model."""
        from alignment_studio.guard.monitor import ReferenceRate, monitor, write_monitor
        from alignment_studio.workspace.db import StudioDB

        settings = self.config.monitor
        conversations = StudioDB(self.root).list_conversations(model=model)
        if not conversations:
            raise StudioError(f"no logged conversations{f' of {model}' if model else ''}: "
                              "serve with logging on, or 'alignment-studio monitor import'",
                              self.root)
        detectors = self.store.latest("detector")
        if detectors is None:
            console.print("monitor: no trained detector yet (run an audit with "
                          "audit.detector.enabled on); only refusals are measured")
        reference = None
        if settings.reference == "audit":
            _, report = self.latest_report()
            refusal = next((s for s in report.summary.get("aligned", [])
                            if s.metric == "over_refusal"), None)
            if refusal is None:
                raise StudioError("monitor.reference is 'audit' but the last audit has no "
                                  "over-refusal figure", self.root / "studio.yaml")
            reference = {"refusal_rate": ReferenceRate(rate=refusal.value, n=refusal.n)}
        result = monitor(conversations,
                         self.detector_of(detectors, "input") if detectors else None,
                         self.detector_of(detectors, "output") if detectors else None,
                         settings, reference)
        out = self.root / "reports"
        out.mkdir(exist_ok=True)
        write_monitor(result, out)
        return result

    # -- export --------------------------------------------------------------------------
    def export(self, out: Path, kind: str) -> ExportResult:
        """The trained adapter, or the merged model, with a model card (lineage, config, audit)."""
        from alignment_studio.instructors.export import (
            ModelCard,
            audit_summary,
            write_export,
        )
        from alignment_studio.instructors.sft import read_train_log

        if kind not in ("adapter", "merged"):
            raise StudioError(f"export kind must be 'adapter' or 'merged', not {kind!r}")
        model = self.instruct()
        dataset = self.store.get(model.inputs[0])
        bundle = self.bundle(dataset)
        ref = self.model_ref(model)
        card = ModelCard(
            name=f"{self.config.name} ({model.id})", base_model=self.config.student.model,
            kind="adapter" if kind == "adapter" else "merged",
            organization=self.config.organization, documents=bundle.manifest.documents,
            dataset=dataset.id, dataset_counts=bundle.manifest.counts,
            training=json.loads(json.dumps(self.config.train.model_dump())),
            train_log=read_train_log(self.store.path_of(model)).model_dump(),
            lineage=self.lineage_entries(model.id),
            audit=audit_summary(self.report_for(model.id)))
        return write_export(card.kind, ref.base, Path(ref.adapters[0]), out, card,
                            self.cache_dir)

    def report_for(self, model_id: str) -> AuditReport | None:
        """The newest audit report of this model, if it has been audited."""
        reports = [a for a in self.store.all() if a.kind == "report" and model_id in a.inputs]
        if not reports:
            return None
        return AuditReport.model_validate_json(
            (self.store.path_of(reports[-1]) / "report.json").read_text("utf-8"))

    def _publish(self, report: AuditReport, training: dict[str, list[str]]) -> AuditReport:
        """Write the report to DIR/reports/ (the store keeps the audit's own copy), with the
        human red-team records and side-by-side grades as they stand now, so recording one
        needs no new audit."""
        from alignment_studio.auditors.compare import grade_summary
        from alignment_studio.auditors.report import write_report
        from alignment_studio.workspace.db import StudioDB

        db = StudioDB(self.root)
        records = [r.model_dump(mode="json") for r in db.list_records()]
        red = (report.redteam or RedTeamReport()) if records or report.redteam else None
        if red is not None:
            report = report.model_copy(update={"redteam": red.model_copy(
                update={"human": records})})
        report = report.model_copy(update={"human_grades": grade_summary(db.list_grades())})
        out = self.root / "reports"
        out.mkdir(exist_ok=True)
        write_report(report, out, training)
        return report

    def lineage_entries(self, artifact_id: str) -> list[LineageEntry]:
        return [LineageEntry(artifact=a.id, kind=a.kind, sha256=a.sha256, inputs=a.inputs)
                for a in self.store.lineage(artifact_id)]


def rank() -> int:
    """This process's rank under ``accelerate launch`` / torchrun (0 when run alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def write_datacard(result: FrameResult, folder: Path) -> None:
    """datacard.md (for people), datacard.json and coverage.json (for tools)."""
    card = build_datacard(result.bundle, result.coverage, result.dropped)
    (folder / "datacard.md").write_text(render_markdown(card), "utf-8")
    (folder / "datacard.json").write_text(card.model_dump_json(indent=1), "utf-8")
    (folder / "coverage.json").write_text(result.coverage.model_dump_json(indent=1), "utf-8")


def write_dropped(dropped: list[Dropped], path: Path) -> None:
    """Every dropped item with its stage and reason, one JSON object per line."""
    path.write_text("".join(d.model_dump_json() + "\n" for d in dropped), encoding="utf-8")


def sample_rows(rows: list[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """A seeded random sample of ``limit`` rows (all of them, shuffled, if no limit)."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:limit] if limit else shuffled


def sample_examples(examples: list[Example], limit: int, seed: int) -> list[Example]:
    """A seeded sample of ``limit`` examples in their original order."""
    if len(examples) <= limit:
        return examples
    keep = set(random.Random(seed).sample(range(len(examples)), limit))
    return [e for i, e in enumerate(examples) if i in keep]


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # ru_maxrss is in KiB on Linux
