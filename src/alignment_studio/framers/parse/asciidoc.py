"""AsciiDoc (in a ``.adoc`` file, or saved as text), read as the Markdown it renders like.

"= Title" / "== Section" lines are headings, and so is a block title over a paragraph of
prose (".One Sentence Per Line", one level below its section); "*" / "-" / "." items (nested
by repeating the marker) are list items; "Term :: gloss" entries are glossary lines ("term: gloss");
admonitions ("[TIP]" blocks, "NOTE: ...") and "____" quotes become quoted paragraphs; "----"
and "...." blocks stay verbatim as code; "|===" tables become Markdown tables; an example
("[example]" over a "=====" block, "[example.avoid]" over a paragraph) says nothing, and the
title of a "[%collapsible]" block is its sub-heading. Fences may be longer than four marks, to
nest one block in another. Comments, anchors, attribute entries, block attributes and macros
such as "toc::[]" say nothing. Inline links, cross-references and attribute references are
reduced to the text a reader sees.
The conversion keeps one line per source line, so line numbers still point into the file.

Why not the ``asciidoc`` package (asciidoc-py): it is GPL-licensed, and it implements the
legacy syntax, which drops a whole line that holds an attribute reference it cannot resolve
(``{edpUrl}[...]``), so sentences of real documents disappear.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r"^(?P<marks>={1,6})\s+(?P<title>\S.*?)(?:\s+=+)?\s*$")
_ATTRIBUTE_ENTRY = re.compile(r"^:(?P<unset>!)?(?P<name>[\w-]+)(?P<unset2>!)?:\s*(?P<value>.*)$")
_BLOCK_ATTRIBUTES = re.compile(r"^\[(?P<body>[^\[\]]*|\[[\w:.-]+(?:,[^\]]*)?\])\]\s*$")
_BLOCK_MACRO = re.compile(r"^(?:toc|image|video|audio|include|ifdef|ifndef|ifeval|endif)::.*$")
_BLOCK_TITLE = re.compile(r"^\.(?P<title>[^.\s].*)$")
_LIST_ITEM = re.compile(r"^\s*(?P<marker>\*{1,5}|-|\.{1,5}|\d+\.|[a-z]\.)\s+(?P<text>\S.*)$")
_GLOSSARY = re.compile(r"^(?P<term>[^\s:/][^:]*?)\s*(?P<marks>:{2,4}|;;)(?:\s+(?P<gloss>.*))?$")
_ADMONITION = re.compile(r"^(?P<kind>NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s+(?P<text>.*)$")
_ADMONITION_STYLES = {"NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"}
_VERBATIM_MARKS = "-."
_QUOTE_MARK = "_"
# a delimited block's fence: four or more of one mark ("====", "=====" nested in it), or "--"
_DELIMITER = re.compile(r"^(?:(?P<mark>[-.=*+_/])(?P=mark){3,}|--)$")
_TABLE_FENCE = re.compile(r"^[|!,:]===\s*$")
_ADMONITION_WORDS = "NOTE|TIP|IMPORTANT|WARNING|CAUTION"
_SIGNAL = re.compile(rf"^(?:\[\[[\w:.-]+\]\]|:[\w-]+:.*|\[(?:{_ADMONITION_WORDS}|glossary)\]"
                     rf"|(?:{_ADMONITION_WORDS}): .*|toc::\[\]|\S.*? ::(?: .*)?)$", re.M)
_HEADING_LINE = re.compile(r"^={1,6} [^=\s].*$", re.M)

_BUILT_IN = {"nbsp": " ", "sp": " ", "empty": "", "plus": "+", "amp": "&", "lt": "<", "gt": ">",
             "startsb": "[", "endsb": "]", "vbar": "|", "apos": "'", "quot": '"', "zwsp": "",
             "deg": "°", "brvbar": "¦", "caret": "^", "tilde": "~", "backslash": "\\",
             "backtick": "`", "two-colons": "::", "two-semicolons": ";;", "cpp": "C++"}
_LINK_TEXT = re.compile(r"(?:link:|mailto:)?(?:https?://|ftp://|irc://|mailto:|\{[\w-]+\}|link:)"
                        r"[^\s\[\]]*\[(?P<text>[^\]]*)\]")
_BARE_LINK = re.compile(r"(?P<url>(?:https?|ftp|irc)://[^\s\[\]]+)\[\]")
_XREF = re.compile(r"<<(?P<target>[\w:./#-]+)(?:\s*,\s*(?P<text>[^>]*))?>>")
_XREF_MACRO = re.compile(r"xref:(?P<target>[\w:./#-]+)\[(?P<text>[^\]]*)\]")
_FOOTNOTE = re.compile(r"footnote(?:ref)?:[\w-]*\[[^\]]*\]")
_PASS = re.compile(r"(?:pass|kbd|btn|menu):(?:[^\s\[]*)\[(?P<text>[^\]]*)\]")
_ATTRIBUTE_REF = re.compile(r"\{(?P<name>[\w-]+)\}")
_HARD_BREAK = re.compile(r"\s\+$")
# an inline anchor ("=== Source Encoding [[utf-8]]"): a link target, invisible to a reader
_INLINE_ANCHOR = re.compile(r"\s*\[\[(?P<id>[A-Za-z_:][\w:.-]*)(?:,[^\]]*)?\]\]")
_ANCHOR_ID = re.compile(r"^\[\[(?P<id>[\w:.-]+)(?:,[^\]]*)?\]\]$|^\[#(?P<id2>[\w:.-]+)[^\]]*\]$")


def looks_like_asciidoc(text: str) -> bool:
    """Whether a text file is AsciiDoc: "== Section" lines, or one with another AsciiDoc mark."""
    headings = len(_HEADING_LINE.findall(text))
    return headings >= 2 or (headings == 1 and _SIGNAL.search(text) is not None)


def asciidoc_to_markdown(text: str) -> str:
    """The AsciiDoc as Markdown, line for line."""
    lines = text.split("\n")
    attributes = dict(_BUILT_IN)
    titles = _section_titles(lines)
    out: list[str] = []
    fence: str | None = None  # the delimiter of the comment or verbatim block we are in
    blocks: list[tuple[str, bool, bool]] = []  # open delimited blocks: delimiter, quoted, silent
    style: str | None = None  # the block style named by the last "[...]" line
    pending: str | None = None  # a glossary term whose gloss is on the next line
    table_start: int | None = None
    depth = 1  # the level of the last section title
    for i, line in enumerate(lines):
        stripped = line.rstrip()
        if fence is not None and fence[0] == "/":
            fence = None if stripped == fence else fence
            out.append("")
            continue
        if fence is not None:
            fence = None if stripped == fence else fence
            out.append("```" if fence is None else line)
            continue
        if table_start is not None:
            if _TABLE_FENCE.match(stripped):
                out.extend(_table(lines[table_start + 1:i], style, attributes, titles))
                style, table_start = None, None
            continue
        mark = _delimiter_mark(stripped)
        if mark and (mark == "/" or mark in _VERBATIM_MARKS and stripped != "--"):
            fence = stripped
            out.append("" if mark == "/" else "```")
            continue
        if _TABLE_FENCE.match(stripped):
            table_start = i
            out.append("")
            continue
        if mark:
            if blocks and blocks[-1][0] == stripped:
                blocks.pop()
            else:
                kind = _style_name(style)
                blocks.append((stripped, mark == _QUOTE_MARK or kind in _ADMONITION_STYLES,
                               _silent(style)))
            style = None
            out.append("")
            continue
        if any(silent for _, _, silent in blocks) or (_silent(style) and stripped):
            out.append("")  # an example, or a quotation of someone, states no rule of its own
            continue
        if stripped.startswith("//") and not stripped.startswith("///"):
            out.append("")  # a line comment
            continue
        entry = _ATTRIBUTE_ENTRY.match(stripped)
        if entry is not None:
            if entry.group("unset") or entry.group("unset2"):
                attributes.pop(entry.group("name"), None)
            else:
                attributes[entry.group("name")] = _inline(entry.group("value"), attributes, titles)
            out.append("")
            continue
        block_attributes = _BLOCK_ATTRIBUTES.match(stripped)
        if block_attributes is not None:
            body = block_attributes.group("body")
            style = body if not body.startswith("[") else style
            out.append("")
            continue
        if _BLOCK_MACRO.match(stripped) or stripped == "+":
            out.append("")
            continue
        section = _SECTION.match(stripped)
        depth = len(section.group("marks")) if section is not None else depth
        caption = _BLOCK_TITLE.match(stripped)
        if caption is not None and not blocks and (_over_prose(lines, i + 1) or
                                                   _over_collapsible(lines, i + 1) or
                                                   _over_sidebar(lines, i + 1)):
            out.append("#" * min(depth + 1, 6) + " " + _inline(caption.group("title"),
                                                               attributes, titles))
            continue
        markdown = _line(stripped, attributes, titles)
        if pending is not None and markdown.strip():
            markdown, pending = pending + markdown.strip(), None
        elif markdown.endswith(": ") and markdown.lstrip().startswith("- ") and stripped.endswith(
                ("::", ";;")):
            pending, markdown = markdown, ""
        if any(quoted for _, quoted, _ in blocks) and markdown.strip():
            markdown = "> " + markdown
        if not markdown.strip():
            style = None
        out.append(markdown)
    return "\n".join(out)


def _over_prose(lines: list[str], start: int) -> bool:
    """Whether the next block from line ``start`` on is a paragraph of prose: a block title
    over it (".One Sentence Per Line") reads as the paragraph's sub-heading, as Asciidoctor sets
    it; over a table, an image, a list or a delimited block it is a caption."""
    following = _next_text(lines, start)
    return bool(following) and following[0].isalpha() and not (
        _BLOCK_MACRO.match(following) or _LIST_ITEM.match(following) or
        _ADMONITION.match(following) or _SECTION.match(following) or
        _GLOSSARY.match(following) or _ATTRIBUTE_ENTRY.match(following))


def _over_collapsible(lines: list[str], start: int) -> bool:
    """Whether the block from line ``start`` on is a collapsible one ("[%collapsible]"): its
    title is the toggle a reader opens it by, so it reads as the sub-heading of what it holds."""
    attributes = _BLOCK_ATTRIBUTES.match(_next_text(lines, start))
    return attributes is not None and "%collapsible" in attributes.group("body")


def _over_sidebar(lines: list[str], start: int) -> bool:
    """Whether the block from line ``start`` on is a sidebar ("****"): its title is set as the
    box's heading (".Why Bother with 80 characters?"), the sub-heading of what it holds."""
    return _delimiter_mark(_next_text(lines, start)) == "*"


def _next_text(lines: list[str], start: int) -> str:
    """The first non-blank line from line ``start`` on, stripped ("" at the end)."""
    return next((line.strip() for line in lines[start:] if line.strip()), "")


def _delimiter_mark(line: str) -> str:
    """The character a delimited block's fence repeats ("=" for "====" or "=====", "-" for the
    open block's "--"), or "" for a line that is no fence."""
    delimiter = _DELIMITER.match(line)
    return "" if delimiter is None else delimiter.group("mark") or "-"


def _style_name(style: str | None) -> str:
    """The block style a "[...]" line names: "example" in "[example.recommend]" (a role after
    the dot), "" in "[%collapsible]" (an option only), "NOTE" in "[NOTE]"."""
    first = (style or "").split(",", 1)[0].strip()
    return re.split(r"[^\w-]", first, maxsplit=1)[0]


def _silent(style: str | None) -> bool:
    """Whether a block of this style says nothing of its own: an example (of writing, of
    output), or a quotation with its attribution ("[quote, Harold Abelson]": an epigraph)."""
    kind = _style_name(style)
    return kind == "example" or kind in ("quote", "verse") and "," in (style or "")


def _line(line: str, attributes: dict[str, str], titles: dict[str, str]) -> str:
    """One line outside any block, as Markdown."""
    section = _SECTION.match(line)
    if section is not None:
        return "#" * len(section.group("marks")) + " " + _inline(section.group("title"),
                                                                 attributes, titles)
    title = _BLOCK_TITLE.match(line)
    if title is not None:  # a caption of the block below (in italics: no sub-heading)
        return "*" + _inline(title.group("title"), attributes, titles) + "*"
    admonition = _ADMONITION.match(line)
    if admonition is not None:
        kind = admonition.group("kind").capitalize()
        return f"> {kind}: " + _inline(admonition.group("text"), attributes, titles)
    item = _LIST_ITEM.match(line)
    if item is not None:
        marker = item.group("marker")
        depth = len(marker) if marker[0] in "*." else 1
        bullet = "1. " if marker[0] == "." or marker[0].isdigit() or marker[1:] == "." else "- "
        return "  " * (depth - 1) + bullet + _inline(item.group("text"), attributes, titles)
    glossary = _GLOSSARY.match(line)
    if glossary is not None and "://" not in glossary.group("term"):
        depth = 1 if glossary.group("marks") == ";;" else len(glossary.group("marks")) - 1
        term = _inline(glossary.group("term").strip(), attributes, titles)
        gloss = _inline(glossary.group("gloss") or "", attributes, titles)
        return "  " * (depth - 1) + f"- {term}: {gloss}"
    return _inline(line, attributes, titles)


def _inline(text: str, attributes: dict[str, str], titles: dict[str, str]) -> str:
    """A line's inline markup reduced to the text a reader sees."""
    text = _HARD_BREAK.sub("", text)
    text = _INLINE_ANCHOR.sub("", text)
    text = _FOOTNOTE.sub("", text)
    text = _PASS.sub(lambda m: m.group("text"), text)
    text = _LINK_TEXT.sub(lambda m: m.group("text") or "", text)
    text = _BARE_LINK.sub(lambda m: m.group("url"), text)
    text = _XREF_MACRO.sub(lambda m: m.group("text") or _title_of(m.group("target"), titles), text)
    text = _XREF.sub(lambda m: (m.group("text") or "").strip()
                     or _title_of(m.group("target"), titles), text)
    return _ATTRIBUTE_REF.sub(lambda m: attributes.get(m.group("name"), m.group(0)), text)


def _title_of(target: str, titles: dict[str, str]) -> str:
    """What a cross-reference shows: the title of the section it points to, else its id."""
    anchor = target.split("#")[-1]
    return titles.get(anchor, anchor)


def _section_titles(lines: list[str]) -> dict[str, str]:
    """Each "[[id]]" anchor that stands above a section title, mapped to that title."""
    titles: dict[str, str] = {}
    for above, line in zip(lines, lines[1:], strict=False):
        anchor = _ANCHOR_ID.match(above.strip())
        section = _SECTION.match(line.rstrip())
        if anchor is not None and section is not None:
            titles[anchor.group("id") or anchor.group("id2")] = section.group("title")
        if section is not None:
            title = _INLINE_ANCHOR.sub("", section.group("title"))
            for inline in _INLINE_ANCHOR.finditer(section.group("title")):
                titles.setdefault(inline.group("id"), title)
    return titles


def _table(rows: list[str], style: str | None, attributes: dict[str, str],
           titles: dict[str, str]) -> list[str]:
    """A "|===" table's lines as a Markdown table, padded to the source's line count."""
    cells: list[str] = []
    columns = 0
    header = False
    for j, row in enumerate(rows):
        parts = [p.strip() for p in row.split("|")[1:]] if row.lstrip().startswith("|") else []
        if not parts and row.strip() and cells:
            cells[-1] += " " + row.strip()  # a cell continued on the next line
        if parts and not columns:
            columns = len(parts)
            header = j + 1 < len(rows) and not rows[j + 1].strip()
        cells.extend(parts)
    columns = _column_count(style) or columns or 1
    grid = [cells[k:k + columns] for k in range(0, len(cells), columns)]
    table = ["| " + " | ".join(_inline(c, attributes, titles) for c in row) + " |" for row in grid]
    if table and (header or (style or "").find("header") >= 0):
        table.insert(1, "|" + " --- |" * columns)
    elif table:
        table.insert(0, "|" + "   |" * columns)
        table.insert(1, "|" + " --- |" * columns)
    padded = table + [""] * max(len(rows) + 1 - len(table), 0)
    return padded[:max(len(rows) + 1, len(table))]


def _column_count(style: str | None) -> int:
    """The column count a "[cols=...]" attribute line names, or 0."""
    found = re.search(r'cols="?(?P<spec>[^"\]]+)"?', style or "")
    if found is None:
        return 0
    spec = found.group("spec")
    return int(spec) if spec.isdigit() else len(spec.split(","))
