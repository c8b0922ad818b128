"""Parse speed and growth: a ~500-page Markdown policy built from the real 18F documents and the
bundled example, parsed whole (its copies repeat their sentences, which the per-sentence parse
cache parses once), then again with every sentence made unique (a cold parse of all of them, the
figure a real 500-page handbook gets), and at 1/8, 1/4 and 1/2 of its size (the time per MB
should stay flat: parsing is meant to be linear); a document whose headings all have the same
title; then one 18F document as PDF against its Markdown.
Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_parse.py [--pages 500]
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alignment_studio.framers import nlp
from alignment_studio.framers.parse import read_document
from alignment_studio.stages.init import example_dir

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO.parent / "shared" / "policies" / "18f"
WORDS_PER_PAGE = 500
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_TITLE = re.compile(r"^title:\s*(.+)$", re.M)
_H1 = re.compile(r"\A\s*#\s+(.+)\n")
_SENTENCE_END = re.compile(r"(?<=[a-z])\.(?=\s|$)", re.M)


def sources() -> list[tuple[str, str]]:
    """(title, body) of every 18F policy and the example, front matter and H1 title removed."""
    files = sorted(p for p in POLICIES.glob("*.md") if p.name != "LICENSE.md")
    out = []
    for path in [*files, example_dir() / "guidelines.md"]:
        text = path.read_text(encoding="utf-8")
        front = _FRONT.match(text)
        title = path.stem.replace("-", " ").title()
        if front:
            found = _TITLE.search(front.group(1))
            title = found.group(1).strip().strip("\"'") if found else title
            text = text[front.end():]
        h1 = _H1.match(text)
        if h1:
            title, text = h1.group(1).strip(), text[h1.end():]
        out.append((title, text))
    return out


def build(copies: int, unique: bool = False) -> str:
    """The sources repeated `copies` times, each under a renamed top heading; with ``unique``
    every sentence of copy n ends in "(vn)", so no two copies share a sentence."""
    parts = [f"# {title} (volume {n})\n\n{_mark(body, n) if unique else body}\n"
             for n in range(1, copies + 1) for title, body in sources()]
    return "# Combined policy handbook\n\n" + "\n".join(parts)


def _mark(body: str, n: int) -> str:
    return _SENTENCE_END.sub(f" (v{n}).", body)


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def exponent(sizes: list[float], times: list[float]) -> float:
    """Slope of log(time) against log(size): 1 is linear growth, 2 quadratic."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)


def main() -> None:
    pages = int(sys.argv[sys.argv.index("--pages") + 1]) if "--pages" in sys.argv else 500
    per_copy = len(build(1).split())
    copies = max(1, round(pages * WORDS_PER_PAGE / per_copy))
    with tempfile.TemporaryDirectory() as tmp:
        text = build(copies)
        whole(Path(tmp), text, copies, "repeated sentences")
        nlp._cache.clear()
        whole(Path(tmp), build(copies, unique=True), copies, "every sentence unique, cold cache")
        growth(Path(tmp), text)
        repeated_titles(Path(tmp))
        pdf_vs_markdown(Path(tmp))


def whole(tmp: Path, text: str, copies: int, kind: str) -> None:
    path = tmp / "handbook.md"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    document = read_document(path)
    seconds = time.perf_counter() - start
    words = len(path.read_text(encoding="utf-8").split())
    mb = path.stat().st_size / 1e6
    unique = len({p.text for p in document.policies()})
    print(f"whole document ({kind}): {copies} copies of {len(sources())} policies, "
          f"{words / WORDS_PER_PAGE:.0f} pages ({words} words, {mb:.1f} MB), "
          f"{len(document.policies())} statements ({unique} distinct), "
          f"{len(document.all_sections())} sections, "
          f"{seconds:.2f} s, {mb / seconds:.2f} MB/s")


def prefix(text: str, fraction: int) -> str:
    """The first 1/fraction of the text, cut at the next top-level heading."""
    cut = text.find("\n# ", len(text) // fraction)
    return text if fraction == 1 or cut < 0 else text[:cut + 1]


def growth(tmp: Path, text: str) -> None:
    sizes, times = [], []
    print("size   MB     seconds  s/MB   (best of 3)")
    for fraction in (8, 4, 2, 1):
        path = tmp / f"handbook-{fraction}.md"
        path.write_text(prefix(text, fraction), encoding="utf-8")
        mb = path.stat().st_size / 1e6
        seconds = best_of(3, lambda p=path: read_document(p))
        sizes.append(mb)
        times.append(seconds)
        print(f"1/{fraction:<4} {mb:5.2f}  {seconds:7.3f}  {seconds / mb:.3f}")
    print(f"fitted exponent of time vs size: {exponent(sizes, times):.2f} (1 = linear); "
          f"s/MB whole / s/MB eighth: {(times[-1] / sizes[-1]) / (times[0] / sizes[0]):.2f}")


def repeated_titles(tmp: Path) -> None:
    """Every section titled 'Overview': each new ID probes -2, -3, ... until one is free."""
    sizes, times = [], []
    for n in (1000, 2000, 4000):
        path = tmp / f"overview-{n}.md"
        path.write_text("".join(f"## Overview\n\nYou must file form {i}.\n\n" for i in range(n)),
                        encoding="utf-8")
        sizes.append(float(n))
        times.append(best_of(2, lambda p=path: read_document(p)))
    cells = ", ".join(f"{n:.0f}: {t:.2f} s" for n, t in zip(sizes, times, strict=True))
    print(f"sections with one repeated title: {cells}; "
          f"fitted exponent {exponent(sizes, times):.2f} (1 = linear)")


def pdf_vs_markdown(tmp: Path) -> None:
    """Needs fpdf2 and pypdf (dev and formats extras); the renderer is the tests' helper."""
    try:
        sys.path.insert(0, str(REPO / "tests" / "framers"))
        from renderers import render_pdf
    except ImportError:
        print("PDF timing skipped: pip install 'alignment-studio[formats,dev]'")
        return
    markdown = POLICIES / "blogging.md"
    pdf = tmp / "blogging.pdf"
    page_count = render_pdf(markdown, pdf)
    md_s = best_of(5, lambda: read_document(markdown))
    pdf_s = best_of(5, lambda: read_document(pdf))
    print(f"{markdown.name}: Markdown {md_s * 1000:.1f} ms, PDF ({page_count} pages, "
          f"{pdf.stat().st_size / 1000:.0f} KB) {pdf_s * 1000:.1f} ms, "
          f"PDF/Markdown {pdf_s / md_s:.1f}x, {pdf_s / page_count * 1000:.1f} ms per PDF page")


if __name__ == "__main__":
    main()
