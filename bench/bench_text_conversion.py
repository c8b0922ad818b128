"""Format robustness: every hand-labelled Markdown document the rules were developed on, saved as
plain text the way people convert it (front matter, "#" marks, emphasis and link targets
removed; list markers and line breaks kept, so a title sits right above its paragraph), and
scored with the same labels as the Markdown. A reader sees the same headings and lists in
both; the gap between the two totals is what the plain-text reader loses.

The labels name the Markdown headings, so a heading that the conversion turns into a lead-in
("### If you work a flexible schedule you:") counts as a miss in the text version: part of the
gap is the conversion's, not the reader's.

    .venv/bin/python bench/bench_text_conversion.py [--worst N]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_structure as bench  # noqa: E402

from alignment_studio.framers.parse import read_document  # noqa: E402


def as_plain_text(markdown: str) -> str:
    """The Markdown as a person saves it as plain text."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(r"^#{1,6}\s+(.*?)\s*#*\s*$", r"\1", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\{%.*?%\}", "", text)


def main() -> None:
    worst = int(sys.argv[sys.argv.index("--worst") + 1]) if "--worst" in sys.argv else 10
    markdown, plain = bench.Scores(), bench.Scores()
    rows: list[tuple[float, str, bench.Scores, bench.Scores]] = []
    with tempfile.TemporaryDirectory() as folder:
        for path in bench.label_files():
            name, labels = bench.load_labels(path)
            if bench.group_of(name) in bench.HELD_OUT_GROUPS or not name.endswith(".md"):
                continue
            source = bench.document_path(name)
            saved = Path(folder) / f"{source.stem}.txt"
            saved.write_text(as_plain_text(source.read_text(encoding="utf-8")), encoding="utf-8")
            as_md = bench.score(read_document(source), labels)
            as_txt = bench.score(read_document(saved), labels)
            markdown, plain = markdown + as_md, plain + as_txt
            rows.append((as_txt.recall - as_md.recall, name, as_md, as_txt))
    for change, name, as_md, as_txt in sorted(rows)[:worst]:
        print(f"{change:+.2f}  {name[:44]:44} recall {as_md.recall:.2f} -> {as_txt.recall:.2f}")
    print(bench.line(f"as Markdown ({len(rows)} documents)", markdown))
    print(bench.line("as plain text", plain))


if __name__ == "__main__":
    main()
