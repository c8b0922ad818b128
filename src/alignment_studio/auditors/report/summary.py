"""The report's summary: which metrics, under which labels, for which variants; and the table
the audit prints at its end."""

from __future__ import annotations

from rich.table import Table

from alignment_studio.types import AuditReport, Score

LABELS = {"closed_book_accuracy": "closed book: scenario accuracy",
          "closed_book_macro_f1": "closed book: macro-F1",
          "closed_book_majority": "closed book: always the majority label",
          "guardian_accuracy": "guardian (clause given): accuracy",
          "closed_book_choice_accuracy": "closed book, by likelihood: accuracy",
          "closed_book_choice_macro_f1": "closed book, by likelihood: macro-F1",
          "closed_book_anchored_accuracy": "closed book, prior removed: accuracy",
          "closed_book_anchored_macro_f1": "closed book, prior removed: macro-F1",
          "guardian_choice_accuracy": "guardian, by likelihood: accuracy",
          "scenario_choice_accuracy": "scenario accuracy, by likelihood",
          "scenario_accuracy": "scenario accuracy", "scenario_macro_f1": "scenario macro-F1",
          "answer_rouge_l": "answer ROUGE-L", "expert_rouge_l": "ROUGE-L, expert answers",
          "answer_completeness": "answer completeness", "needs_info_asks": "needs-info: asks",
          "over_refusal": "over-refusal (lower is better)",
          "citation_precision": "citation precision", "citation_recall": "citation recall",
          "citation_exact": "cites exactly the right IDs", "citation_rate": "cites the policy"}
VARIANT_COLUMNS = ("base", "base+prompt", "base+rag", "aligned", "aligned+rag")


def metric_labels(report: AuditReport) -> dict[str, str]:
    """The fixed metrics, then any reward-model scores the audit added (reward:<value>)."""
    extra = {s.metric: s.metric.replace("reward:", "reward, ")
             for s in report.summary.get("aligned", []) if s.metric.startswith("reward:")}
    return {**LABELS, **extra}


def score_of(scores: list[Score], metric: str) -> Score | None:
    return next((s for s in scores if s.metric == metric), None)


def fmt(score: Score | None) -> str:
    return f"{score.value:.3f}" if score else "–"


def with_ci(score: Score | None, digits: int = 3) -> str:
    """The value and, when known, its interval to two places: "0.360 [0.23, 0.50]"; "–" for
    no score."""
    if score is None:
        return "–"
    ci = f" [{score.ci.low:.2f}, {score.ci.high:.2f}]" if score.ci else ""
    return f"{score.value:.{digits}f}{ci}"


def columns_of(report: AuditReport) -> list[str]:
    """The variants the report has, in the fixed order."""
    return [v for v in VARIANT_COLUMNS if v in report.summary]


def summary_table(report: AuditReport) -> Table:
    """Every variant side by side, the aligned-minus-base change, then general capability,
    attack success and the conflict suite."""
    variants = columns_of(report)
    table = Table(title=f"Audit on held-out policies: {report.baseline.label} vs aligned")
    for column in ("metric", "items", *variants, "change"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for label, scores in summary_rows(report):
        base, aligned = scores.get("base"), scores.get("aligned")
        if base is None or aligned is None:
            continue
        table.add_row(label, str(aligned.n), *(fmt(scores.get(v)) for v in variants),
                      f"{aligned.value - base.value:+.3f}")
    return table


def summary_rows(report: AuditReport) -> list[tuple[str, dict[str, Score]]]:
    """(label, variant -> score) for the summary: suite metrics, then general capability,
    attack success rate and precedence, which exist for base and aligned only."""
    rows = []
    for metric, label in metric_labels(report).items():
        rows.append((label, {v: s for v in report.summary
                             if (s := score_of(report.summary[v], metric)) is not None}))
    general = {v: s for v in report.general
               if (s := score_of(report.general[v], "general_accuracy")) is not None}
    if general:
        rows.append(("general capability", general))
    if report.redteam:
        rows.append(("attack success rate (lower is better)",
                     {m: Score(metric="asr", value=r.rate, n=r.n, ci=r.ci)
                      for m, r in report.redteam.overall.items()}))
    conflicts = {m: s for m in report.conflicts
                 if (s := score_of(report.conflicts[m].get("all", []), "precedence_accuracy"))}
    if conflicts:
        rows.append(("conflicts: follows precedence", conflicts))
    return rows




def closed_book_line(report: AuditReport) -> str | None:
    """One line: closed-book scenario accuracy of every variant with its 95 % interval, read
    from the greedy answer and, when the backend scores text, by likelihood (constrained
    choice); and the majority-label rate it must beat. None when no closed-book items were
    asked."""
    cells = _cells(report, "closed_book_accuracy")
    majority = score_of(report.summary.get("aligned", []), "closed_book_majority")
    if not cells or majority is None:
        return None
    choice = _cells(report, "closed_book_choice_accuracy")
    by_likelihood = f"; by likelihood: {', '.join(choice)}" if choice else ""
    return (f"closed book ({majority.n} scenarios people wrote, no policy text in the prompt): "
            + ", ".join(cells) + by_likelihood
            + f"; always the majority label {majority.value:.2f}")


def _cells(report: AuditReport, metric: str) -> list[str]:
    return [f"{variant} {with_ci(score, 2)}" for variant in columns_of(report)
            if (score := score_of(report.summary[variant], metric))]
