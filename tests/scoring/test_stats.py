"""Statistics checked against hand-computed values."""

from __future__ import annotations

import pytest

from alignment_studio.scoring.stats import bootstrap_ci, cohen_kappa, wilson


def test_wilson_matches_hand_computation() -> None:
    # 8 of 10, z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.716803;
    # half 1.96 * sqrt(0.016 + 0.009604) / 1.38416 = 0.226585 -> [0.4902, 0.9433]
    ci = wilson(8, 10)
    assert ci.low == pytest.approx(0.4902, abs=1e-3)
    assert ci.high == pytest.approx(0.9433, abs=1e-3)


def test_wilson_edges() -> None:
    zero = wilson(0, 5)
    assert zero.low == 0.0 and 0.4 < zero.high < 0.5  # 3.8415 / 8.8415 = 0.4345
    assert zero.high == pytest.approx(0.4345, abs=1e-3)
    assert wilson(5, 5).high == 1.0
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_kappa_hand_computed() -> None:
    # 10 items: agree on 7; rater a says yes 6 times, b yes 5 times.
    a = ["y", "y", "y", "y", "y", "y", "n", "n", "n", "n"]
    b = ["y", "y", "y", "y", "n", "n", "y", "n", "n", "n"]
    # p_o = 0.7; p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa(["y"] * 4, ["y"] * 4) == 1.0
    assert cohen_kappa(["y", "n"], ["n", "y"]) == pytest.approx(-1.0)


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    items = [1.0] * 30 + [0.0] * 10

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    ci = bootstrap_ci(items, mean, n_boot=500, seed=3)
    assert ci == bootstrap_ci(items, mean, n_boot=500, seed=3)
    assert ci.low < 0.75 < ci.high
    assert ci.low > 0.5 and ci.high < 0.95
    assert bootstrap_ci([1.0], mean).low == 1.0
