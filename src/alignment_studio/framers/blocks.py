"""The format-neutral result of reading a document: a flat list of typed blocks."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel, ConfigDict


class BlockType(str, Enum):
    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    qa = "qa"
    callout = "callout"
    table_row = "table_row"


class Block(BaseModel):
    """One heading, paragraph, list item, Q&A pair, call-out or table row, with its source
    lines."""

    model_config = ConfigDict(extra="forbid")
    type: BlockType
    text: str
    level: int = 0
    question: str | None = None
    cells: list[str] = []  # a table row's cells, ``text`` joins them
    headers: list[str] = []  # a table row's column headers
    start_line: int
    end_line: int


class RawDocument(BaseModel):
    """Blocks plus document metadata found by the reader (front matter title, for example)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    blocks: list[Block]


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w/])_([^_\n]+?)_(?![\w/])")


def clean_inline(text: str) -> str:
    """Plain text of a Markdown line: links to their text; tags, template tags, emphasis gone."""
    text = _TEMPLATE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    return " ".join(text.split())


def table_row(cells: list[str], headers: list[str], start: int, end: int) -> Block | None:
    """A table row block (cells joined by ' | '), or None for an empty row."""
    cells = [clean_inline(c) for c in cells]
    if not any(cells):
        return None
    return Block(type=BlockType.table_row, text=" | ".join(c for c in cells if c), cells=cells,
                 headers=headers, start_line=start, end_line=end)
