"""The LLM judge of a workspace (the ``judge:`` model): grading the audit's answers, and its
calibration against people's verdicts (``DIR/gold.jsonl``)."""

from __future__ import annotations

from pathlib import Path

from alignment_studio.auditors.audit import Suites
from alignment_studio.auditors.calibration import (
    GOLD_FILE,
    calibrate,
    gold_template,
    load_gold,
    write_gold,
)
from alignment_studio.auditors.judges import (
    Judge,
    PairwiseJudge,
    judge_input,
    pair_input,
    pairwise_counts,
    rubric_summary,
)
from alignment_studio.backends import ModelBackend, get_backend
from alignment_studio.core.errors import StudioError
from alignment_studio.stages import frame, parse, publish
from alignment_studio.types import Agreement, ItemResult, JudgeReport
from alignment_studio.workspace import Workspace


def backend(ws: Workspace) -> tuple[ModelBackend, str]:
    """The configured judge model as a backend, and its name for reports."""
    spec = ws.config.judge
    return get_backend(ws.resolve(spec), (), ws.cache_dir), f"{spec.backend}:{spec.model}"


def gold_path(ws: Workspace) -> Path:
    return ws.root / GOLD_FILE


def grade(ws: Workspace, suites: Suites, base: list[ItemResult],
          aligned: list[ItemResult]) -> JudgeReport:
    """Rubric grades of both models' answers (capped), pairwise aligned vs base, and
    calibration against DIR/gold.jsonl when it exists; verdicts go into the items."""
    settings = ws.config.audit.judge
    served, name = backend(ws)
    picked = list(range(len(suites.items)))[:settings.max_items]
    try:
        rubric_judge = Judge(served, prompts=ws.prompts, max_new_tokens=settings.max_new_tokens)
        rubric = {}
        for model, results in (("base", base), ("aligned", aligned)):
            verdicts = rubric_judge.score([judge_input(suites.items[i], results[i].output,
                                                       suites.policies) for i in picked])
            for i, verdict in zip(picked, verdicts, strict=True):
                results[i].judge = verdict.item_scores() | (
                    {"pass": float(verdict.verdict == "pass")} if verdict.verdict else {})
            rubric[model] = rubric_summary(verdicts)
        pairwise = PairwiseJudge(served, prompts=ws.prompts,
                                 max_new_tokens=settings.max_new_tokens)
        pairs = pairwise.compare([pair_input(suites.items[i], aligned[i].output, base[i].output,
                                             suites.policies) for i in picked])
        gold = gold_path(ws)
        calibration = (calibrate(rubric_judge, load_gold(gold, suites.policies), suites.policies)
                       if gold.is_file() else None)
        cost = rubric_judge.cost.add(pairwise.cost).as_report()
    finally:
        served.close()
    return JudgeReport(judge=name, rubric=rubric, pairwise=pairwise_counts(pairs),
                       calibration=calibration, cost=cost)


def calibration(ws: Workspace) -> Agreement:
    """The judge against the people: agreement on DIR/gold.jsonl and its stability."""
    path = gold_path(ws)
    if not path.is_file():
        raise StudioError("no gold set: write one with 'alignment-studio judge template' "
                          "and fill in the verdicts", path)
    policies = parse.policies([d for _, d in parse.documents(ws)])
    gold = load_gold(path, policies)
    served, _ = backend(ws)
    try:
        return calibrate(Judge(served, prompts=ws.prompts,
                               max_new_tokens=ws.config.audit.judge.max_new_tokens),
                         gold, policies)
    finally:
        served.close()


def template(ws: Workspace, out: Path | None, model: str, limit: int) -> tuple[Path, int]:
    """The last audit's answers of ``model`` as a gold-set file with empty verdicts to fill
    in; the file and the number of items."""
    artifact, report = publish.latest(ws)
    path = out or gold_path(ws)
    if path.exists():
        raise StudioError("already exists; fill it in, or pass --out for a new file", path)
    if model not in report.items:
        raise StudioError(f"the last audit has no answers of {model!r} "
                          f"(it has: {', '.join(report.items)})")
    examples = frame.bundle(ws, ws.store.get(artifact.inputs[0])).examples
    ids = {e.id for e in examples}
    results = [r for r in report.items[model] if r.example_id in ids][:limit]
    write_gold(path, gold_template(results, examples))
    return path, len(results)
