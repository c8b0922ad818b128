"""The audit as a CI gate: ``--fail-under METRIC=VALUE`` and ``--fail-over METRIC=VALUE``.

A metric is named ``metric`` (the aligned model) or ``variant:metric`` (any variant: base,
base+prompt, base+rag, aligned, aligned+rag, aggregated for the conflict suite). Besides the
domain suites' metrics, the gate knows ``general_accuracy``, ``attack_success_rate``,
``precedence_accuracy``, the judge's ``judge_pass_rate`` and the detector's figures as
``detector:<figure>``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from alignment_studio.core.errors import StudioError
from alignment_studio.types import AuditReport, Score

DEFAULT_VARIANT = "aligned"


class GateResult(BaseModel):
    """One threshold checked against the report."""

    model_config = ConfigDict(extra="forbid")
    name: str
    value: float
    threshold: float
    direction: str  # "under" fails below the threshold, "over" fails above it
    passed: bool

    def line(self) -> str:
        sign = ">=" if self.direction == "under" else "<="
        verdict = "ok" if self.passed else "FAILED"
        return f"{verdict}: {self.name} = {self.value:.3f} (needs {sign} {self.threshold:g})"


def available(report: AuditReport) -> dict[str, float]:
    """Every value the gate can check, by its full name ``variant:metric``."""
    out: dict[str, float] = {}

    def put(variant: str, scores: list[Score], rename: dict[str, str] | None = None) -> None:
        for s in scores:
            out[f"{variant}:{(rename or {}).get(s.metric, s.metric)}"] = s.value

    for variant, scores in report.summary.items():
        put(variant, scores)
    for variant, scores in report.general.items():
        put(variant, [s for s in scores if s.metric == "general_accuracy"])
    for model, by_context in report.conflicts.items():
        put(model, by_context.get("all", []))
    if report.redteam:
        for model, rate in report.redteam.overall.items():
            out[f"{model}:attack_success_rate"] = rate.rate
    if report.judge:
        for model, scores in report.judge.rubric.items():
            put(model, [s for s in scores if s.metric == "pass_rate"],
                {"pass_rate": "judge_pass_rate"})
    for figure, value in report.detector.items():
        out[f"detector:{figure}"] = value
    return out


def parse_threshold(text: str, option: str) -> tuple[str, float]:
    """``METRIC=VALUE`` -> (full metric name, value); a bad one is a one-line error."""
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = None
    if not sep or not name.strip() or number is None:
        raise StudioError(f"{option} expects METRIC=VALUE (for example scenario_accuracy=0.6), "
                          f"got {text!r}")
    name = name.strip()
    return (name if ":" in name else f"{DEFAULT_VARIANT}:{name}"), number


def check_gates(report: AuditReport, under: list[str], over: list[str]) -> list[GateResult]:
    """Every threshold checked; an unknown metric is an error that lists the known ones."""
    values = available(report)
    results = []
    for option, items in (("--fail-under", under), ("--fail-over", over)):
        for text in items:
            name, threshold = parse_threshold(text, option)
            if name not in values:
                known = ", ".join(sorted(k for k in values if k.startswith(DEFAULT_VARIANT)))
                raise StudioError(f"{option}: the report has no metric {name!r}; the aligned "
                                  f"model's are: {known}")
            value = values[name]
            direction = "under" if option == "--fail-under" else "over"
            passed = value >= threshold if direction == "under" else value <= threshold
            results.append(GateResult(name=name, value=value, threshold=threshold,
                                      direction=direction, passed=passed))
    return results
