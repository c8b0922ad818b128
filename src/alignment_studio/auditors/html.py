"""report.html: the whole audit in one self-contained file, to read offline and to archive.

Everything is inline (CSS, SVG charts) and a Content-Security-Policy forbids every fetch and
every script, so the file shows the same thing on any machine, forever, and a model output that
contains markup stays text: all report text is escaped, and the policy would stop a script even
if some text slipped through. Every finding links to its clause and names the data that
trained it, so a reader can walk from a failure back to the policy text and the training set.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from alignment_studio.auditors import plots
from alignment_studio.auditors.report import html_path, metric_labels, score_of
from alignment_studio.core.errors import StudioError
from alignment_studio.types import (
    OUTCOMES,
    Agreement,
    AttackOutcome,
    AuditReport,
    Finding,
    PolicyScores,
    RateScore,
    RedTeamReport,
    Score,
    SideBySideRow,
)

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
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _anchor(prefix: str, key: str) -> str:
    """A valid, unique HTML id for any string: a readable slug plus a hash of the raw key, so
    IDs that differ only in punctuation ("a/b" and "a.b") never share an anchor."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")[:48] or "x"
    return f"{prefix}-{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def policy_anchor(policy_id: str) -> str:
    """The id of a policy's section in report.html (findings link to ``#`` + this)."""
    return _anchor("policy", policy_id)


@dataclass
class _Context:
    """What every section needs: the report, the policy texts and training data it is traced
    to, and the policies linked so far (each gets its own section, so no link dangles)."""

    report: AuditReport
    texts: dict[str, str]
    training: dict[str, list[str]]
    linked: dict[str, None] = field(default_factory=dict)

    def link(self, policy_id: str) -> str:
        self.linked[policy_id] = None
        return (f'<a class="policy-link" href="#{policy_anchor(policy_id)}">'
                f"<code>{_e(policy_id)}</code></a>")

    def links(self, policy_ids: Iterable[str]) -> str:
        return ", ".join(self.link(p) for p in policy_ids) or "–"


@dataclass(frozen=True)
class _Section:
    id: str
    title: str
    body: str
    ran: bool = True


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
    ctx = _Context(report, _policy_texts(report, policies), _training_ids(report, training))
    middle = [build(ctx) for build in SECTIONS]
    tail = [_policies(ctx), _lineage(ctx)]  # last: it needs every policy linked above
    sections = [s for s in (*middle, *tail) if s is not None]
    return _page(ctx, sections)


def write_html(report: AuditReport, folder: Path, policies: dict[str, str] | None = None,
               training: dict[str, list[str]] | None = None) -> Path:
    """Write ``folder/report.html`` (the folder is created) and return its path."""
    if folder.exists() and not folder.is_dir():
        raise StudioError("cannot write report.html: this is a file, not a folder", folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = html_path(folder)
    path.write_text(render_html(report, policies, training), encoding="utf-8")
    return path


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


# -- page ----------------------------------------------------------------------------------------

def _page(ctx: _Context, sections: Sequence[_Section]) -> str:
    report = ctx.report
    title = f"Audit report: {report.config.get('workspace', '') or report.model.label}"
    toc = "".join(f'<li class="{"" if s.ran else "not-run"}"><a href="#{s.id}">{_e(s.title)}'
                  f"</a></li>" for s in sections)
    body = "".join(f'<section id="{s.id}"><h2>{_e(s.title)}</h2>{s.body}</section>'
                   for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title)}</title><style>{CSS}</style></head><body>'
            f"<header>{_header(ctx, title)}</header>"
            f'<nav aria-label="sections"><ol>{toc}</ol></nav><main>{body}</main>'
            f"</body></html>\n")


def _header(ctx: _Context, title: str) -> str:
    report = ctx.report
    date = str(report.config.get("date") or datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    rows = [("aligned model", report.model.label), ("base model", report.baseline.label),
            ("backend", report.model.backend), ("policy version", report.policy_version),
            ("audit version", report.config.get("version", "")), ("date", date)]
    items = "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" for k, v in rows if v)
    return f"<h1>{_e(title)}</h1><dl class=\"meta\">{items}</dl>"


def _not_run(sid: str, title: str, what: str) -> _Section:
    return _Section(sid, title, f'<p class="not-run">Not run: {_e(what)}</p>', ran=False)


# -- tables --------------------------------------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:.3f}"


def _score_cell(score: Score | None) -> str:
    if score is None:
        return '<td class="num na">–</td>'
    ci = (f'<span class="ci">[{_num(score.ci.low)}, {_num(score.ci.high)}]</span>'
          if score.ci else "")
    return f'<td class="num" title="n={score.n}">{_num(score.value)}{ci}</td>'


def _table(head: Sequence[str], rows: Iterable[str], cls: str = "") -> str:
    """``head`` is escaped here; each row is already-built ``<td>`` markup."""
    klass = f' class="{cls}"' if cls else ""
    heads = "".join(f"<th>{_e(h)}</th>" for h in head)
    return (f"<table{klass}><thead><tr>{heads}</tr></thead><tbody>"
            + "".join(f"<tr>{r}</tr>" for r in rows) + "</tbody></table>")


def _ordered(keys: Iterable[str], order: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(keys))
    return [k for k in order if k in unique] + [k for k in unique if k not in order]


def _metrics(by_key: Mapping[str, list[Score]], labels: Mapping[str, str]) -> list[str]:
    return _ordered((s.metric for scores in by_key.values() for s in scores), list(labels))


def _label(metric: str, labels: Mapping[str, str]) -> str:
    return labels.get(metric) or EXTRA_LABELS.get(metric) or metric


def _score_matrix(by_column: Mapping[str, list[Score]], labels: Mapping[str, str],
                  change: tuple[str, str] | None = None) -> str:
    """Metrics as rows, one column per key (variant, model); the change between two columns."""
    columns = _ordered(by_column, VARIANT_ORDER)
    if change is not None and not all(c in by_column for c in change):
        change = None
    rows = []
    for metric in _metrics(by_column, labels):
        cells = [score_of(by_column[c], metric) for c in columns]
        n = max((s.n for s in cells if s), default=0)
        row = f"<th>{_e(_label(metric, labels))}</th><td class=\"num\">{n}</td>"
        row += "".join(_score_cell(s) for s in cells)
        if change is not None:
            row += _change_cell(score_of(by_column[change[0]], metric),
                                score_of(by_column[change[1]], metric))
        rows.append(row)
    head = ["metric", "items", *columns, *([f"{change[1]} − {change[0]}"] if change else [])]
    return _table(head, rows, "scores")


def _pair_cell(before: Score | None, after: Score | None) -> str:
    """Base → aligned and the change, in one cell: a per-policy row stays readable."""
    if before is None and after is None:
        return '<td class="num na">–</td>'
    tip = "; ".join(f"{name} n={s.n}" + (f" [{_num(s.ci.low)}, {_num(s.ci.high)}]" if s.ci else "")
                    for name, s in (("base", before), ("aligned", after)) if s)
    shown = " → ".join(_num(s.value) if s else "–" for s in (before, after))
    delta = ""
    if before is not None and after is not None:
        change = after.value - before.value
        cls = "up" if change > 0 else "down" if change < 0 else "same"
        delta = f'<span class="delta {cls}">{change:+.3f}</span>'
    return f'<td class="num" title="{_e(tip)}">{shown}{delta}</td>'


def _change_cell(before: Score | None, after: Score | None) -> str:
    if before is None or after is None:
        return '<td class="num na">–</td>'
    delta = after.value - before.value
    cls = "up" if delta > 0 else "down" if delta < 0 else ""
    return f'<td class="num {cls}">{delta:+.3f}</td>'


def _counts(counts: Mapping[str, int | float], names: Mapping[str, str] | None = None) -> str:
    """Counts with their share of the total (outcomes, pairwise verdicts)."""
    total = sum(counts.values())
    rows = [f"<th>{_e((names or {}).get(k, k))}</th><td class=\"num\">{_e(_plain(v))}</td>"
            f"<td class=\"num\">{f'{v / total:.1%}' if total else '–'}</td>"
            for k, v in counts.items()]
    return _table(["", "items", "share"], rows, "counts")


def _plain(value: object) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _block(label: str, text: str, cls: str = "output") -> str:
    return f'<div class="{cls}"><span class="label">{_e(label)}</span>{_e(text)}</div>'


def _id_list(ids: Sequence[str], limit: int = 12) -> str:
    if not ids:
        return '<span class="na">none recorded</span>'
    shown = " ".join(f"<code>{_e(i)}</code>" for i in ids[:limit])
    if len(ids) <= limit:
        return shown
    rest = " ".join(f"<code>{_e(i)}</code>" for i in ids[limit:])
    return f"{shown} <details><summary>{len(ids) - limit} more</summary>{rest}</details>"


# -- sections ------------------------------------------------------------------------------------

def _summary(ctx: _Context) -> _Section:
    report = ctx.report
    if not report.summary:
        return _not_run("summary", "Summary", "no model was scored on the domain suites")
    described = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in report.variants.items())
    body = (f"<p>Held-out policies only: no test item's clause was in the training data. "
            f"Intervals are 95% ({_e(_ci_methods(report.summary))}).</p>"
            + _score_matrix(report.summary, metric_labels(report), ("base", "aligned"))
            + (f'<dl class="variants">{described}</dl>' if described else ""))
    return _Section("summary", "Summary", body)


def _ci_methods(by_key: Mapping[str, list[Score]]) -> str:
    methods = sorted({s.ci.method for scores in by_key.values() for s in scores if s.ci})
    return ", ".join(methods) if methods else "none computed"


def _charts(ctx: _Context) -> _Section | None:
    report = ctx.report
    charts = [_summary_bars(report), _policy_heatmap(report), _summary_dots(report)]
    figures = "".join(f'<figure class="chart">{c}</figure>' for c in charts if c)
    return _Section("charts", "Charts", figures) if figures else None


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


def _per_policy(ctx: _Context) -> _Section:
    rows = ctx.report.per_policy
    if not rows:
        return _not_run("per-policy", "Per policy", "no held-out policy had test items")
    labels = metric_labels(ctx.report)
    metrics = _ordered((s.metric for r in rows for s in (*r.base, *r.aligned)), list(labels))
    body_rows = []
    for r in rows:
        text = plots.shorten(ctx.texts.get(r.policy_id, r.text), 160)
        cells = "".join(_pair_cell(score_of(r.base, m), score_of(r.aligned, m)) for m in metrics)
        body_rows.append(f'<td class="id">{ctx.link(r.policy_id)}</td>'
                         f'<td class="text">{_e(text)}</td>{cells}')
    head = ["policy", "text", *(f"{_label(m, labels)}: base → aligned" for m in metrics)]
    return _Section("per-policy", "Per policy", _table(head, body_rows, "per-policy"))


def _domain_suites(ctx: _Context) -> _Section:
    confusion = ctx.report.confusion
    if not confusion:
        return _not_run("domain", "Domain suites", "no verdict confusion was recorded")
    tables = "".join(_confusion_table(v, confusion[v])
                     for v in _ordered(confusion, VARIANT_ORDER))
    intro = ("<p>Scenario verdicts: rows are the expected verdict, columns what the model "
             "said (<em>none</em>: no verdict could be read).</p>")
    return _Section("domain", "Domain suites", intro + f'<div class="grid">{tables}</div>')


def _confusion_table(variant: str, matrix: Mapping[str, Mapping[str, int]]) -> str:
    expected = _ordered(matrix, VERDICTS)
    predicted = _ordered((p for row in matrix.values() for p in row), VERDICTS)
    total = sum(sum(row.values()) for row in matrix.values())
    right = sum(matrix[e].get(e, 0) for e in expected)
    rows = [f"<th>{_e(e)}</th>" + "".join(
        f'<td class="num{" diag" if p == e else ""}">{matrix[e].get(p, 0)}</td>'
        for p in predicted) + f'<td class="num">{sum(matrix[e].values())}</td>'
        for e in expected]
    accuracy = f"{right / total:.3f}" if total else "–"
    return (f'<div class="confusion"><h3>{_e(variant)} <small>accuracy {accuracy} '
            f"({right}/{total})</small></h3>"
            + _table(["expected \\ said", *predicted, "total"], rows, "confusion") + "</div>")


def _side_by_side(ctx: _Context) -> _Section:
    sbs = ctx.report.side_by_side
    if sbs is None or not (sbs.counts or sbs.examples):
        return _not_run("side-by-side", "Side by side", "no paired comparison was recorded")
    body = ("<p>Each item answered by the unaligned (base) and the aligned model. "
            "<em>Only unaligned good</em> points at conflicting values or poor data; "
            "<em>both fail</em> needs more or better data.</p>"
            + _counts({o: sbs.counts.get(o, 0) for o in OUTCOMES}, OUTCOME_LABELS))
    if sbs.per_policy:
        rows = [f"<td>{ctx.link(pid)}</td>" + "".join(
            f'<td class="num">{counts.get(o, 0)}</td>' for o in OUTCOMES)
            + f'<td class="num">{sum(counts.values())}</td>'
            for pid, counts in sbs.per_policy.items()]
        body += "<h3>Per policy</h3>" + _table(
            ["policy", *(OUTCOME_LABELS[o] for o in OUTCOMES), "total"], rows, "per-policy")
    body += "".join(_sbs_examples(ctx, o, sbs.examples.get(o, [])) for o in OUTCOMES)
    return _Section("side-by-side", "Side by side", body)


def _human_grades(ctx: _Context) -> _Section:
    grades = ctx.report.human_grades
    if not grades:
        return _not_run("human-grades", "Human grades",
                        "no side-by-side answers were graded in the studio")
    criteria = list(dict.fromkeys(c for g in grades for c in g.means))
    rows = [f"<th>{_e(g.model)}</th><td class=\"num\">{g.graded}</td>" + "".join(
        f'<td class="num" title="{g.scored.get(c, 0)} scored">{g.means[c]:.2f}</td>'
        if c in g.means else '<td class="num na">–</td>' for c in criteria)
        + f'<td class="num">{g.wins}</td><td class="num">{g.losses}</td>'
        f'<td class="num">{g.ties}</td>' for g in grades]
    return _Section("human-grades", "Human grades", (
        "<p>People graded two models' answers to the same prompt side by side in the studio: "
        "mean scores (1–5) and how often each model's answer was preferred.</p>"
        + _table(["model", "graded", *criteria, "wins", "losses", "ties"], rows, "scores")))


def _sbs_examples(ctx: _Context, outcome: str, rows: Sequence[SideBySideRow]) -> str:
    if not rows:
        return ""
    items = "".join(
        f'<div class="pair"><p><code>{_e(r.example_id)}</code> · {ctx.links(r.policy_ids)}</p>'
        + _block("expected", r.expected, "expected") + '<div class="two">'
        + _block("base", r.base_output) + _block("aligned", r.aligned_output) + "</div></div>"
        for r in rows[:MAX_EXAMPLES])
    shown = _plural(min(len(rows), MAX_EXAMPLES), "example")
    return (f"<details><summary>{_e(OUTCOME_LABELS[outcome])}: {shown}</summary>{items}"
            "</details>")


def _general(ctx: _Context) -> _Section:
    general = ctx.report.general
    if not general:
        return _not_run("general", "General capability", "no general benchmark was run")
    body = ("<p>A general benchmark on each variant: a drop after alignment means the "
            "fine-tuning cost general capability (forgetting).</p>"
            + _score_matrix(general, {}, ("base", "aligned")))
    return _Section("general", "General capability", body)


def _judge(ctx: _Context) -> _Section:
    judge = ctx.report.judge
    if judge is None:
        return _not_run("judge", "LLM judge", "no judge model was configured")
    body = f"<p>Judge: <code>{_e(judge.judge)}</code>. Rubric criteria are scored 1..5.</p>"
    if judge.rubric:
        body += "<h3>Rubric means</h3>" + _score_matrix(judge.rubric, {}, ("base", "aligned"))
    if judge.pairwise:
        body += "<h3>Pairwise (aligned vs base, both orders)</h3>" + _counts(judge.pairwise)
    body += _calibration(judge.calibration)
    if judge.cost:
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_plain(v))}</dd>" for k, v in judge.cost.items())
        body += f'<h3>Cost</h3><dl class="meta">{items}</dl>'
    return _Section("judge", "LLM judge", body)


def _calibration(agreement: Agreement | None) -> str:
    if agreement is None:
        return '<h3>Calibration</h3><p class="not-run">Not run: no human-labelled gold set.</p>'
    scores = {"accuracy": agreement.accuracy, "Cohen's kappa": agreement.kappa}
    if agreement.flip_rate is not None:
        scores["flip rate (reworded rubric)"] = agreement.flip_rate
    rows = [f"<th>{_e(k)}</th>{_score_cell(s)}" for k, s in scores.items()]
    chart = plots.interval_dots("Judge agreement with human labels", list(scores.items()))
    return (f"<h3>Calibration against {agreement.n} human labels</h3>"
            + _table(["", "value [95% interval]"], rows, "scores")
            + f'<figure class="chart">{chart}</figure>')


def _redteam(ctx: _Context) -> _Section:
    red = ctx.report.redteam
    if red is None or not (red.overall or red.per_strategy or red.outcomes or red.human):
        return _not_run("redteam", "Red teaming", "no attacks were run")
    body = ""
    if red.overall:
        body += "<h3>Overall</h3>" + _rate_table("model", red.overall)
    if red.per_strategy:
        body += ("<h3>By strategy</h3>" + f'<figure class="chart">'
                 f"{plots.attack_success(red.per_strategy)}</figure>"
                 + _rate_matrix(ctx, red.per_strategy, policy=False))
    if red.per_policy:
        body += "<h3>By policy</h3>" + _rate_matrix(ctx, red.per_policy, policy=True)
    body += _attacks(ctx, red) + _human(red.human)
    return _Section("redteam", "Red teaming", body)


def _rate_cell(rate: RateScore | None) -> str:
    if rate is None:
        return '<td class="num na">–</td>'
    return (f'<td class="num">{rate.rate:.3f}<span class="ci">[{rate.ci.low:.3f}, '
            f"{rate.ci.high:.3f}]</span> <small>{rate.successes}/{rate.n}</small></td>")


def _rate_table(key: str, rates: Mapping[str, RateScore]) -> str:
    rows = [f"<th>{_e(name)}</th>{_rate_cell(r)}" for name, r in rates.items()]
    return _table([key, "success rate [95% Wilson]"], rows, "scores")


def _rate_matrix(ctx: _Context, by_model: Mapping[str, list[RateScore]], policy: bool) -> str:
    models = list(by_model)
    keys = list(dict.fromkeys(r.key for rates in by_model.values() for r in rates))
    rows = [(f"<td>{ctx.link(k)}</td>" if policy else f"<th>{_e(k)}</th>") + "".join(
        _rate_cell(next((r for r in by_model[m] if r.key == k), None)) for m in models)
        for k in keys]
    return _table(["policy" if policy else "strategy", *models], rows, "scores")


def _attacks(ctx: _Context, red: RedTeamReport) -> str:
    parts = []
    for model, outcomes in red.outcomes.items():
        hits = [o for o in outcomes if o.success][:MAX_EXAMPLES]
        if hits:
            items = "".join(_attack(ctx, o) for o in hits)
            total = _plural(sum(o.success for o in outcomes), "successful attack")
            parts.append(f"<details><summary>{_e(model)}: {len(hits)} of {total}</summary>"
                         f"{items}</details>")
    return ("<h3>Successful attacks</h3>" + "".join(parts)) if parts else ""


def _attack(ctx: _Context, outcome: AttackOutcome) -> str:
    messages = "".join(_block(m.role, m.content, "message") for m in outcome.messages)
    return (f'<div class="pair"><p><code>{_e(outcome.attack_id)}</code> · '
            f"{_e(outcome.strategy)} · {ctx.links(outcome.policy_ids)}</p>{messages}"
            + _block("output", outcome.output) + _block("why", outcome.why, "note") + "</div>")


def _human(records: Sequence[Mapping[str, object]]) -> str:
    if not records:
        return ""
    keys = list(dict.fromkeys(k for r in records for k in r))
    rows = ["".join(f'<td class="text">{_e(plots.shorten(str(r.get(k, "")), 200))}</td>'
                    for k in keys) for r in records[:MAX_HUMAN]]
    shown = "" if len(records) <= MAX_HUMAN else f" (first {MAX_HUMAN})"
    return (f"<h3>Human red teaming: {_plural(len(records), 'record')}{shown}</h3>"
            + _table(keys, rows, "human"))


def _detector(ctx: _Context) -> _Section:
    figures = ctx.report.detector
    if not figures:
        return _not_run("detector", "Violation detector", "no detector was trained")
    rows = [f"<th>{_e(k)}</th><td class=\"num\">{_e(_plain(v))}</td>" for k, v in figures.items()]
    return _Section("detector", "Violation detector",
                    "<p>The policy-violation detector on held-out items.</p>"
                    + _table(["figure", "value"], rows, "scores"))


def _training_eval(ctx: _Context) -> _Section:
    points = ctx.report.training_eval
    if not points:
        return _not_run("training", "During training", "no evaluation during training")
    keys = _ordered((k for p in points for k in p), ("step", "epoch"))
    rows = ["".join(f'<td class="num">{_e(_plain(p[k])) if k in p else "–"}</td>' for k in keys)
            for p in points]
    return _Section("training", "During training", _table(keys, rows, "scores"))


def _conflicts(ctx: _Context) -> _Section:
    conflicts = ctx.report.conflicts
    if not any(conflicts.values()):
        return _not_run("conflicts", "Conflicting requirements", "no held-out conflict items")
    models = _ordered(conflicts, VARIANT_ORDER)
    contexts = list(dict.fromkeys(c for m in models for c in conflicts[m]))
    metrics = _ordered((s.metric for m in models for scores in conflicts[m].values()
                        for s in scores), list(EXTRA_LABELS))
    rows = [f"<th>{_e(c)}</th>" + "".join(_score_cell(score_of(conflicts[m].get(c, []), metric))
                                          for metric in metrics for m in models)
            for c in contexts]
    head = ["context", *(f"{_label(metric, {})} · {m}" for metric in metrics for m in models)]
    intro = ("<p>Does the answer put the policy that takes precedence (declared values and "
             "contexts, else the default order) above the other?</p>")
    return _Section("conflicts", "Conflicting requirements", intro + _table(head, rows, "scores"))


def _findings(ctx: _Context) -> _Section:
    findings = ctx.report.findings
    if not findings:
        return _Section("findings", "Findings", "<p>No findings: the aligned model got every "
                        "audited item right and no answer was clearly less faithful than base.</p>")
    shown = "" if len(findings) <= MAX_FINDINGS else (
        f"<p>The first {MAX_FINDINGS} of {len(findings)}; report.json has them all.</p>")
    items = "".join(_finding(ctx, i, f) for i, f in enumerate(findings[:MAX_FINDINGS], 1))
    return _Section("findings", f"Findings ({len(findings)})", shown + items)


def finding_anchor(index: int) -> str:
    return f"finding-{index}"


def _finding(ctx: _Context, index: int, f: Finding) -> str:
    trained = list(f.training_examples) or [
        i for pid in f.policy_ids for i in ctx.training.get(pid, [])]
    return (f'<article class="finding" id="{finding_anchor(index)}"><h3>#{index} '
            f"{_e(f.kind)} <small><code>{_e(f.example_id)}</code> {_e(f.note)}</small></h3>"
            f"<p>Policy: {ctx.links(f.policy_ids)}</p>"
            + _block("expected", f.expected, "expected") + '<div class="two">'
            + _block("base", f.base_output) + _block("aligned", f.aligned_output) + "</div>"
            + f'<p class="trained">Trained by {_plural(len(trained), "item")}: '
            f"{_id_list(trained)}</p>"
            + "</article>")


def _policies(ctx: _Context) -> _Section | None:
    ids = list(ctx.linked)
    if not ids:
        return None
    by_policy: dict[str, list[int]] = {}
    for i, f in enumerate(ctx.report.findings[:MAX_FINDINGS], 1):
        for pid in f.policy_ids:
            by_policy.setdefault(pid, []).append(i)
    rows = {r.policy_id: r for r in ctx.report.per_policy}
    items = "".join(_policy(ctx, pid, by_policy.get(pid, []), rows.get(pid)) for pid in ids)
    return _Section("policies", f"Policies ({len(ids)})",
                    "<p>Every clause this report refers to, with its scores, findings and the "
                    "training data made from it.</p>" + items)


def _policy(ctx: _Context, pid: str, finding_ids: list[int], row: PolicyScores | None) -> str:
    text = ctx.texts.get(pid)
    quote = (f"<blockquote>{_e(text)}</blockquote>" if text
             else '<p class="na">Clause text not available in this report.</p>')
    scores = _policy_scores(row, metric_labels(ctx.report))
    found = ", ".join(f'<a href="#{finding_anchor(i)}">#{i}</a>' for i in finding_ids)
    trained = ctx.training.get(pid, [])
    return (f'<article class="policy" id="{policy_anchor(pid)}"><h3><code>{_e(pid)}</code>'
            f"</h3>{quote}{scores}"
            + (f"<p>Findings: {found}</p>" if found else "")
            + f'<p class="trained">Training data: {_plural(len(trained), "item")} '
            f"{_id_list(trained)}</p>"
            + "</article>")


def _policy_scores(row: PolicyScores | None, labels: Mapping[str, str]) -> str:
    if row is None:
        return ""
    parts = []
    for s in row.aligned:
        before = score_of(row.base, s.metric)
        was = f"{before.value:.3f} → " if before else ""
        parts.append(f"{_e(_label(s.metric, labels))}: {was}{s.value:.3f} (n={s.n})")
    return f'<p class="scores">{"; ".join(parts)}</p>' if parts else ""


def _lineage(ctx: _Context) -> _Section:
    report = ctx.report
    known = {e.artifact for e in report.lineage}

    def ref(artifact: str) -> str:
        if artifact in known:
            return f'<a href="#{_anchor("lineage", artifact)}"><code>{_e(artifact)}</code></a>'
        return f"<code>{_e(artifact)}</code>"

    rows = [f'<td id="{_anchor("lineage", e.artifact)}"><code>{_e(e.artifact)}</code></td>'
            f"<td>{_e(e.kind)}</td><td><code>{_e(e.sha256[:12])}</code></td>"
            f"<td>{', '.join(ref(i) for i in e.inputs) or 'source files'}</td>"
            for e in report.lineage]
    last = report.lineage[-1].artifact if report.lineage else ""
    rows.append(f"<td>this report</td><td>report</td><td></td><td>{ref(last) if last else '–'}"
                "</td>")
    intro = (f"<p>From policy version <code>{_e(report.policy_version)}</code> to the data, "
             "the model and this report; each artifact lists what it was made from.</p>")
    return _Section("lineage", "Lineage", intro + _table(
        ["artifact", "kind", "sha256", "made from"], rows, "lineage"))


SECTIONS: tuple[Callable[[_Context], _Section | None], ...] = (
    _summary, _charts, _per_policy, _domain_suites, _side_by_side, _human_grades, _general,
    _judge, _redteam,
    _detector, _training_eval, _conflicts, _findings)

CSS = """
:root { --ink: #222; --muted: #666; --line: #ddd; --soft: #f6f7f9; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
header { padding: 20px 32px 8px; border-bottom: 1px solid var(--line); background: var(--soft); }
h1 { margin: 0 0 8px; font-size: 22px; }
h2 { margin: 0 0 12px; font-size: 18px; border-bottom: 2px solid var(--accent);
  padding-bottom: 4px; }
h3 { margin: 16px 0 6px; font-size: 15px; }
h3 small { font-weight: normal; color: var(--muted); }
nav { padding: 8px 32px; border-bottom: 1px solid var(--line); }
nav ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav li.not-run a { color: var(--muted); }
main { padding: 0 32px 48px; max-width: 1280px; }
section { margin-top: 28px; }
a { color: var(--accent); }
:target { outline: 3px solid #e69f00; outline-offset: 2px; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px;
  overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 8px; }
dl.meta dt, dl.variants dt { color: var(--muted); }
dl.meta dd, dl.variants dd { margin: 0; }
dl.variants { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
tbody th { font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { max-width: 420px; }
td.diag { background: #e3f1e8; font-weight: 600; }
td.up, .delta.up { color: #1a7f37; } td.down, .delta.down { color: #b42318; }
.delta { display: block; font-size: 12px; } .delta.same { color: var(--muted); }
td.id { white-space: nowrap; } td.id code { overflow-wrap: normal; }
.na, .not-run { color: var(--muted); }
.ci { display: block; font-size: 11px; color: var(--muted); }
figure.chart { margin: 12px 0 20px; overflow-x: auto; }
figure.chart svg { display: block; max-width: none; }
.grid { display: flex; flex-wrap: wrap; gap: 0 24px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.output, .expected, .message, .note { white-space: pre-wrap; overflow-wrap: anywhere;
  border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; margin: 4px 0;
  max-height: 14em; overflow: auto; background: #fff; font-size: 13px; }
.expected { background: #f3f8fc; }
.note { color: var(--muted); }
.label { display: block; font-size: 11px; font-weight: 600; color: var(--muted);
  text-transform: uppercase; letter-spacing: .04em; }
article.finding, article.policy, .pair { border: 1px solid var(--line); border-radius: 6px;
  padding: 4px 12px 8px; margin: 10px 0; background: var(--soft); }
article.finding h3, article.policy h3 { margin-top: 6px; }
blockquote { margin: 6px 0; padding: 4px 12px; border-left: 3px solid var(--accent);
  background: #fff; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--accent); }
@media print { nav { display: none; } }
"""
