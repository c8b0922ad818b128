"""Markdown reader: front matter, Liquid/Jinja tags, headings, lists (with their nesting depth),
Q&A, call-outs, tables (one block per row, with the header cells), ``**Term:** gloss`` lines.
A table of contents (items that are only a link to a place on the page) is not read."""

from __future__ import annotations

import re

import yaml

from alignment_studio.framers.blocks import (
    Block,
    BlockType,
    RawDocument,
    clean_inline,
    table_row,
)
from alignment_studio.framers.parse.outline import ROMAN_MARKER, Depth
from alignment_studio.framers.statements import key_value

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
# "## Title ##", and kramdown's attribute lists ("## Title {#anchor}", "{: .class}") dropped
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?(?:\s*\{[#:][^}]*\})?\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
# an item that is one code span, with at most a parenthesis after it ("`make test`",
# "``make dist`` (and try rebuilding from the tar file)")
CODE_ONLY_ITEM = re.compile(r"^(?P<tick>`+)[^`]+(?P=tick)(?:\s*\([^()]*\))?[.;,]?$")
# a paragraph typed as an outline item ("a.      Bias for open", "iv. Development of X"),
# which Markdown does not make a list but a reader reads as one
_TYPED = re.compile(rf"^\s{{0,3}}(?P<marker>[a-zA-Z][.)]|{ROMAN_MARKER})\s+"
                    r"(?P<text>[A-Z\"“(].*)$")
# a clause's parts on lines of their own inside a paragraph ("must" / "(i) meet X, and" /
# "(ii) be approved by Y."): Markdown keeps them in the paragraph, a reader reads a list
_ENUMERATED = re.compile(r"^\s*\((?P<marker>[ivx]{1,4}|[a-h]|\d{1,2})\)\s+(?P<text>\S.*)$")
_SECOND = {"i": "ii", "a": "b", "1": "2"}
_ORDERED = re.compile(r"^(?P<marker>\d{1,3}[.)])\s")
_TOC_ENTRY = re.compile(r"\[[^\]]+\]\(#[^)\s]*\)")
_QUESTION = re.compile(r"^\*{0,2}Q[:.]\*{0,2}\s*(.*)$")
_ANSWER = re.compile(r"^\*{0,2}A[:.]\*{0,2}\s*(.*)$")
_CALLOUT_LABEL = re.compile(r"^\*\*([^*]{1,30}?):?\*\*:?\s*")
_FENCE = re.compile(r"^\s*(```|~~~)")
# Liquid call-outs ("{% alert %}") and Docusaurus admonitions (":::note" ... ":::")
_ALERT_OPEN = re.compile(r"^\s*\{%-?\s*(alert|callout|note|warning)\b[^%]*%\}\s*$|"
                         r"^\s*:::+\s*(note|tip|info|warning|caution|danger|important)\b.*$",
                         re.I)
_ALERT_CLOSE = re.compile(r"^\s*\{%-?\s*end(alert|callout|note|warning)\b[^%]*%\}\s*$|"
                          r"^\s*:::+\s*$")
# "##Scope." with no space after the hashes: a heading to Python-Markdown (MkDocs) and to a
# reader, not to CommonMark. Two or more hashes before a letter or digit; one hash only before a
# capitalised title of two or more words ("#Data retention policy.", not "#general", "#Slack").
_TIGHT_HEADING = re.compile(r"^(?:#{2,6}[A-Za-z0-9]|#[A-Z][^\s#]*\s+[^#]+$)")
# a raw HTML heading on a line of its own, as READMEs write them ("<h2 id="x">Bans</h2>")
_HTML_HEADING = re.compile(r"^\s*<h(?P<level>[1-6])\b[^>]*>(?P<text>.*?)</h(?P=level)>\s*$", re.I)
_ALERT_INLINE = re.compile(r"^\s*\{%-?\s*(alert|callout|note|warning)\b[^%]*%\}(.*)"
                           r"\{%-?\s*end\1\b[^%]*%\}\s*$")
_THEMATIC = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_RULE_ROW = re.compile(r"^[\s|:-]+$")
# a link reference definition ("[Editor]: ./policy.md#editor"), which a reader never sees
_REF_DEF = re.compile(r"^\s{0,3}\[(?P<label>[^\]]+)\]:\s*\S+")
# "[Participants][Workstream Participants]", "[Editor][]" or a bare "[Editor]" (a reference
# link only where its label is defined)
_REF_LINK = re.compile(r"(?<![\]!\\])\[(?P<text>[^\]\[]+)\](?:\[(?P<ref>[^\]]*)\])?(?![(:\[])")


def read_markdown(text: str) -> RawDocument:
    """Blocks of a Markdown document; line numbers refer to the original text."""
    title, offset, body = _front_matter(text)
    body = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    blocks = _blocks(_resolve_references(body.split("\n")), offset, titled=title is not None)
    return RawDocument(title=title, blocks=pair_questions(blocks))


def _tight_heading(line: str) -> re.Match[str] | None:
    """A heading written without a space after its hashes, matched as if it had one."""
    if not _TIGHT_HEADING.match(line):
        return None
    hashes = len(line) - len(line.lstrip("#"))
    return _HEADING.match(line[:hashes] + " " + line[hashes:])


def _html_heading(line: str) -> re.Match[str] | None:
    """A raw HTML heading line, matched as an ATX heading ("#" * level, text) would be."""
    found = _HTML_HEADING.match(line)
    return _HEADING.match("#" * int(found.group("level")) + " " + found.group("text")) \
        if found and found.group("text").strip() else None


def _resolve_references(lines: list[str]) -> list[str]:
    """Reference links as the text a reader sees ("[Editor]" -> "Editor"); their definitions
    blanked (line numbers kept). Lines in code fences are left as they are."""
    fenced, inside = [], False
    for line in lines:
        opens = bool(_FENCE.match(line))
        inside = inside != opens
        fenced.append(inside or opens)
    defs = [None if f else _REF_DEF.match(line) for line, f in zip(lines, fenced, strict=True)]
    defined = {_label(m.group("label")) for m in defs if m}
    if not defined:
        return lines

    def link(match: re.Match[str]) -> str:
        ref = match.group("ref") or match.group("text")
        return match.group("text") if _label(ref) in defined else match.group(0)

    return [line if f else "" if d else _REF_LINK.sub(link, line)
            for line, f, d in zip(lines, fenced, defs, strict=True)]


def _label(text: str) -> str:
    return " ".join(text.lower().split())


def _front_matter(text: str) -> tuple[str | None, int, str]:
    match = _FRONT.match(text)
    if not match:
        return None, 0, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    title = meta.get("title") if isinstance(meta, dict) else None
    return (str(title) if title else None), match.group(0).count("\n"), text[match.end():]


def _blocks(lines: list[str], offset: int, titled: bool = False) -> list[Block]:
    """The blocks of a Markdown body (``titled``: its front matter names the document, so a
    dated bold title opening the body is a section under that title)."""
    blocks: list[Block] = []
    buf: list[str] = []
    buf_type = BlockType.paragraph
    start = depth = 0
    in_fence = in_alert = False
    table: list[str] | None = None  # the header cells while inside a table
    toc: bool | None = None  # whether the list being read is a table of contents
    pages: bool | None = None  # whether its links to titled pages name them (no lead-in orders)
    outline: Depth | None = None  # typed outline markers seen: their kinds set the depth
    styles: dict[str, int] = {}  # numbering styles of bold titles ("I.", "1."), in order seen
    marked_level = 1  # the level of the last "#" heading
    bold_lines: dict[int, int] = {}  # unnumbered bold title lines: block index -> its level

    def flush(end: int) -> None:
        nonlocal buf, buf_type, depth
        text = clean_inline(" ".join(buf))
        if buf_type == BlockType.list_item and CODE_ONLY_ITEM.match(" ".join(buf).strip()):
            text = ""  # "- `make test`": a command or a sample, no sentence
        style = _bold_title_style(buf) if text and buf_type == BlockType.paragraph else None
        if text and buf_type == BlockType.paragraph and style is None and _bold_title(buf):
            bold_lines[len(blocks)] = min(marked_level + 1, 6)
        dated = _dated_title(buf) if not blocks and buf_type == BlockType.paragraph else None
        if dated is not None:  # "**DENO PRIVACY POLICY** 09 September 2024" opens the file
            blocks.append(Block(type=BlockType.heading, text=clean_inline(dated[0]),
                                level=2 if titled else 1,
                                start_line=start + offset + 1, end_line=end + offset))
            blocks.append(Block(type=BlockType.paragraph, text=clean_inline(dated[1]),
                                start_line=start + offset + 1, end_line=end + offset))
        elif style is not None:  # under the last "#" heading, one level per numbering style
            rank = styles.setdefault(style, len(styles) + 1)
            blocks.append(Block(type=BlockType.heading, text=_ESCAPED.sub(r"\1", text),
                                level=min(marked_level + rank, 6),
                                start_line=start + offset + 1, end_line=end + offset))
        elif text:
            block = _make_block(buf_type, text, buf, start + offset + 1, end + offset)
            blocks.append(block.model_copy(update={"level": depth}) if depth else block)
        buf, buf_type, depth = [], BlockType.paragraph, 0

    for i, line in enumerate(lines):
        if _FENCE.match(line):
            flush(i)
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if _ALERT_OPEN.match(line) or _ALERT_CLOSE.match(line):
            flush(i)
            in_alert = bool(_ALERT_OPEN.match(line))
            continue
        inline_alert = _ALERT_INLINE.match(line)
        if inline_alert:
            flush(i)
            buf, buf_type, start = [inline_alert.group(2).strip()], BlockType.callout, i
            flush(i + 1)
            continue
        heading = _HEADING.match(line) or _tight_heading(line) or _html_heading(line)
        item = _ITEM.match(line)
        typed = _TYPED.match(line) if not buf and not item else None
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        header = "|" in stripped and "|" in nxt and _TABLE_RULE.match(nxt) is not None
        if table is not None and "|" in stripped or header:
            flush(i)
            if header:
                table = _cells(stripped)
            elif not _RULE_ROW.match(stripped):
                row = table_row(_cells(stripped), table or [], i + offset + 1, i + offset + 1)
                if row is not None:
                    blocks.append(row)
            continue
        table = None
        if _SETEXT.match(line) and len(buf) == 1 and buf_type == BlockType.paragraph:
            text, level = clean_inline(buf[0]), 1 if stripped.startswith("=") else 2
            buf = []
            blocks.append(Block(type=BlockType.heading, text=text, level=level,
                                start_line=start + offset + 1, end_line=i + offset + 1))
        elif not stripped or _THEMATIC.match(line) or (
                stripped.startswith("|") and _TABLE_RULE.match(stripped)):
            flush(i)
        elif buf and _ANSWER.match(stripped) and _QUESTION.match(buf[0]):
            flush(i)  # "A:" right under "Q:" starts the answer paragraph
            buf, start = [stripped], i
        elif heading:
            flush(i)
            toc, pages, outline = None, None, None
            text = clean_inline(heading.group(2))
            if text:
                marked_level, styles = len(heading.group(1)), {}
                blocks.append(Block(type=BlockType.heading, text=text,
                                    level=len(heading.group(1)),
                                    start_line=i + offset + 1, end_line=i + offset + 1))
        elif typed:
            outline = outline or Depth()
            buf, buf_type, start = [typed.group("text")], BlockType.list_item, i
            depth = outline(typed.group("marker"), "")
        elif item:
            flush(i)
            if _TOC_ENTRY.fullmatch(item.group(2).strip()):
                toc = not follows_lead_in(blocks) if toc is None else toc
                if toc:
                    continue  # "- [Issues](#issues)": an entry of a table of contents
            if _titled_link(item.group(2).strip()):
                pages = not _modal_lead_in(blocks) if pages is None else pages
                if pages:
                    continue  # "- [Project Roadmap](ROADMAP.md)": the name of another page
            buf, buf_type, start = [item.group(2)], BlockType.list_item, i
            depth = len(item.group(1).expandtabs(4)) // 2
            ordered = _ORDERED.match(line)
            if outline is not None and ordered:  # "1." inside a typed outline ("a.", "i.")
                depth = outline(ordered.group("marker"), "")
        elif stripped.startswith(">"):
            if buf_type != BlockType.callout:
                flush(i)
                buf_type, start = BlockType.callout, i
            buf.append(stripped.lstrip("> ").strip())
        elif buf and _enumerated(lines, i, start):
            under = depth if _ENUMERATED.match(lines[start]) else \
                depth + 1 if buf_type == BlockType.list_item else 1  # the run's first part
            flush(i)
            buf, buf_type, start = [_ENUMERATED.sub(r"\g<text>", line)], BlockType.list_item, i
            depth = under
        else:
            if buf and buf_type == BlockType.paragraph and key_value(clean_inline(stripped)):
                flush(i)  # "**Term:** gloss" lines are entries of their own
            if not buf:
                start, toc, pages = i, None, None
                if in_alert:
                    buf_type = BlockType.callout
            buf.append(stripped)
    flush(len(lines))
    return _bold_headings(blocks, bold_lines)


def _bold_headings(blocks: list[Block], bold_lines: dict[int, int]) -> list[Block]:
    """An unnumbered bold line over prose ("**Meetings start on time**" then a paragraph) is a
    sub-heading of the "#" heading above; over a list it only names the group of items. Under
    a glossary's heading ("## Definitions") it is a term over its gloss: one "Term: gloss"
    entry, as a definition list's term and gloss are."""
    out: list[Block] = []
    glossary = False
    term: Block | None = None  # a glossary's term, waiting for the paragraph of its gloss
    for i, block in enumerate(blocks):
        if block.type == BlockType.heading:
            glossary = _GLOSSARY_TITLE.search(block.text) is not None
        over_prose = i in bold_lines and i + 1 < len(blocks) and \
            blocks[i + 1].type == BlockType.paragraph
        if term is not None:
            out.append(block.model_copy(update={"text": f"{term.text}: {block.text}",
                                                "start_line": term.start_line}))
            term = None
        elif over_prose and glossary and not block.text.endswith((".", ":", "?")):
            term = block
        elif over_prose:
            out.append(block.model_copy(update={"type": BlockType.heading,
                                                "level": bold_lines[i]}))
        else:
            out.append(block)
    return out


_GLOSSARY_TITLE = re.compile(r"\b(glossary|definitions?|terminology|key terms)\b", re.I)


_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<title>[^*_].*?)\1$")
_SECTION_MARK = re.compile(r"^(?:(?P<roman>[IVXLC]{1,6})|(?P<letter>[A-Z])|"
                           r"(?P<arabic>\d{1,2}(?:\.\d{1,2})*))\\?\.\s+[A-Z]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # "1\." as Markdown escapes a number's dot


_DATED_TITLE = re.compile(r"^(\*\*|__)(?P<title>[^*_][^*]*?)\1\s+(?P<date>(?:\S+\s+){0,4}"
                          r"\d{4}\.?)$")


def _dated_title(raw: list[str]) -> tuple[str, str] | None:
    """The title and date of a first paragraph that is a bold title and a date ("**DENO
    PRIVACY POLICY** 09 September 2024", "**Terms of Service** Last updated May 2024"), as a
    policy exported without heading marks opens."""
    found = _DATED_TITLE.match(raw[0].strip()) if len(raw) == 1 else None
    return (found.group("title").strip(), found.group("date")) if found else None


def _bold_title_style(raw: list[str]) -> str | None:
    """The numbering style ("roman", "letter", "arabic") of a paragraph of one line set wholly
    in bold that starts with a section's number, short and no sentence, question or lead-in
    ("**I. The Information We Collect**", "**1\\. Information You Provide To Us**"): a title.
    None for any other paragraph: an unnumbered bold line ("**Technical**") may only name a
    group of the items below it, as readers of such files take it."""
    title = _bold_line(raw)
    mark = _SECTION_MARK.match(title)
    if mark is None:
        return None
    return next(name for name, value in mark.groupdict().items() if value)


def _bold_line(raw: list[str]) -> str:
    """The text of a paragraph of one line set wholly in bold, up to twelve words and no
    sentence, question or lead-in; else ""."""
    bold = _BOLD_LINE.match(raw[0].strip()) if len(raw) == 1 else None
    title = bold.group("title").strip() if bold else ""
    return "" if len(title.split()) > 12 or title.endswith((".", ":", ";", ",", "?")) else title


def _bold_title(raw: list[str]) -> bool:
    """An unnumbered bold title line, not an exclamation either, nor a call-out that opens
    with its label ("**IMPORTANT: Do not file public issues for vulnerabilities**")."""
    title = _bold_line(raw)
    return bool(title) and not title.endswith("!") and not _LABELLED_NOTE.match(title)


_LABELLED_NOTE = re.compile(r"(important|note|warning|caution|attention|reminder|tip)\s*:\s*\S",
                            re.I)


def _enumerated(lines: list[str], i: int, start: int) -> bool:
    """Whether line i, inside the paragraph that began at line ``start``, is one of its parts
    on a line of their own: "(i)", "(a)" or "(1)" with its sibling "(ii)" ("(b)", "(2)")
    starting a line before the next blank one, or a later part of such a run (the block being
    read began as its earlier part)."""
    match = _ENUMERATED.match(lines[i])
    if match is None:
        return False
    second = _SECOND.get(match.group("marker"))
    if second is None:  # a later part: the part being read began as one
        return _ENUMERATED.match(lines[start]) is not None
    for line in lines[i + 1:]:
        if not line.strip():
            return False
        nxt = _ENUMERATED.match(line)
        if nxt is not None and nxt.group("marker") == second:
            return True
    return False


_LINK_ITEM = re.compile(r"\[(?P<text>[^\]]+)\]\([^)\s]+\)")
_MODAL_WORD = re.compile(r"\b(?:can|may|must|shall|should|will|need|have to)\b", re.I)
_MINOR_WORDS = {"a", "an", "and", "the", "of", "to", "for", "in", "on", "or", "with", "by", "at"}


def _titled_link(item: str) -> bool:
    """Whether a list item is only a link to another page under that page's title case name
    ("[Project Roadmap](ROADMAP.md)", "[SDK PR Guidelines](pr.md)"): it names the page."""
    link = _LINK_ITEM.fullmatch(item)
    words = link.group("text").split() if link is not None else []
    return len(words) >= 2 and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words) \
        and words[0][0].isupper()


def _modal_lead_in(blocks: list[Block]) -> bool:
    """Whether the list follows a lead-in with a modal ("For vacation, you can use:"), whose
    items are what it allows or orders, even when each is a link to a page."""
    return follows_lead_in(blocks) and _MODAL_WORD.search(blocks[-1].text) is not None


def follows_lead_in(blocks: list[Block]) -> bool:
    """Whether a list starting now follows a lead-in ("you can use:"): then a list of links
    to places on the page is its items, not a table of contents."""
    return bool(blocks) and blocks[-1].text.rstrip().endswith(":")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row ("| a | b |")."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [clean_inline(c.replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", inner)]


def _make_block(kind: BlockType, text: str, raw: list[str], start: int, end: int) -> Block:
    if kind == BlockType.callout:
        label = _CALLOUT_LABEL.match(raw[0]) if raw else None
        body = clean_inline(_CALLOUT_LABEL.sub("", " ".join(raw), count=1)) if label else text
        return Block(type=kind, text=body or text, start_line=start, end_line=end)
    return Block(type=kind, text=text, start_line=start, end_line=end)


def pair_questions(blocks: list[Block]) -> list[Block]:
    """Join a 'Q:' paragraph and the 'A:' paragraph after it into one Q&A block."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        q = _QUESTION.match(block.text) if block.type == BlockType.paragraph else None
        a = _ANSWER.match(nxt.text) if nxt and nxt.type == BlockType.paragraph else None
        if q and a and nxt:
            out.append(Block(type=BlockType.qa, text=a.group(1).strip(),
                             question=q.group(1).strip(), start_line=block.start_line,
                             end_line=nxt.end_line))
            i += 2
            continue
        out.append(block)
        i += 1
    return out
