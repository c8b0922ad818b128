"""The CI gate reads the right numbers and fails in the right direction."""

from __future__ import annotations

import pytest

from alignment_studio.auditors.gate import available, check_gates, parse_threshold
from alignment_studio.core.errors import StudioError
from alignment_studio.types import AuditReport, Interval, ModelRef, RateScore, RedTeamReport, Score


def report() -> AuditReport:
    return AuditReport(
        model=ModelRef(adapters=["a"]), baseline=ModelRef(), policy_version="d@1",
        summary={"base": [Score(metric="scenario_accuracy", value=0.4, n=10)],
                 "aligned": [Score(metric="scenario_accuracy", value=0.7, n=10),
                             Score(metric="over_refusal", value=0.2, n=5)]},
        general={"aligned": [Score(metric="general_accuracy", value=0.5, n=8),
                             Score(metric="general_accuracy:facts", value=0.9, n=2)]},
        redteam=RedTeamReport(overall={"aligned": RateScore(
            key="overall", n=4, successes=1, rate=0.25, ci=Interval(low=0.05, high=0.7))}),
        detector={"input_f1": 0.8})


def test_available_names_every_variant_and_extra() -> None:
    values = available(report())
    assert values["aligned:scenario_accuracy"] == 0.7
    assert values["base:scenario_accuracy"] == 0.4
    assert values["aligned:general_accuracy"] == 0.5
    assert "aligned:general_accuracy:facts" not in values
    assert values["aligned:attack_success_rate"] == 0.25
    assert values["detector:input_f1"] == 0.8


def test_gates_pass_and_fail_in_their_direction() -> None:
    results = check_gates(report(), ["scenario_accuracy=0.7", "base:scenario_accuracy=0.5"],
                          ["attack_success_rate=0.2", "over_refusal=0.3"])
    assert [r.passed for r in results] == [True, False, False, True]
    assert results[1].line() == "FAILED: base:scenario_accuracy = 0.400 (needs >= 0.5)"
    assert results[2].line() == "FAILED: aligned:attack_success_rate = 0.250 (needs <= 0.2)"


@pytest.mark.parametrize("text", ["scenario_accuracy", "x=abc", "=0.5"])
def test_bad_threshold_is_one_line(text: str) -> None:
    with pytest.raises(StudioError, match="expects METRIC=VALUE"):
        parse_threshold(text, "--fail-under")


def test_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(StudioError, match="no metric 'aligned:nonsense'.*scenario_accuracy"):
        check_gates(report(), ["nonsense=1"], [])
