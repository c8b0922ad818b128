"""Base vs aligned on the same items: summary scores, a row per policy, findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from alignment_studio.types import Finding, ItemResult, Policy, PolicyScores, Score
from alignment_studio.types.audit import ModelGrades
from alignment_studio.workspace.db import ComparisonGrade


def summarise(results: Iterable[ItemResult]) -> list[Score]:
    """Mean of each metric over the items it applies to."""
    rows = list(results)
    scen = [r for r in rows if r.correct is not None]
    qa = [r for r in rows if r.rouge_l is not None]
    expert = [r for r in qa if r.source == "seed"]
    scores = [Score(metric="scenario_accuracy", n=len(scen),
                    value=_mean(float(bool(r.correct)) for r in scen)),
              Score(metric="answer_rouge_l", n=len(qa), value=_mean(r.rouge_l or 0.0 for r in qa)),
              Score(metric="expert_rouge_l", n=len(expert),
                    value=_mean(r.rouge_l or 0.0 for r in expert)),
              Score(metric="citation_rate", n=len(rows), value=_mean(float(r.cited) for r in rows))]
    return [s for s in scores if s.n]


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def per_policy(base: list[ItemResult], aligned: list[ItemResult],
               policies: dict[str, Policy]) -> list[PolicyScores]:
    """One row per policy that has test items, in document order."""
    order = {pid: i for i, pid in enumerate(policies)}
    ids = sorted({r.policy_ids[0] for r in base}, key=lambda pid: order.get(pid, len(order)))
    rows = []
    for pid in ids:
        text = policies[pid].text if pid in policies else ""
        rows.append(PolicyScores(
            policy_id=pid, text=text,
            base=summarise(r for r in base if r.policy_ids[0] == pid),
            aligned=summarise(r for r in aligned if r.policy_ids[0] == pid)))
    return rows


def findings(base: list[ItemResult], aligned: list[ItemResult]) -> list[Finding]:
    """Items the aligned model gets wrong, or answers clearly less faithfully than base."""
    out: list[Finding] = []
    for b, a in zip(base, aligned, strict=True):
        if a.correct is False:
            note = "base was right" if b.correct else "both wrong"
            out.append(_finding(b, a, "wrong verdict", note))
        elif a.rouge_l is not None and b.rouge_l is not None and a.rouge_l < b.rouge_l - 0.1:
            out.append(_finding(b, a, "less faithful answer",
                                f"ROUGE-L {a.rouge_l:.2f} vs base {b.rouge_l:.2f}"))
    return out


def _finding(b: ItemResult, a: ItemResult, kind: str, note: str) -> Finding:
    return Finding(example_id=a.example_id, policy_ids=a.policy_ids, kind=kind,
                   expected=a.expected, base_output=b.output, aligned_output=a.output, note=note)


def grade_summary(grades: list[ComparisonGrade]) -> list[ModelGrades]:
    """Per model (in order of appearance): the mean of each criterion over its graded answers,
    and its wins, losses and ties in the people's preferences."""
    rows: dict[str, ModelGrades] = {}
    sums: dict[str, Counter[str]] = {}
    for grade in grades:
        for side, model, scores in (("a", grade.model_a, grade.scores_a),
                                    ("b", grade.model_b, grade.scores_b)):
            row = rows.setdefault(model, ModelGrades(model=model, graded=0))
            total = sums.setdefault(model, Counter())
            row.graded += 1
            for criterion, value in scores.items():
                total[criterion] += value
                row.scored[criterion] = row.scored.get(criterion, 0) + 1
            if grade.preference == "tie":
                row.ties += 1
            elif grade.preference == side:
                row.wins += 1
            else:
                row.losses += 1
    for model, row in rows.items():
        row.means = {c: sums[model][c] / n for c, n in sorted(row.scored.items())}
    return list(rows.values())
