"""report.md: the audit for reading in a terminal or a pull request."""

from __future__ import annotations

from alignment_studio.auditors.report.summary import (
    columns_of,
    fmt,
    score_of,
    summary_rows,
    with_ci,
)
from alignment_studio.types import OUTCOMES, AuditReport


def render_markdown(report: AuditReport) -> str:
    lines = [f"# Audit report: {report.config.get('workspace', '')}", "",
             f"- base model: `{report.baseline.label}`",
             f"- aligned model: `{report.model.label}`",
             f"- policy version: `{report.policy_version}`", "", "## Summary", ""]
    variants = columns_of(report)
    lines += [f"| metric | items | {' | '.join(variants)} | change |",
              "|---|---:|" + "---:|" * (len(variants) + 1)]
    for label, scores in summary_rows(report):
        b, a = scores.get("base"), scores.get("aligned")
        if b and a:
            cells = " | ".join(with_ci(scores.get(v)) for v in variants)
            lines.append(f"| {label} | {a.n} | {cells} | {a.value - b.value:+.3f} |")
    lines += ["", "Variants: " + "; ".join(f"**{k}**: {v}" for k, v in report.variants.items())]
    lines += side_by_side_lines(report) + human_grade_lines(report) + redteam_lines(report)
    lines += judge_lines(report)
    if report.detector:
        lines += ["", "## Policy-violation detector (held-out)", "",
                  ", ".join(f"{k} {v:.3f}" for k, v in report.detector.items())]
    lines += conflict_lines(report)
    lines += ["", "## Per policy", "",
              "| policy | text | scenario acc. base → aligned | ROUGE-L base → aligned |",
              "|---|---|---|---|"]
    for row in report.per_policy:
        acc = [fmt(score_of(row.base, "scenario_accuracy")),
               fmt(score_of(row.aligned, "scenario_accuracy"))]
        rl = [fmt(score_of(row.base, "answer_rouge_l")),
              fmt(score_of(row.aligned, "answer_rouge_l"))]
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
        lines.append(f"| {context} | {pa.n if pa else 0} | {fmt(pb)} | {fmt(pa)} | "
                     f"{fmt(cb)} | {fmt(ca)} |")
    return lines


def side_by_side_lines(report: AuditReport) -> list[str]:
    sbs = report.side_by_side
    if sbs is None:
        return []
    return ["", "## Side by side (aligned vs unaligned)", "",
            "| outcome | items |", "|---|---:|",
            *(f"| {o.replace('_', ' ')} | {sbs.counts.get(o, 0)} |" for o in OUTCOMES)]


def human_grade_lines(report: AuditReport) -> list[str]:
    """The people's side-by-side grades per model: mean of each criterion, wins/losses/ties."""
    grades = report.human_grades
    if not grades:
        return []
    criteria = list(dict.fromkeys(c for g in grades for c in g.means))
    head = ["model", "graded", *criteria, "wins", "losses", "ties"]
    lines = ["", "## Human grades (side by side, in the studio)", "",
             f"| {' | '.join(head)} |", "|---|" + "---:|" * (len(head) - 1)]
    for g in grades:
        cells = [g.model, str(g.graded),
                 *(f"{g.means[c]:.2f}" if c in g.means else "–" for c in criteria),
                 str(g.wins), str(g.losses), str(g.ties)]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def redteam_lines(report: AuditReport) -> list[str]:
    red = report.redteam
    if red is None:
        return []
    models = list(red.per_strategy)
    lines = ["", "## Red teaming: attack success rate per strategy (95 % Wilson)", "",
             f"| strategy | {' | '.join(models)} |", "|---|" + "---:|" * len(models)]
    strategies = sorted({r.key for rates in red.per_strategy.values() for r in rates})
    for name in strategies:
        cells = []
        for m in models:
            r = next((x for x in red.per_strategy[m] if x.key == name), None)
            cells.append(f"{r.successes}/{r.n} = {r.rate:.2f} [{r.ci.low:.2f}, {r.ci.high:.2f}]"
                         if r else "–")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    if red.human:
        lines.append(f"\nHuman red-team records in the workspace: {len(red.human)}")
    return lines


def judge_lines(report: AuditReport) -> list[str]:
    judge = report.judge
    if judge is None:
        return []
    lines = ["", f"## LLM judge ({judge.judge})", ""]
    for model, scores in judge.rubric.items():
        lines.append(f"- {model}: " + ", ".join(f"{s.metric} {s.value:.2f} (n={s.n})"
                                               for s in scores))
    if judge.pairwise:
        lines.append("- pairwise: " + ", ".join(f"{k} {v}" for k, v in judge.pairwise.items()))
    if judge.calibration:
        c = judge.calibration
        lines.append(f"- agreement with the gold set (n={c.n}): accuracy {with_ci(c.accuracy)}, "
                     f"kappa {with_ci(c.kappa)}"
                     + (f", flip rate {with_ci(c.flip_rate)}" if c.flip_rate else ""))
    if judge.cost:
        lines.append("- cost: " + ", ".join(f"{k} {v:g}" for k, v in judge.cost.items()))
    return lines


