"""DOCX reader (python-docx, imported lazily): heading styles become sections, list styles list
items, quote styles call-outs; 'Q:'/'A:' paragraphs pair as in Markdown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import Block, BlockType, RawDocument, clean_inline
from alignment_studio.framers.parse.markdown import pair_questions

_HEADING_STYLE = re.compile(r"^heading (\d)$", re.I)
_LABEL = re.compile(r"^[A-Z][\w ]{0,29}:\s+")


def read_docx(path: Path) -> RawDocument:
    """Blocks of a .docx file; 'line' numbers are paragraph numbers (1-based)."""
    try:
        import docx
    except ImportError as exc:
        raise StudioError("reading .docx needs the 'python-docx' package: "
                          "pip install 'alignment-studio[formats]'", path) from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise StudioError(f"not a readable .docx file ({type(exc).__name__})", path) from exc
    title = document.core_properties.title or None
    blocks = [b for i, p in enumerate(document.paragraphs, start=1) if (b := _block(p, i))]
    return RawDocument(title=title, blocks=pair_questions(blocks))


def _block(paragraph: Any, number: int) -> Block | None:
    text = clean_inline(paragraph.text)
    if not text:
        return None
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    heading = _HEADING_STYLE.match(style)
    if style.lower() == "title":
        return Block(type=BlockType.heading, text=text, level=1, start_line=number,
                     end_line=number)
    if heading:
        return Block(type=BlockType.heading, text=text, level=int(heading.group(1)),
                     start_line=number, end_line=number)
    kind = BlockType.paragraph
    if style.lower().startswith("list"):
        kind = BlockType.list_item
    elif "quote" in style.lower():
        kind = BlockType.callout
        if _starts_bold(paragraph):
            text = _LABEL.sub("", text, count=1)
    return Block(type=kind, text=text, start_line=number, end_line=number)


def _starts_bold(paragraph: Any) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and bool(runs[0].bold)
