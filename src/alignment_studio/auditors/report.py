"""report.md and report.json, and the summary table printed at the end of an audit."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from alignment_studio.types import AuditReport, Score

LABELS = {"scenario_accuracy": "scenario accuracy", "answer_rouge_l": "answer ROUGE-L",
          "expert_rouge_l": "ROUGE-L, expert answers", "citation_rate": "cites the policy"}


def metric_labels(report: AuditReport) -> dict[str, str]:
    """The fixed metrics, then any reward-model scores the audit added (reward:<value>)."""
    extra = {s.metric: s.metric.replace("reward:", "reward, ")
             for s in report.summary.get("aligned", []) if s.metric.startswith("reward:")}
    return {**LABELS, **extra}


def score_of(scores: list[Score], metric: str) -> Score | None:
    return next((s for s in scores if s.metric == metric), None)


def _fmt(score: Score | None) -> str:
    return f"{score.value:.3f}" if score else "–"


def summary_table(report: AuditReport) -> Table:
    table = Table(title=f"Audit on held-out policies: {report.baseline.label} vs aligned")
    for column in ("metric", "items", "base", "aligned", "change"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, label in metric_labels(report).items():
        b = score_of(report.summary.get("base", []), metric)
        a = score_of(report.summary.get("aligned", []), metric)
        if b is None or a is None:
            continue
        table.add_row(label, str(b.n), _fmt(b), _fmt(a), f"{a.value - b.value:+.3f}")
    b = score_of(report.conflicts.get("base", {}).get("all", []), "precedence_accuracy")
    a = score_of(report.conflicts.get("aligned", {}).get("all", []), "precedence_accuracy")
    if b and a:
        table.add_row("conflicts: follows precedence", str(b.n), _fmt(b), _fmt(a),
                      f"{a.value - b.value:+.3f}")
    return table


def render_markdown(report: AuditReport) -> str:
    lines = [f"# Audit report: {report.config.get('workspace', '')}", "",
             f"- base model: `{report.baseline.label}`",
             f"- aligned model: `{report.model.label}`",
             f"- policy version: `{report.policy_version}`", "", "## Summary", "",
             "| metric | items | base | aligned | change |", "|---|---:|---:|---:|---:|"]
    for metric, label in metric_labels(report).items():
        b = score_of(report.summary.get("base", []), metric)
        a = score_of(report.summary.get("aligned", []), metric)
        if b and a:
            lines.append(f"| {label} | {b.n} | {b.value:.3f} | {a.value:.3f} | "
                         f"{a.value - b.value:+.3f} |")
    lines += conflict_lines(report)
    lines += ["", "## Per policy", "",
              "| policy | text | scenario acc. base → aligned | ROUGE-L base → aligned |",
              "|---|---|---|---|"]
    for row in report.per_policy:
        acc = [_fmt(score_of(row.base, "scenario_accuracy")),
               _fmt(score_of(row.aligned, "scenario_accuracy"))]
        rl = [_fmt(score_of(row.base, "answer_rouge_l")),
              _fmt(score_of(row.aligned, "answer_rouge_l"))]
        text = row.text[:90].replace("|", "/") + ("…" if len(row.text) > 90 else "")
        lines.append(f"| `{row.policy_id}` | {text} | {acc[0]} → {acc[1]} | {rl[0]} → {rl[1]} |")
    lines += ["", f"## Findings ({len(report.findings)})", ""]
    for f in report.findings[:50]:
        lines.append(f"- `{', '.join(f.policy_ids)}` {f.kind} ({f.note}): expected "
                     f"**{f.expected[:80]}**, aligned said “{f.aligned_output[:120]}”")
    lines += ["", "## Lineage", ""]
    lines += [f"- `{e.artifact}` ({e.kind}, sha256 {e.sha256[:12]}) ← "
              f"{', '.join(e.inputs) or 'sources'}" for e in report.lineage]
    return "\n".join(lines) + "\n"


def conflict_lines(report: AuditReport) -> list[str]:
    """The conflict suite: does each model follow the declared precedence, per context?"""
    base, aligned = report.conflicts.get("base", {}), report.conflicts.get("aligned", {})
    if not aligned:
        return []
    lines = ["", "## Conflicting requirements", "",
             "Held-out conflict items: does the answer put the policy that takes precedence "
             "(declared values and contexts, else the default order) above the other?", "",
             "| context | items | precedence base | precedence aligned | cites both base | "
             "cites both aligned |", "|---|---:|---:|---:|---:|---:|"]
    for context, scores in aligned.items():
        other = base.get(context, [])
        pa, ca = score_of(scores, "precedence_accuracy"), score_of(scores, "cites_both")
        pb, cb = score_of(other, "precedence_accuracy"), score_of(other, "cites_both")
        lines.append(f"| {context} | {pa.n if pa else 0} | {_fmt(pb)} | {_fmt(pa)} | "
                     f"{_fmt(cb)} | {_fmt(ca)} |")
    return lines


def write_report(report: AuditReport, folder: Path) -> None:
    (folder / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
