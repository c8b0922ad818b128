"""report.html: the whole audit in one self-contained file, to read offline and to archive.

Everything is inline (CSS, SVG charts) and a Content-Security-Policy forbids every fetch and
every script, so the file shows the same thing on any machine, forever. The markup lives in
Jinja templates (``resources/report/``) rendered with autoescape, so a model output that contains
markup stays text without anyone having to remember to escape it; the only markup handed in is
the SVG that plots.py draws. Every finding links to its clause and names the data that trained
it, so a reader can walk from a failure back to the policy text and the training set.

This module decides what the page says (which rows, in which order, which policies get a
section) as small view models; the templates decide how it looks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from alignment_studio.auditors.report import plots
from alignment_studio.auditors.report.summary import metric_labels, score_of
from alignment_studio.auditors.report.views import (
    ArtifactRef,
    Attack,
    AttackGroup,
    Calibration,
    ConflictsBody,
    Confusion,
    ConfusionRow,
    Count,
    ExampleGroup,
    FindingItem,
    FindingRef,
    FindingsBody,
    GradeCell,
    GradeRow,
    HumanGradesBody,
    HumanRecords,
    JudgeBody,
    LineageBody,
    LineageRow,
    MatrixRow,
    OutcomeRow,
    Page,
    PageContext,
    Pair,
    PairExample,
    PerPolicyBody,
    PolicyItem,
    PolicyRow,
    PolicyScore,
    RateMatrix,
    RateRow,
    RedTeamBody,
    ScoreMatrix,
    Section,
    SideBySideBody,
    SummaryBody,
    TrainingBody,
    anchor,
    finding_anchor,
    policy_anchor,
)
from alignment_studio.core.errors import StudioError
from alignment_studio.types import (
    OUTCOMES,
    Agreement,
    AuditReport,
    Finding,
    PolicyScores,
    RateScore,
    RedTeamReport,
    Score,
    SideBySide,
)

HTML_FILE = "report.html"
TEMPLATES = Path(str(files("alignment_studio") / "resources" / "report"))
PAGE_TEMPLATE = "report.html.j2"

VARIANT_ORDER = ("base", "base+prompt", "base+rag", "aligned", "aligned+rag")
VERDICTS = ("compliant", "violating", "needs_info", "none")
OUTCOME_LABELS = {"both_good": "both good", "only_unaligned_good": "only unaligned good",
                  "only_aligned_good": "only aligned good", "both_fail": "both fail"}
SHORT = {"scenario_accuracy": "accuracy", "answer_rouge_l": "ROUGE-L",
         "expert_rouge_l": "expert ROUGE-L", "citation_rate": "cites policy"}
EXTRA_LABELS = {"precedence_accuracy": "follows precedence", "cites_both": "cites both policies",
                "pass_rate": "pass rate"}
MAX_HEAT_ROWS = 80
MAX_FINDINGS = 200
MAX_EXAMPLES = 5
MAX_HUMAN = 20


# -- entry points --------------------------------------------------------------------------------

def render_html(report: AuditReport, policies: dict[str, str] | None = None,
                training: dict[str, list[str]] | None = None) -> str:
    """The audit as one HTML page.

    Args:
        report: the audit.
        policies: policy ID -> clause text; falls back to the texts the report carries.
        training: policy ID -> IDs of the train-split items made from it; falls back to the
            findings' ``training_examples``.
    """
    ctx = PageContext(report, _policy_texts(report, policies), _training_ids(report, training))
    middle = [build(ctx) for build in SECTIONS]
    tail = [_policies(ctx), _lineage(ctx)]  # last: it needs every policy linked above
    sections = [s for s in (*middle, *tail) if s is not None]
    page = Page(_title(report), _meta(report), sections)
    return _environment().get_template(PAGE_TEMPLATE).render(page=page)


def write_html(report: AuditReport, folder: Path, policies: dict[str, str] | None = None,
               training: dict[str, list[str]] | None = None) -> Path:
    """Write ``folder/report.html`` (the folder is created) and return its path."""
    if folder.exists() and not folder.is_dir():
        raise StudioError("cannot write report.html: this is a file, not a folder", folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / HTML_FILE
    path.write_text(render_html(report, policies, training), encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The web studio's settings (autoescape, strict undefined), keeping the template's final
    newline so report.html ends like a text file; the filters format numbers one way everywhere."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(num=_num, signed=_signed, percent=_percent, plain=_plain, plural=_plural)
    return env


def _policy_texts(report: AuditReport, given: dict[str, str] | None) -> dict[str, str]:
    texts = {f_id: f.policy_text for f in report.findings for f_id in f.policy_ids[:1]
             if f.policy_text}
    texts.update({row.policy_id: row.text for row in report.per_policy if row.text})
    return {**texts, **(given or {})}


def _training_ids(report: AuditReport, given: dict[str, list[str]] | None) -> dict[str, list[str]]:
    found: dict[str, dict[str, None]] = {}
    for f in report.findings:
        for pid in f.policy_ids:
            found.setdefault(pid, {}).update(dict.fromkeys(f.training_examples))
    return {**{pid: list(ids) for pid, ids in found.items()}, **(given or {})}


# -- formatting (template filters) ---------------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:.3f}"


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _plain(value: object) -> str:
    """Counts without a trailing .0, other figures to three places."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# -- page ----------------------------------------------------------------------------------------

def _title(report: AuditReport) -> str:
    return f"Audit report: {report.config.get('workspace', '') or report.model.label}"


def _meta(report: AuditReport) -> list[tuple[str, str]]:
    """The header's facts; the date falls back to today for reports that carry none."""
    date = str(report.config.get("date") or datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    rows = [("aligned model", report.model.label), ("base model", report.baseline.label),
            ("backend", report.model.backend), ("policy version", report.policy_version),
            ("audit version", report.config.get("version", "")), ("date", date)]
    return [(k, str(v)) for k, v in rows if v]


def _section(sid: str, title: str, body: object) -> Section:
    """A section drawn by the macro named like its id (``per-policy`` -> ``per_policy``)."""
    return Section(sid, title, sid.replace("-", "_"), body)


def _not_run(sid: str, title: str, what: str) -> Section:
    return Section(sid, title, "not_run", what, ran=False)


# -- tables --------------------------------------------------------------------------------------

def _ordered(keys: Iterable[str], order: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(keys))
    return [k for k in order if k in unique] + [k for k in unique if k not in order]


def _metrics(by_key: Mapping[str, list[Score]], labels: Mapping[str, str]) -> list[str]:
    return _ordered((s.metric for scores in by_key.values() for s in scores), list(labels))


def _label(metric: str, labels: Mapping[str, str]) -> str:
    return labels.get(metric) or EXTRA_LABELS.get(metric) or metric


def _score_matrix(by_column: Mapping[str, list[Score]], labels: Mapping[str, str],
                  change: tuple[str, str]) -> ScoreMatrix:
    """Known columns (variants) in their fixed order, then any others; the change column only
    when both of its columns exist."""
    columns = _ordered(by_column, VARIANT_ORDER)
    shown = change if all(c in by_column for c in change) else None
    rows = []
    for metric in _metrics(by_column, labels):
        cells = [score_of(by_column[c], metric) for c in columns]
        pair = (Pair(score_of(by_column[shown[0]], metric), score_of(by_column[shown[1]], metric))
                if shown else Pair(None, None))
        rows.append(MatrixRow(_label(metric, labels), max((s.n for s in cells if s), default=0),
                              cells, pair))
    return ScoreMatrix(columns, shown, rows)


def _counts(counts: Mapping[str, float], names: Mapping[str, str] | None = None) -> list[Count]:
    total = sum(counts.values())
    return [Count((names or {}).get(k, k), v, v / total if total else None)
            for k, v in counts.items()]


# -- sections ------------------------------------------------------------------------------------

def _summary(ctx: PageContext) -> Section:
    report = ctx.report
    if not report.summary:
        return _not_run("summary", "Summary", "no model was scored on the domain suites")
    matrix = _score_matrix(report.summary, metric_labels(report), ("base", "aligned"))
    body = SummaryBody(_ci_methods(report.summary), matrix, list(report.variants.items()))
    return _section("summary", "Summary", body)


def _ci_methods(by_key: Mapping[str, list[Score]]) -> str:
    methods = sorted({s.ci.method for scores in by_key.values() for s in scores if s.ci})
    return ", ".join(methods) if methods else "none computed"


def _charts(ctx: PageContext) -> Section | None:
    report = ctx.report
    charts = [_summary_bars(report), _policy_heatmap(report), _summary_dots(report)]
    shown = [Markup(c) for c in charts if c]  # plots.py escapes every text it draws
    return _section("charts", "Charts", shown) if shown else None


def _summary_bars(report: AuditReport) -> str:
    if not report.summary:
        return ""
    labels = metric_labels(report)
    variants = _ordered(report.summary, VARIANT_ORDER)
    metrics = _metrics(report.summary, labels)
    values = [[score_of(report.summary[v], m) for v in variants] for m in metrics]
    return plots.grouped_bars("Domain suites by variant", [_label(m, labels) for m in metrics],
                              variants, values)


def _policy_heatmap(report: AuditReport) -> str:
    rows = report.per_policy[:MAX_HEAT_ROWS]
    if not rows:
        return ""
    metrics = _ordered((s.metric for r in rows for s in (*r.base, *r.aligned)), list(SHORT))
    columns = [f"{SHORT.get(m, m)} · {side}" for m in metrics for side in ("base", "aligned")]
    values = [[_value(score_of(getattr(r, side), m)) for m in metrics
               for side in ("base", "aligned")] for r in rows]
    shown = "" if len(report.per_policy) <= MAX_HEAT_ROWS else (
        f" (first {MAX_HEAT_ROWS} of {len(report.per_policy)})")
    return plots.heatmap(f"Compliance per policy{shown}", [r.policy_id for r in rows], columns,
                         values)


def _value(score: Score | None) -> float | None:
    return score.value if score else None


def _summary_dots(report: AuditReport) -> str:
    labels = metric_labels(report)
    variants = _ordered(report.summary, VARIANT_ORDER)
    scores = [(m, v, score_of(report.summary[v], m))
              for m in _metrics(report.summary, labels) for v in variants]
    points = [(f"{_label(m, labels)} · {v}", s) for m, v, s in scores if s and s.ci]
    return plots.interval_dots("Scores with 95% intervals", points) if points else ""


def _per_policy(ctx: PageContext) -> Section:
    rows = ctx.report.per_policy
    if not rows:
        return _not_run("per-policy", "Per policy", "no held-out policy had test items")
    labels = metric_labels(ctx.report)
    metrics = _ordered((s.metric for r in rows for s in (*r.base, *r.aligned)), list(labels))
    body = PerPolicyBody([_label(m, labels) for m in metrics], [
        PolicyRow(ctx.link(r.policy_id), plots.shorten(ctx.texts.get(r.policy_id, r.text), 160),
                  [Pair(score_of(r.base, m), score_of(r.aligned, m)) for m in metrics])
        for r in rows])
    return _section("per-policy", "Per policy", body)


def _domain_suites(ctx: PageContext) -> Section:
    confusion = ctx.report.confusion
    if not confusion:
        return _not_run("domain", "Domain suites", "no verdict confusion was recorded")
    tables = [_confusion(v, confusion[v]) for v in _ordered(confusion, VARIANT_ORDER)]
    return _section("domain", "Domain suites", tables)


def _confusion(variant: str, matrix: Mapping[str, Mapping[str, int]]) -> Confusion:
    """Verdicts in their fixed order (compliant, violating, needs_info, none), then others."""
    expected = _ordered(matrix, VERDICTS)
    predicted = _ordered((p for row in matrix.values() for p in row), VERDICTS)
    rows = [ConfusionRow(e, [(p, matrix[e].get(p, 0)) for p in predicted], sum(matrix[e].values()))
            for e in expected]
    right = sum(matrix[e].get(e, 0) for e in expected)
    return Confusion(variant, predicted, rows, right, sum(r.total for r in rows))


def _side_by_side(ctx: PageContext) -> Section:
    sbs = ctx.report.side_by_side
    if sbs is None or not (sbs.counts or sbs.examples):
        return _not_run("side-by-side", "Side by side", "no paired comparison was recorded")
    counts = _counts({o: sbs.counts.get(o, 0) for o in OUTCOMES}, OUTCOME_LABELS)
    per_policy = [OutcomeRow(ctx.link(pid), [c.get(o, 0) for o in OUTCOMES], sum(c.values()))
                  for pid, c in sbs.per_policy.items()]
    body = SideBySideBody(counts, [OUTCOME_LABELS[o] for o in OUTCOMES], per_policy,
                          _example_groups(ctx, sbs))
    return _section("side-by-side", "Side by side", body)


def _example_groups(ctx: PageContext, sbs: SideBySide) -> list[ExampleGroup]:
    """A few examples per outcome, in the outcomes' fixed order."""
    return [ExampleGroup(OUTCOME_LABELS[o], [PairExample(r, ctx.links(r.policy_ids))
                                             for r in sbs.examples[o][:MAX_EXAMPLES]])
            for o in OUTCOMES if sbs.examples.get(o)]


def _human_grades(ctx: PageContext) -> Section:
    grades = ctx.report.human_grades
    if not grades:
        return _not_run("human-grades", "Human grades",
                        "no side-by-side answers were graded in the studio")
    criteria = list(dict.fromkeys(c for g in grades for c in g.means))
    rows = [GradeRow(g, [GradeCell(g.means[c], g.scored.get(c, 0)) if c in g.means else None
                         for c in criteria]) for g in grades]
    return _section("human-grades", "Human grades", HumanGradesBody(criteria, rows))


def _general(ctx: PageContext) -> Section:
    general = ctx.report.general
    if not general:
        return _not_run("general", "General capability", "no general benchmark was run")
    return _section("general", "General capability",
                    _score_matrix(general, {}, ("base", "aligned")))


def _judge(ctx: PageContext) -> Section:
    judge = ctx.report.judge
    if judge is None:
        return _not_run("judge", "LLM judge", "no judge model was configured")
    rubric = _score_matrix(judge.rubric, {}, ("base", "aligned")) if judge.rubric else None
    body = JudgeBody(judge.judge, rubric, _counts(judge.pairwise),
                     _calibration(judge.calibration), list(judge.cost.items()))
    return _section("judge", "LLM judge", body)


def _calibration(agreement: Agreement | None) -> Calibration | None:
    if agreement is None:
        return None
    scores = {"accuracy": agreement.accuracy, "Cohen's kappa": agreement.kappa}
    if agreement.flip_rate is not None:
        scores["flip rate (reworded rubric)"] = agreement.flip_rate
    chart = plots.interval_dots("Judge agreement with human labels", list(scores.items()))
    return Calibration(agreement.n, list(scores.items()), Markup(chart))


def _redteam(ctx: PageContext) -> Section:
    red = ctx.report.redteam
    if red is None or not (red.overall or red.per_strategy or red.outcomes or red.human):
        return _not_run("redteam", "Red teaming", "no attacks were run")
    chart = Markup(plots.attack_success(red.per_strategy)) if red.per_strategy else Markup()
    body = RedTeamBody(
        list(red.overall.items()), chart,
        _rate_matrix(ctx, red.per_strategy, policy=False) if red.per_strategy else None,
        _rate_matrix(ctx, red.per_policy, policy=True) if red.per_policy else None,
        _attacks(ctx, red), _human(red.human))
    return _section("redteam", "Red teaming", body)


def _rate_matrix(ctx: PageContext, by_model: Mapping[str, list[RateScore]],
                 policy: bool) -> RateMatrix:
    """Rows are strategies or policies (linked), in the order the models first name them."""
    models = list(by_model)
    keys = list(dict.fromkeys(r.key for rates in by_model.values() for r in rates))
    rows = [RateRow(k, ctx.link(k) if policy else None,
                    [next((r for r in by_model[m] if r.key == k), None) for m in models])
            for k in keys]
    return RateMatrix(policy, models, rows)


def _attacks(ctx: PageContext, red: RedTeamReport) -> list[AttackGroup]:
    """The first successful attacks on each model, as examples (report.json has them all)."""
    groups = []
    for model, outcomes in red.outcomes.items():
        hits = [o for o in outcomes if o.success][:MAX_EXAMPLES]
        if hits:
            attacks = [Attack(o, ctx.links(o.policy_ids)) for o in hits]
            groups.append(AttackGroup(model, attacks, sum(o.success for o in outcomes)))
    return groups


def _human(records: Sequence[Mapping[str, object]]) -> HumanRecords | None:
    """People's red-team records as a table: every key any record has, long values cut short."""
    if not records:
        return None
    columns = list(dict.fromkeys(k for r in records for k in r))
    rows = [[plots.shorten(str(r.get(k, "")), 200) for k in columns] for r in records[:MAX_HUMAN]]
    return HumanRecords(columns, rows, len(records))


def _detector(ctx: PageContext) -> Section:
    figures = ctx.report.detector
    if not figures:
        return _not_run("detector", "Violation detector", "no detector was trained")
    return _section("detector", "Violation detector", list(figures.items()))


def _training_eval(ctx: PageContext) -> Section:
    points = ctx.report.training_eval
    if not points:
        return _not_run("training", "During training", "no evaluation during training")
    columns = _ordered((k for p in points for k in p), ("step", "epoch"))
    rows: list[list[float | None]] = [[p.get(k) for k in columns] for p in points]
    return _section("training", "During training", TrainingBody(columns, rows))


def _conflicts(ctx: PageContext) -> Section:
    conflicts = ctx.report.conflicts
    if not any(conflicts.values()):
        return _not_run("conflicts", "Conflicting requirements", "no held-out conflict items")
    models = _ordered(conflicts, VARIANT_ORDER)
    contexts = list(dict.fromkeys(c for m in models for c in conflicts[m]))
    metrics = _ordered((s.metric for m in models for scores in conflicts[m].values()
                        for s in scores), list(EXTRA_LABELS))
    columns = [(_label(metric, {}), m) for metric in metrics for m in models]
    rows = [(c, [score_of(conflicts[m].get(c, []), metric) for metric in metrics for m in models])
            for c in contexts]
    return _section("conflicts", "Conflicting requirements", ConflictsBody(columns, rows))


def _findings(ctx: PageContext) -> Section:
    findings = ctx.report.findings
    items = [_finding(ctx, i, f) for i, f in enumerate(findings[:MAX_FINDINGS], 1)]
    title = f"Findings ({len(findings)})" if findings else "Findings"
    return _section("findings", title, FindingsBody(len(findings), items))


def _finding(ctx: PageContext, index: int, f: Finding) -> FindingItem:
    """A finding names the items that trained its policy: its own, else the policies'."""
    trained = list(f.training_examples) or [
        i for pid in f.policy_ids for i in ctx.training.get(pid, [])]
    return FindingItem(index, finding_anchor(index), f, ctx.links(f.policy_ids), trained)


def _policies(ctx: PageContext) -> Section | None:
    """A section for every policy linked anywhere above, in the order first linked."""
    ids = list(ctx.linked)
    if not ids:
        return None
    by_policy: dict[str, list[FindingRef]] = {}
    for i, f in enumerate(ctx.report.findings[:MAX_FINDINGS], 1):
        for pid in f.policy_ids:
            by_policy.setdefault(pid, []).append(FindingRef(i, finding_anchor(i)))
    rows = {r.policy_id: r for r in ctx.report.per_policy}
    labels = metric_labels(ctx.report)
    items = [PolicyItem(pid, policy_anchor(pid), ctx.texts.get(pid, ""),
                        _policy_scores(rows.get(pid), labels), by_policy.get(pid, []),
                        ctx.training.get(pid, []))
             for pid in ids]
    return _section("policies", f"Policies ({len(ids)})", items)


def _policy_scores(row: PolicyScores | None, labels: Mapping[str, str]) -> list[PolicyScore]:
    if row is None:
        return []
    return [PolicyScore(_label(s.metric, labels), score_of(row.base, s.metric), s)
            for s in row.aligned]


def _lineage(ctx: PageContext) -> Section:
    """Each artifact links to the rows of what it was made from, when the report has them."""
    report = ctx.report
    known = {e.artifact for e in report.lineage}

    def ref(artifact: str) -> ArtifactRef:
        return ArtifactRef(artifact, anchor("lineage", artifact) if artifact in known else "")

    rows = [LineageRow(e, anchor("lineage", e.artifact), [ref(i) for i in e.inputs])
            for e in report.lineage]
    last = report.lineage[-1].artifact if report.lineage else ""
    body = LineageBody(report.policy_version, rows, ref(last) if last else None)
    return _section("lineage", "Lineage", body)


SECTIONS: tuple[Callable[[PageContext], Section | None], ...] = (
    _summary, _charts, _per_policy, _domain_suites, _side_by_side, _human_grades, _general,
    _judge, _redteam, _detector, _training_eval, _conflicts, _findings)
