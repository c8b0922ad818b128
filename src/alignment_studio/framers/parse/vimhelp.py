"""A Vim help file (Vim's and Neovim's ``doc/*.txt``, "vimdoc"), read as the text it is with
its markup known: what ``:help`` shows and what Neovim's help pages render.

The file starts with its tag line (``*dev.txt*  Nvim``); a line of "=" opens a chapter whose
first line is its title ("1. Design goals    *design-goals*"); an ALL-CAPS line is a section
title ("NVIM IS... IMPROVED    *design-improved*"); a line ending in " ~" is a column heading
("Documentation format ~"). The first titled line before any chapter is the document's title.
"*tag*" anchors and the "|link|" bars are dropped (the linked word stays), and so are the
centred banner lines ("NVIM REFERENCE MANUAL    by ..."), the table-of-contents hint, the
modeline, and the examples: a line ending in ">" (or ">vim", ">lua") opens one, indented lines
hold it, and a line starting with "<" (or any line at the margin) closes it. Lines that say
nothing become blank, so line numbers still point into the file.
"""

from __future__ import annotations

import re

_FILE_TAG = re.compile(r"^\*[\w.+-]+\.txt\*(?:\s|$)")
_CHAPTER_RULE = re.compile(r"^={20,}\s*$")
_TAGS = re.compile(r"(?:\s+\*[^*\s|]+\*)+\s*$")  # "   *design-goals* *goals*" at a line's end
_TAG_ONLY = re.compile(r"^\s*(?:\*[^*\s|]+\*\s*)+$")
_COLUMN_HEADING = re.compile(r"^(?P<title>\S.*?)\s+~\s*$")
_EXAMPLE_OPEN = re.compile(r"(?:^|\s)>(?:[a-z]\w*)?\s*$")
_LINK = re.compile(r"\|(?P<target>[^|\s]+)\|")
_MODELINE = re.compile(r"^\s*vim?:[^:]*(?::[^:]*)*:\s*$")
_BANNER = re.compile(r"^\s{8,}\S")  # a centred line of the file's opening lines
_TOC_HINT = re.compile(r"^\s*Type \|gO\| to see the table of contents\.\s*$")
CHAPTER, SECTION, COLUMN = 2, 3, 4  # heading levels; the document's title is 1


def looks_like_vim_help(text: str) -> bool:
    """Whether a text file is Vim help: its first line is a "*name.txt*" tag line, and it has a
    chapter rule or a tagged title."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    return bool(_FILE_TAG.match(first)) and \
        any(_CHAPTER_RULE.match(line) or _titled(line) for line in lines[1:])


def _titled(line: str) -> str | None:
    """The title of a line that ends in tags ("Design goals    *design-goals*")."""
    found = _TAGS.search(line)
    if found is None or not line[:found.start()].strip() or line[:1].isspace():
        return None
    return line[:found.start()].rstrip()


def vim_help_lines(text: str) -> tuple[list[str], dict[int, int]]:
    """The file's lines as a reader sees them (same count) and its headings: line index ->
    level."""
    lines = text.split("\n")
    out: list[str] = []
    headings: dict[int, int] = {}
    chapter_next = in_example = False
    started = False  # past the opening lines (the first title or chapter rule)
    for i, line in enumerate(lines):
        if in_example:
            if line.startswith("<"):
                in_example, line = False, line[1:]
            elif not line.strip() or line[:1].isspace():
                out.append("")
                continue
            else:
                in_example = False
        rule = _CHAPTER_RULE.match(line) is not None
        if i == 0 and _FILE_TAG.match(line) or rule or _TAG_ONLY.match(line) or \
                _MODELINE.match(line) or _TOC_HINT.match(line) or \
                not started and _BANNER.match(line):
            chapter_next, started = chapter_next or rule, started or rule
            out.append("")
            continue
        title, level = _heading(line, chapter_next, started)
        if line.strip():
            chapter_next = False
        if level:
            headings[i] = level
            started = True
            out.append(title)
            continue
        if _EXAMPLE_OPEN.search(line):
            in_example, line = True, _EXAMPLE_OPEN.sub("", line)
        out.append(_LINK.sub(r"\g<target>", _TAGS.sub("", line)))
    return out, headings


def _heading(line: str, chapter_next: bool, started: bool) -> tuple[str, int]:
    """A heading's title and level, or ("", 0)."""
    column = _COLUMN_HEADING.match(line)
    if column and not line[:1].isspace():
        return column.group("title"), COLUMN
    title = _titled(line) or (line.strip() if chapter_next and not line[:1].isspace() else None)
    if title is None:
        return "", 0
    if chapter_next:
        return title, CHAPTER
    if not started:
        return title, 1
    letters = [c for c in title if c.isalpha()]
    return (title, SECTION) if letters and title.upper() == title else ("", 0)
