"""Plain-text reader: headings are numbered, ALL-CAPS or underlined lines; '-', '*', '•' bullets."""

from __future__ import annotations

import re

from alignment_studio.framers.blocks import Block, BlockType, RawDocument

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+([A-Z][^.!?]{1,80})$")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(.*)$")
_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")


def read_text(text: str) -> RawDocument:
    lines = text.split("\n")
    blocks: list[Block] = []
    buf: list[str] = []
    start = 0
    kind = BlockType.paragraph

    def flush(end: int) -> None:
        nonlocal buf, kind
        joined = " ".join(" ".join(buf).split())
        if joined:
            blocks.append(Block(type=kind, text=joined, start_line=start + 1, end_line=end))
        buf, kind = [], BlockType.paragraph

    for i, line in enumerate(lines):
        stripped = line.strip()
        heading = _heading_level(lines, i)
        if heading:
            flush(i)
            blocks.append(Block(type=BlockType.heading, text=_heading_text(stripped),
                                level=heading, start_line=i + 1, end_line=i + 1))
        elif not stripped or _UNDERLINE.match(stripped):
            flush(i)
        elif _BULLET.match(line):
            flush(i)
            buf, kind, start = [_BULLET.match(line).group(1)], BlockType.list_item, i  # type: ignore[union-attr]
        else:
            if not buf:
                start = i
            buf.append(stripped)
    flush(len(lines))
    title = blocks[0].text if blocks and blocks[0].type == BlockType.heading else None
    return RawDocument(title=title, blocks=blocks)


def _heading_level(lines: list[str], i: int) -> int:
    """0 if line i is no heading; else 1 (underlined '='), 2 (ALL CAPS, '-') or depth+1."""
    line = lines[i].strip()
    prev_blank = i == 0 or not lines[i - 1].strip()
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    if not line or not prev_blank or len(line) > 90:
        return 0
    if _UNDERLINE.match(nxt):
        return 1 if nxt.startswith("=") else 2
    numbered = _NUMBERED.match(line)
    if numbered and not _BULLET.match(nxt) and not line.endswith((".", ":")):
        return numbered.group(1).count(".") + 2
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and line.upper() == line and not line.endswith((".", ":")):
        return 2
    return 0


def _heading_text(line: str) -> str:
    numbered = _NUMBERED.match(line)
    text = numbered.group(2) if numbered else line
    return text.title() if text.isupper() else text
