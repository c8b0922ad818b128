"""The format-neutral result of reading a document: a flat list of typed blocks."""

from __future__ import annotations

import itertools
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
# Liquid/Jinja tags, and kramdown's attribute lists ("{:.bs-callout-info}", "{: #id}")
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{:\s*(?:[.#][\w-]+|[\w-]+=)[^{}]*\}")
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


_ENTRY_NUMBER = re.compile(r"^\s*(?:[\dIVXivx]{1,5}[.)]|\d+(?:\.\d+)+\.?)\s+")
_CONTENTS_SHARE = 0.8  # of a list's items that name a heading further on


def title_key(title: str) -> str:
    """A title without case or punctuation ("Philosophy / Principles", "philosophy-principles")."""
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def _entry_key(text: str) -> str:
    return title_key(_ENTRY_NUMBER.sub("", text))


def without_contents(raw: RawDocument) -> RawDocument:
    """The document without its table of contents written as a plain list (a Word or PDF copy
    keeps the entries' words but not their links): a run of three or more list items of which
    most name a heading further on (numbers aside: "5. Appendix 1: Philosophy/principles")."""
    last = {_entry_key(b.text): i for i, b in enumerate(raw.blocks)
            if b.type == BlockType.heading}  # the last place each heading stands
    kept: list[Block] = []
    end = 0
    for listed, group in itertools.groupby(raw.blocks,
                                           key=lambda b: b.type == BlockType.list_item):
        run = list(group)
        end += len(run)
        contents = listed and len(run) >= 3 and sum(
            last.get(_entry_key(b.text), -1) >= end for b in run) >= _CONTENTS_SHARE * len(run)
        if not contents:
            kept.extend(run)
    return raw if len(kept) == len(raw.blocks) else raw.model_copy(update={"blocks": kept})
