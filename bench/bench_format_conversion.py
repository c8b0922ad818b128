"""Format robustness: every hand-labelled Markdown document the rules were developed on, converted
the ways people convert documents, and scored with the same labels as the Markdown. A reader sees
the same headings and lists in each; the gap to the Markdown total is what a reader loses.

- text: saved as plain text (front matter, "#" marks, emphasis and link targets removed; list
  markers and line breaks kept, so a title sits right above its paragraph);
- pdf: rendered to HTML by markdown-it and laid out by fpdf2's ``write_html`` in DejaVu Sans
  (headings in bold, larger type; "•" bullets), as the held-out rounds' PDFs were made;
- docx: a Word file WITHOUT heading styles, as many real ones are: titles are Normal
  paragraphs in one bold, larger run, list items "List Bullet"/"List Number" paragraphs,
  tables Word tables;

and every developed PDF, Word and HTML document saved as text the way people save them:

- pdf-text: pypdf's text of each page;
- docx-text: Word's "plain text": one line per paragraph, no blank lines, "•" bullets;
- html-text: a browser's copy: one line per block, blank lines after headings and paragraphs.

The labels name the Markdown headings, so a heading that the conversion turns into a lead-in
("### If you work a flexible schedule you:") counts as a miss in the text version: part of the
gap is the conversion's, not the reader's.

    .venv/bin/python bench/bench_format_conversion.py [--worst N] [--formats text,pdf,...]
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
    for index, token in enumerate(tokens):
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
            elif index > 0 and tokens[index - 1].type in ("th_open", "td_open"):
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


def pdf_as_text(source: Path, target: Path) -> None:
    """A PDF saved as text: pypdf's text of each page, pages one after another."""
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(str(source)).pages]
    target.write_text("\n".join(pages), encoding="utf-8")


def docx_as_text(source: Path, target: Path) -> None:
    """A Word file saved as plain text, as Word does it: one line per paragraph, no blank lines,
    bullets as "•", numbered items with their number, table rows as tab-separated cells."""
    from docx import Document

    document = Document(str(source))
    lines: list[str] = []
    number = 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            table = next(t for t in document.tables if t._tbl is child)
            lines += ["\t".join(c.text for c in row.cells) for row in table.rows]
            continue
        if tag != "p":
            continue
        paragraph = next(p for p in document.paragraphs if p._p is child)
        style = paragraph.style.name if paragraph.style is not None else ""
        listed = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        if "Number" in style:
            number += 1
            lines.append(f"{number}. {paragraph.text}")
        elif "Bullet" in style or listed:
            lines.append(f"• {paragraph.text}")
        else:
            number = 0
            lines.append(paragraph.text)
    target.write_text("\n".join(lines), encoding="utf-8")


_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote",
           "section", "article", "table", "ul", "ol", "pre", "br", "header", "footer"}


def html_as_text(source: Path, target: Path) -> None:
    """An HTML page copied from a browser: each block on its own line, a blank line after
    headings and paragraphs, list items and table rows one per line (cells tab-separated);
    scripts, styles and navigation left out."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(source.read_bytes())
    for junk in root.xpath("//script|//style|//nav|//noscript|//head"):
        junk.getparent().remove(junk)
    out: list[str] = []

    def flow(text: str | None, pre: bool) -> str:
        """Text as a browser lays it out: the source's line breaks and runs of spaces are one
        space, except in <pre>."""
        return (text or "") if pre else re.sub(r"\s+", " ", text or "")

    def walk(node: Any, pre: bool = False) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        pre = pre or tag == "pre"
        if tag in _BLOCKS:
            out.append("\n")
        if tag in ("td", "th"):
            out.append("\t")
        if tag == "br":
            out.append("\n")
        out.append(flow(node.text, pre))
        for child in node:
            walk(child, pre)
            out.append(flow(child.tail, pre))
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre"):
            out.append("\n\n")

    walk(root)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \u00a0]+", " ", "".join(out)))
    target.write_text(re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", encoding="utf-8")


def _from_markdown(convert: Any) -> Any:
    return lambda source, target: convert(source.read_text(encoding="utf-8"), target)


# name -> (suffix of the documents converted, suffix written, converter(source, target))
CONVERTERS: dict[str, tuple[str, str, Any]] = {
    "text": (".md", ".txt", _from_markdown(lambda markdown, target: target.write_text(
        as_plain_text(markdown), encoding="utf-8"))),
    "pdf": (".md", ".pdf", _from_markdown(as_pdf)),
    "docx": (".md", ".docx", _from_markdown(as_docx)),
    "pdf-text": (".pdf", ".txt", pdf_as_text),
    "docx-text": (".docx", ".txt", docx_as_text),
    "html-text": (".html", ".txt", html_as_text),
}


def main() -> None:
    worst = int(sys.argv[sys.argv.index("--worst") + 1]) if "--worst" in sys.argv else 5
    formats = sys.argv[sys.argv.index("--formats") + 1].split(",") \
        if "--formats" in sys.argv else list(CONVERTERS)
    for kind in formats:
        _compare(kind, *CONVERTERS[kind], worst=worst)


def _compare(kind: str, suffix: str, written: str, convert: Any, worst: int) -> None:
    """Every developed document of the suffix, as itself and converted, with the same labels."""
    original, converted = bench.Scores(), bench.Scores()
    rows: list[tuple[float, str, float, float]] = []
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for path in bench.label_files():
            name, labels = bench.load_labels(path)
            if bench.group_of(name) in bench.HELD_OUT_GROUPS or not name.endswith(suffix):
                continue
            source = bench.document_path(name)
            saved = Path(folder) / f"{source.stem}.converted{written}"
            try:
                convert(source, saved)
            except Exception:  # noqa: BLE001 - a converter's limit, not the reader's
                failed += 1
                continue
            before = bench.score(read_document(source), labels)
            after = bench.score(read_document(saved), labels)
            original, converted = original + before, converted + after
            rows.append((after.recall - before.recall, name, before.recall, after.recall))
    note = f", {failed} not converted" if failed else ""
    print(bench.line(f"{suffix} as it is ({len(rows)}{note})", original))
    print(bench.line(f"  as {kind}", converted))
    for change, name, before_recall, after_recall in sorted(rows)[:worst]:
        print(f"    {change:+.2f}  {name[:44]:44} recall {before_recall:.2f} -> {after_recall:.2f}")


if __name__ == "__main__":
    main()
