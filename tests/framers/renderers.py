"""A Markdown policy rendered in the other formats the parser reads, for the ingestion tests and
the parse benchmark: HTML (markdown-it), DOCX (python-docx, heading styles) and PDF (fpdf2).

PDF, with core fonts:

What is drawn comes from the Markdown reader's blocks, so the PDF holds the same text as the
Markdown: headings in larger bold type, paragraphs wrapped by fpdf2 across lines and pages (long
words get soft hyphens, so some lines end in a hyphen the PDF reader must remove), bullet lists
with a hanging indent, call-outs indented in italics, Q&A as 'Q:' / 'A:' paragraphs, and a
running header and 'Page n of N' footer on every page that the reader must drop.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from markdown_it import MarkdownIt  # ships with rich

from alignment_studio.framers.blocks import Block, BlockType
from alignment_studio.framers.parse.markdown import read_markdown

BODY = 10.0
HEADING_SIZES = {1: 20.0, 2: 16.0, 3: 13.5, 4: 12.0, 5: 11.0, 6: 10.5}
_LONG_WORD = re.compile(r"\b[a-z]{8,}\b")  # lower-case words only, as hyphenation does


class _Pages(FPDF):
    running_header = ""

    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, self.running_header, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def render_pdf(markdown: Path, target: Path, header: str = "Policy handbook") -> int:
    """Write the Markdown file as a PDF; the number of pages written."""
    raw = read_markdown(markdown.read_text(encoding="utf-8"))
    pdf = _Pages(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.running_header = header
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    if raw.title:
        _heading(pdf, raw.title, 1)
    for block in raw.blocks:
        _draw(pdf, block)
    pdf.output(str(target))
    return pdf.page_no()


def _draw(pdf: FPDF, block: Block) -> None:
    if block.type == BlockType.heading:
        _heading(pdf, block.text, block.level)
    elif block.type == BlockType.list_item:
        _bullet(pdf, block.text)
    elif block.type == BlockType.callout:
        _paragraph(pdf, block.text, style="I", indent=8)
    elif block.type == BlockType.qa:
        _paragraph(pdf, f"Q: {block.question}")
        _paragraph(pdf, f"A: {block.text}")
    else:
        _paragraph(pdf, block.text)


def _heading(pdf: FPDF, text: str, level: int) -> None:
    size = HEADING_SIZES[level]
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.5, _encodable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _paragraph(pdf: FPDF, text: str, style: str = "", indent: float = 0) -> None:
    pdf.set_font("Helvetica", style, BODY)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, 5, _soft_hyphens(_encodable(text)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _bullet(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "", BODY)
    pdf.set_x(pdf.l_margin + 4)
    pdf.cell(5, 5, "\u2022")
    pdf.multi_cell(0, 5, _soft_hyphens(_encodable(text)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _soft_hyphens(text: str) -> str:
    """Soft hyphens every 3 letters of long words: fpdf2 may break there and draw a hyphen."""
    return _LONG_WORD.sub(lambda m: "\u00ad".join(re.findall(r".{1,3}", m.group(0))), text)


def _encodable(text: str) -> str:
    """Core PDF fonts cover Windows-1252 only; anything else becomes '?'."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


def to_text(markdown: str) -> str:
    """The Markdown as a plain-text handbook: headings underlined ('=' for the title, '-' below
    it), paragraphs and '-' bullets, blank lines between blocks."""
    lines: list[str] = []
    for block in read_markdown(markdown).blocks:
        if block.type == BlockType.heading:
            lines += [block.text, ("=" if block.level == 1 else "-") * len(block.text)]
        elif block.type == BlockType.list_item:
            lines.append(f"- {block.text}")
        elif block.type == BlockType.qa:
            lines += [f"Q: {block.question}", f"A: {block.text}"]
        else:
            lines.append(block.text)
        lines.append("")
    return "\n".join(lines)


def to_asciidoc(markdown: str) -> str:
    """The Markdown as an AsciiDoc source: "=" headings under a comment and an anchor, "*"
    items nested by repeating the marker, a "[NOTE]" block, blank lines between blocks."""
    lines: list[str] = ["////", "Licence header, a comment.", "////", ":toc:", ""]
    for block in read_markdown(markdown).blocks:
        if block.type == BlockType.heading:
            lines += [f"[[section-{len(lines)}]]", "=" * block.level + " " + block.text]
        elif block.type == BlockType.list_item:
            lines.append("*" * (block.level + 1) + " " + block.text)
        elif block.type == BlockType.qa:
            lines += [f"Q: {block.question}", "", f"A: {block.text}"]
        else:
            lines.append(block.text)
        lines.append("")
    return "\n".join([*lines, "[NOTE]", "====", "Questions go to the ethics office.", "===="])


def to_html(markdown: str, title: str = "") -> str:
    """The Markdown as a web page, with navigation, a style block and a script around it."""
    markdown = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    body = MarkdownIt().render(markdown)
    head = f"<head><title>{title}</title><style>p {{color: red}}</style></head>" if title else ""
    return f"<!doctype html><html>{head}<body><nav>Home | About</nav>{body}" \
           f"<script>var x = 'not policy';</script></body></html>"


def write_docx(markdown: Path, target: Path) -> None:
    """A Word document with the Markdown's structure: heading styles, list and quote styles."""
    import docx

    document = docx.Document()
    for block in read_markdown(markdown.read_text()).blocks:
        if block.type == BlockType.heading:
            document.add_heading(block.text, level=block.level)
        elif block.type == BlockType.list_item:
            document.add_paragraph(block.text, style="List Bullet")
        elif block.type == BlockType.callout:
            paragraph = document.add_paragraph(style="Intense Quote")
            paragraph.add_run("Important:").bold = True
            paragraph.add_run(" " + block.text)
        elif block.type == BlockType.qa:
            question = document.add_paragraph()
            question.add_run("Q:").bold = True
            question.add_run(f" {block.question}")
            answer = document.add_paragraph()
            answer.add_run("A:").bold = True
            answer.add_run(f" {block.text}")
        else:
            document.add_paragraph(block.text)
    document.save(str(target))
