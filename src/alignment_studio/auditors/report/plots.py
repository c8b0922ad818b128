"""Inline SVG charts for the HTML audit report: no plotting library, no script, no network.

Each chart is one ``<svg>`` string with a fixed width and height (so the page never reflows
around it), a ``<title>`` and an ``aria-label`` for screen readers, and every piece of text
escaped: policy IDs, variant names and strategy names come from user files and model runs, so
they are untrusted. Missing values are drawn, not dropped, so a gap in the audit stays visible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from alignment_studio.types import RateScore, Score

# viridis: perceptually uniform, readable in greyscale and by colour-blind readers
VIRIDIS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)),
    (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))
# Okabe-Ito, colour-blind safe; a variant keeps its colour in every chart, whatever else is drawn
VARIANT_COLOURS = {"base": "#7f7f7f", "base+prompt": "#e69f00", "base+rag": "#56b4e9",
                   "aligned": "#0072b2", "aligned+rag": "#009e73"}
OTHER_COLOURS = ("#cc79a7", "#d55e00", "#f0e442", "#000000")
MISSING_FILL = "#eeeeee"
INK = "#222222"
FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"

CHART_W = 760
LABEL_W = 240
CELL_W, CELL_H = 66, 20
HEAT_HEADER_H, HEAT_LEGEND_H = 112, 46
BARS_H = 320
SLANT_EXTRA = 90  # room for slanted group labels
DOT_ROW_H = 24


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(x: float) -> str:
    """Coordinates rounded, so charts stay small and byte-stable."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def shorten(text: str, limit: int) -> str:
    """Cut the middle, not the end: policy IDs differ in their last part."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def colour(value: float, low: float = 0.0, high: float = 1.0) -> str:
    """The viridis colour of ``value`` on the scale ``low``..``high`` (clamped), as #rrggbb."""
    t = 0.0 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
    for (t0, c0), (t1, c1) in zip(VIRIDIS, VIRIDIS[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            rgb = [round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True)]
            return "#" + "".join(f"{c:02x}" for c in rgb)
    return "#fde725"


def _ink_on(value: float, low: float, high: float) -> str:
    """Dark text on the light (upper) end of viridis, white on the dark end."""
    t = 0.0 if high <= low else (value - low) / (high - low)
    return INK if t >= 0.55 else "#ffffff"


def _svg(title: str, width: float, height: float, body: Sequence[str], kind: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
            f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'aria-label="{_e(title)}" font-family="{_e(FONT)}" font-size="11">'
            f"<title>{_e(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11,
          fill: str = INK, bold: bool = False, tip: str | None = None,
          rotate: float | None = None) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
    if bold:
        attrs += ' font-weight="bold"'
    if rotate is not None:
        attrs += f' transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"'
    hover = f"<title>{_e(tip)}</title>" if tip else ""
    return f"<text {attrs}>{hover}{_e(text)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, *, cls: str = "",
          stroke: str = "none", tip: str | None = None) -> str:
    klass = f' class="{cls}"' if cls else ""
    hover = f"<title>{_e(tip)}</title>" if tip else ""
    return (f'<rect{klass} x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
            f'fill="{fill}" stroke="{stroke}">{hover}</rect>')


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1,
          cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<line{klass} x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{stroke}" stroke-width="{_n(width)}"/>')


def _empty(title: str, kind: str) -> str:
    return _svg(title, CHART_W, 40, [_text(10, 25, "no data", fill="#666666")], kind)


# -- scales and axes -----------------------------------------------------------------------------

def domain(values: Sequence[float]) -> tuple[float, float]:
    """0..1 (every rate and score here), widened to take any value outside it, e.g. kappa < 0."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = min([0.0, *finite]), max([1.0, *finite])
    return math.floor(low * 10) / 10, math.ceil(high * 10) / 10


def ticks(low: float, high: float) -> list[float]:
    """About five round tick values covering ``low``..``high``."""
    span = high - low
    step = next(s for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, math.inf)
                if s == math.inf or span / s <= 6)
    if step == math.inf:
        return [low, high]
    first = math.ceil(low / step - 1e-9)
    return [round(i * step, 6) for i in range(first, math.floor(high / step + 1e-9) + 1)]


def _scale(low: float, high: float, start: float, end: float) -> tuple[float, float]:
    """Slope and offset mapping data ``low``..``high`` onto pixels ``start``..``end``."""
    slope = (end - start) / (high - low)
    return slope, start - low * slope


def _values_of(score: Score | None) -> list[float]:
    if score is None or _finite(score.value) is None:
        return []
    extra = [score.ci.low, score.ci.high] if score.ci else []
    return [score.value, *extra]


# -- heat map ------------------------------------------------------------------------------------

def heatmap(title: str, rows: Sequence[str], columns: Sequence[str],
            values: Sequence[Sequence[float | None]], *, low: float = 0.0,
            high: float = 1.0) -> str:
    """A rows x columns grid of scores, coloured on ``low``..``high``, the value in each cell.

    Made for per-policy compliance (policies x metric and model); ``None`` is a missing score,
    drawn grey and struck through so it is never read as a zero.
    """
    if len(values) != len(rows) or any(len(r) != len(columns) for r in values):
        raise ValueError(f"heat map values must be {len(rows)} rows of {len(columns)} columns")
    if not rows or not columns:
        return _empty(title, "heatmap")
    width = LABEL_W + len(columns) * CELL_W + 110
    grid_h = len(rows) * CELL_H
    # the title sits above the row labels: the slanted column labels fill the space to its right
    body = [_text(8, 16, title, size=12, bold=True)]
    body += [_column_label(LABEL_W + (j + 0.5) * CELL_W, HEAT_HEADER_H - 6, col)
             for j, col in enumerate(columns)]
    for i, (row, row_values) in enumerate(zip(rows, values, strict=True)):
        y = HEAT_HEADER_H + i * CELL_H
        body.append(_text(LABEL_W - 6, y + CELL_H / 2 + 4, shorten(row, 38), anchor="end",
                          tip=row))
        body += [_cell(LABEL_W + j * CELL_W, y, row, col, v, low, high)
                 for j, (col, v) in enumerate(zip(columns, row_values, strict=True))]
    body += _legend(LABEL_W, HEAT_HEADER_H + grid_h + 14, low, high)
    return _svg(title, width, HEAT_HEADER_H + grid_h + HEAT_LEGEND_H, body, "heatmap")


def _column_label(x: float, y: float, label: str) -> str:
    return _text(x, y, shorten(label, 26), rotate=-40, tip=label)


def _cell(x: float, y: float, row: str, col: str, value: float | None, low: float,
          high: float) -> str:
    value = _finite(value)
    if value is None:
        return (_rect(x, y, CELL_W - 1, CELL_H - 1, MISSING_FILL, cls="cell missing",
                      tip=f"{row} · {col}: no data")
                + _line(x + 2, y + CELL_H - 3, x + CELL_W - 3, y + 2, "#b0b0b0")
                + _text(x + CELL_W / 2, y + CELL_H / 2 + 4, "n/a", anchor="middle", size=10,
                        fill="#555555"))
    return (_rect(x, y, CELL_W - 1, CELL_H - 1, colour(value, low, high), cls="cell",
                  tip=f"{row} · {col}: {value:.3f}")
            + _text(x + CELL_W / 2, y + CELL_H / 2 + 4, f"{value:.2f}", anchor="middle",
                    size=10, fill=_ink_on(value, low, high)))


def _legend(x: float, y: float, low: float, high: float, steps: int = 10) -> list[str]:
    """Discrete swatches (no gradient: an SVG gradient needs a document-wide id)."""
    w = 22
    parts = [_rect(x + k * w, y, w, 12, colour(low + (high - low) * (k + 0.5) / steps, low,
                                                high), cls="legend") for k in range(steps)]
    parts += [_text(x, y + 25, f"{low:g}", anchor="middle", size=10),
              _text(x + steps * w / 2, y + 25, f"{(low + high) / 2:g}", anchor="middle", size=10),
              _text(x + steps * w, y + 25, f"{high:g}", anchor="middle", size=10)]
    mx = x + steps * w + 30
    parts += [_rect(mx, y, w, 12, MISSING_FILL, stroke="#b0b0b0", cls="legend"),
              _line(mx + 1, y + 11, mx + w - 1, y + 1, "#b0b0b0"),
              _text(mx + w + 6, y + 10, "no data", size=10)]
    return parts


# -- grouped bars --------------------------------------------------------------------------------

def grouped_bars(title: str, groups: Sequence[str], series: Sequence[str],
                 values: Sequence[Sequence[Score | None]], *, y_label: str = "score") -> str:
    """One group of bars per metric (or strategy), one bar per model variant, with the
    interval as an error bar where the score has one; ``None`` marks a variant not measured."""
    if len(values) != len(groups) or any(len(g) != len(series) for g in values):
        raise ValueError(f"bar values must be {len(groups)} groups of {len(series)} series")
    if not groups or not series:
        return _empty(title, "bars")
    low, high = domain([v for g in values for s in g for v in _values_of(s)])
    group_w = (CHART_W - 72.0) / len(groups)
    # labels that do not fit under their group are slanted, and the chart grows to hold them
    slanted = max(len(g) for g in groups) * 6.5 > group_w
    height = BARS_H + (SLANT_EXTRA if slanted else 0)
    left, right, top, bottom = 56.0, CHART_W - 16.0, 58.0, height - (
        44.0 + SLANT_EXTRA if slanted else 44.0)
    slope, offset = _scale(low, high, bottom, top)
    body = [_text(CHART_W / 2, 16, title, anchor="middle", size=12, bold=True)]
    fills = series_colours(series)
    body += _series_legend(series, fills, left, 34)
    body += _y_axis(low, high, left, right, slope, offset, y_label)
    bar_w = min(38.0, group_w * 0.8 / len(series))
    for g, (group, scores) in enumerate(zip(groups, values, strict=True)):
        x0 = left + g * group_w + (group_w - bar_w * len(series)) / 2
        centre = left + (g + 0.5) * group_w
        if slanted:
            body.append(_text(centre, bottom + 14, shorten(group, 24), anchor="end",
                              tip=group, rotate=-35))
        else:
            body.append(_text(centre, bottom + 16, group, anchor="middle", tip=group))
        for s, (name, score) in enumerate(zip(series, scores, strict=True)):
            body += _bar(x0 + s * bar_w, bar_w, group, name, score, fills[s], slope, offset)
    return _svg(title, CHART_W, height, body, "bars")


def series_colours(series: Sequence[str]) -> list[str]:
    """The variant's own colour for known variants, the others in turn for any other name."""
    others = iter(OTHER_COLOURS * (len(series) // len(OTHER_COLOURS) + 1))
    return [VARIANT_COLOURS.get(name) or next(others) for name in series]


def _series_legend(series: Sequence[str], fills: Sequence[str], x: float,
                   y: float) -> list[str]:
    step = min(130.0, (CHART_W - x - 16) / len(series))
    parts: list[str] = []
    for s, name in enumerate(series):
        parts += [_rect(x + s * step, y - 9, 12, 12, fills[s], cls="legend"),
                  _text(x + s * step + 16, y + 1, shorten(name, int(step / 6.5) - 3), tip=name)]
    return parts


def _y_axis(low: float, high: float, left: float, right: float, slope: float, offset: float,
            label: str) -> list[str]:
    parts = []
    for t in ticks(low, high):
        y = t * slope + offset
        parts += [_line(left, y, right, y, "#e3e3e3" if t else "#888888"),
                  _text(left - 6, y + 4, f"{t:g}", anchor="end", size=10)]
    mid = (low + high) / 2 * slope + offset
    parts.append(_text(14, mid, label, anchor="middle", size=10, rotate=-90))
    return parts


def _bar(x: float, w: float, group: str, name: str, score: Score | None, fill: str,
         slope: float, offset: float) -> list[str]:
    zero = offset
    value = _finite(score.value) if score else None
    if score is None or value is None:
        return [_text(x + w / 2, zero - 4, "n/a" if w >= 18 else "–", anchor="middle", size=9,
                      fill="#666666", tip=f"{group} · {name}: not measured")]
    top = value * slope + offset
    tip = f"{group} · {name}: {value:.3f} (n={score.n})" + (
        f", 95% CI [{score.ci.low:.3f}, {score.ci.high:.3f}]" if score.ci else "")
    parts = [_rect(x + 1, min(top, zero), w - 2, abs(zero - top), fill, cls="bar", tip=tip)]
    label_y = min(top, zero) - 4
    if score.ci:
        parts += _error_bar(x + w / 2, score.ci.low * slope + offset,
                            score.ci.high * slope + offset, min(8.0, w / 2))
        label_y = min(label_y, score.ci.high * slope + offset - 4)
    if w >= 22:
        parts.append(_text(x + w / 2, label_y, f"{value:.2f}", anchor="middle", size=9))
    return parts


def _error_bar(x: float, y_low: float, y_high: float, cap: float) -> list[str]:
    return [_line(x, y_low, x, y_high, INK, 1.2, cls="errorbar"),
            _line(x - cap / 2, y_low, x + cap / 2, y_low, INK, 1.2),
            _line(x - cap / 2, y_high, x + cap / 2, y_high, INK, 1.2)]


def attack_success(per_strategy: Mapping[str, Sequence[RateScore]]) -> str:
    """Attack success rate by strategy, one bar per attacked model, with Wilson intervals."""
    models = list(per_strategy)
    strategies = list(dict.fromkeys(r.key for rates in per_strategy.values() for r in rates))
    values = [[_rate_score(per_strategy[m], strategy) for m in models] for strategy in strategies]
    return grouped_bars("Attack success rate by strategy (95% Wilson interval)", strategies,
                        models, values, y_label="success rate")


def _rate_score(rates: Sequence[RateScore], key: str) -> Score | None:
    rate = next((r for r in rates if r.key == key), None)
    return (Score(metric=key, value=rate.rate, n=rate.n, ci=rate.ci)
            if rate is not None else None)


# -- dot plot ------------------------------------------------------------------------------------

def interval_dots(title: str, points: Sequence[tuple[str, Score]]) -> str:
    """Each score as a dot with its interval as a line: for estimates that are not bars
    (agreement, kappa, rates per model) and for reading how much intervals overlap."""
    if not points:
        return _empty(title, "dots")
    low, high = domain([v for _, s in points for v in _values_of(s)])
    left, right, top = LABEL_W, CHART_W - 170.0, 30.0
    slope, offset = _scale(low, high, left, right)
    height = top + len(points) * DOT_ROW_H + 30
    axis_y = top + len(points) * DOT_ROW_H + 4
    body = [_text(CHART_W / 2, 16, title, anchor="middle", size=12, bold=True)]
    for t in ticks(low, high):
        x = t * slope + offset
        body += [_line(x, top, x, axis_y, "#e3e3e3" if t else "#888888"),
                 _text(x, axis_y + 14, f"{t:g}", anchor="middle", size=10)]
    for i, (label, score) in enumerate(points):
        body += _dot_row(top + (i + 0.5) * DOT_ROW_H, label, score, slope, offset, right)
    return _svg(title, CHART_W, height, body, "dots")


def _dot_row(y: float, label: str, score: Score, slope: float, offset: float,
             right: float) -> list[str]:
    parts = [_text(LABEL_W - 8, y + 4, shorten(label, 38), anchor="end", tip=label)]
    value = _finite(score.value)
    if value is None:
        return [*parts, _text(right + 12, y + 4, "n/a", fill="#666666")]
    detail = f"{value:.3f}"
    if score.ci:
        parts += [_line(score.ci.low * slope + offset, y, score.ci.high * slope + offset, y,
                        "#0072b2", 2, cls="interval")]
        detail += f" [{score.ci.low:.2f}, {score.ci.high:.2f}]"
    parts += [f'<circle class="dot" cx="{_n(value * slope + offset)}" cy="{_n(y)}" r="4.5" '
              f'fill="#0072b2"><title>{_e(label)}: {_e(detail)} (n={score.n})</title></circle>',
              _text(right + 12, y + 4, f"{detail}  n={score.n}", size=10)]
    return parts
