"""Format robustness: every hand-labelled Markdown document the rules were developed on, converted
the ways people convert documents, and scored with the same labels as the Markdown. A reader sees
the same headings and lists in each; the gap to the Markdown total is what a reader loses.

- text: saved as plain text (front matter, "#" marks, emphasis and link targets removed; list
  markers and line breaks kept, so a title sits right above its paragraph);
- pdf: rendered to HTML by markdown-it and laid out by fpdf2's ``write_html`` in DejaVu Sans
  (headings in bold, larger type; "•" bullets), as the held-out rounds' PDFs were made;
- docx: a Word file WITHOUT heading styles, as many real ones are: titles are Normal
  paragraphs in one bold, larger run, list items "List Bullet"/"List Number" paragraphs,
  tables Word tables.

The labels name the Markdown headings, so a heading that the conversion turns into a lead-in
("### If you work a flexible schedule you:") counts as a miss in the text version: part of the
gap is the conversion's, not the reader's.

    .venv/bin/python bench/bench_format_conversion.py [--worst N] [--formats text,pdf,docx]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_structure as bench  # noqa: E402

from alignment_studio.framers.parse import read_document  # noqa: E402

FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core


def as_plain_text(markdown: str) -> str:
    """The Markdown as a person saves it as plain text."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(r"^#{1,6}\s+(.*?)\s*#*\s*$", r"\1", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\{%.*?%\}", "", text)


def _html(markdown: str) -> str:
    """The Markdown as HTML (markdown-it, CommonMark and tables), its title from the front
    matter as the first heading; links reduced to their text, images dropped."""
    from markdown_it import MarkdownIt

    title = re.search(r"\A---\n.*?^title:\s*[\"']?(.+?)[\"']?\s*$.*?\n---\n", markdown,
                      flags=re.S | re.M)
    text = re.sub(r"\{%.*?%\}", "", re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S))
    if title:
        text = f"# {title.group(1)}\n\n{text}"
    html = MarkdownIt("commonmark").enable("table").render(text)
    html = re.sub(r"<img\b[^>]*>|</?(a|sup|sub|span|div|del|s)\b[^>]*>", "", html)
    # fpdf2 draws no markup inside a table cell
    return re.sub(r"(<t[hd][^>]*>)(.*?)(</t[hd]>)",
                  lambda m: m.group(1) + re.sub(r"<[^>]+>", "", m.group(2)) + m.group(3),
                  html, flags=re.S)


def as_pdf(markdown: str, target: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold"),
                        ("I", "DejaVuSans-Oblique"), ("BI", "DejaVuSans-BoldOblique")):
        pdf.add_font("DejaVu", style, str(FONTS / f"{name}.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    pdf.write_html(_html(markdown), font_family="DejaVu", ul_bullet_char="•",
                   warn_on_tags_not_matching=False)
    pdf.output(str(target))


def as_docx(markdown: str, target: Path) -> None:
    """Word without heading styles: each heading a Normal paragraph in one bold run."""
    from docx import Document
    from docx.shared import Pt
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(
        re.sub(r"\{%.*?%\}", "", re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)))
    document = Document()
    lists: list[str] = []  # "bullet" or "ordered", innermost last
    heading = 0
    row: list[str] = []
    rows: list[list[str]] = []
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type.split("_")[0])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            heading = int(token.tag[1])
        elif token.type == "tr_close":
            rows.append(row)
            row = []
        elif token.type == "table_close":
            table = document.add_table(rows=len(rows), cols=max(map(len, rows)))
            for cells, line in zip(table.rows, rows, strict=True):
                for cell, value in zip(cells.cells, line, strict=False):
                    cell.text = value
            rows = []
        elif token.type == "code_block" and lists:  # "1.      Release X": six spaces
            document.add_paragraph(" ".join(token.content.split()), style=_list_style(lists))
        elif token.type == "inline":
            text = re.sub(r"\s+", " ", "".join(
                " " if c.type in ("softbreak", "hardbreak") else c.content
                for c in token.children or [] if c.type in (
                    "text", "code_inline", "softbreak", "hardbreak")) or token.content).strip()
            if heading:
                run = document.add_paragraph().add_run(text)
                run.bold, run.font.size = True, Pt(18 - 2 * heading)
                heading = 0
            elif _in_cell(tokens, token):
                row.append(text)
            elif lists:
                document.add_paragraph(text, style=_list_style(lists))
            else:
                document.add_paragraph(text)
    document.save(str(target))


def _list_style(lists: list[str]) -> str:
    style = "List Bullet" if lists[-1] == "bullet" else "List Number"
    depth = min(len(lists), 3)
    return style if depth == 1 else f"{style} {depth}"


def _in_cell(tokens: list[Any], token: Any) -> bool:
    index = tokens.index(token)
    return index > 0 and tokens[index - 1].type in ("th_open", "td_open")


CONVERTERS = {
    "text": (".txt", lambda markdown, target: target.write_text(as_plain_text(markdown),
                                                                encoding="utf-8")),
    "pdf": (".pdf", as_pdf),
    "docx": (".docx", as_docx),
}


def main() -> None:
    worst = int(sys.argv[sys.argv.index("--worst") + 1]) if "--worst" in sys.argv else 5
    formats = sys.argv[sys.argv.index("--formats") + 1].split(",") \
        if "--formats" in sys.argv else list(CONVERTERS)
    markdown = bench.Scores()
    totals = {name: bench.Scores() for name in formats}
    same = {name: bench.Scores() for name in formats}  # the Markdown of the converted ones
    rows: dict[str, list[tuple[float, str, float, float]]] = {name: [] for name in formats}
    count = 0
    with tempfile.TemporaryDirectory() as folder:
        for path in bench.label_files():
            name, labels = bench.load_labels(path)
            if bench.group_of(name) in bench.HELD_OUT_GROUPS or not name.endswith(".md"):
                continue
            source = bench.document_path(name)
            text = source.read_text(encoding="utf-8")
            as_md = bench.score(read_document(source), labels)
            markdown, count = markdown + as_md, count + 1
            for kind in formats:
                suffix, convert = CONVERTERS[kind]
                saved = Path(folder) / f"{source.stem}{suffix}"
                try:
                    convert(text, saved)
                except Exception as error:  # noqa: BLE001 - a converter's limit, not ours
                    print(f"    {name}: not converted to {kind} ({type(error).__name__})")
                    continue
                scores = bench.score(read_document(saved), labels)
                totals[kind] = totals[kind] + scores
                same[kind] = same[kind] + as_md
                rows[kind].append((scores.recall - as_md.recall, name, as_md.recall,
                                   scores.recall))
    print(bench.line(f"as Markdown ({count} documents)", markdown))
    for kind in formats:
        converted = len(rows[kind])
        if converted < count:
            print(bench.line(f"  the {converted} converted as Markdown", same[kind]))
        print(bench.line(f"as {kind}", totals[kind]))
        for change, name, before, after in sorted(rows[kind])[:worst]:
            print(f"    {change:+.2f}  {name[:44]:44} recall {before:.2f} -> {after:.2f}")


if __name__ == "__main__":
    main()
