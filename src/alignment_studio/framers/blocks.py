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


class Block(BaseModel):
    """One heading, paragraph, list item, Q&A pair or call-out, with its source lines."""

    model_config = ConfigDict(extra="forbid")
    type: BlockType
    text: str
    level: int = 0
    question: str | None = None
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
