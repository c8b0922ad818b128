"""Plain-text reader.

Headings: underlined lines (Markdown's setext "=" and "-", and reStructuredText's adornments,
overlined or not, their levels in the order the styles first appear); ALL-CAPS lines; numbered
lines ("2.1 Scope"); "§ 2635.302 Title.", "Section 4", "Article 2 - Scope"; and short title-case
lines set off by blank lines ("Overtime Pay"). List items: '-', '*', '•', "1.", "1)", "(a)",
"(1)", "(iv)"; their depth follows the order in which marker kinds first appear ("(a)" then
"(1)" then "(i)", as in regulations) and indentation. ``Key: value`` lines are entries of their
own, read like list items. Code samples (paragraphs indented deeper than the prose, every line
code) are dropped. A file in Perl's POD ("=head1 NAME") is read as the Markdown it renders like
(``pod.py``), and so is AsciiDoc ("== Section", ``asciidoc.py``).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from alignment_studio.framers.blocks import Block, BlockType, RawDocument
from alignment_studio.framers.parse.asciidoc import asciidoc_to_markdown, looks_like_asciidoc
from alignment_studio.framers.parse.markdown import read_markdown
from alignment_studio.framers.parse.outline import ROMAN_MARKER, Depth, marker_kind
from alignment_studio.framers.parse.pod import looks_like_pod, pod_to_markdown
from alignment_studio.framers.parse.rst import looks_like_rst, rst_to_plain
from alignment_studio.framers.parse.vimhelp import looks_like_vim_help, vim_help_lines
from alignment_studio.framers.statements import (
    ASIDE_END,
    SECTION_SIGN_NUMBER,
    key_value,
    stock_labelled,
)

_NUMBERED = re.compile(r"^(\d+(?:[.-]\d+)*)\.?\s+([A-Z][^.!?]{1,80})\.?$")
_SECTION = re.compile(rf"^(?:{SECTION_SIGN_NUMBER}|"
                      r"(?:section|article|part|chapter|rule)\s+[\dIVXLC]+(?:[.-]\d+)*)"
                      r"(?:\s*[.:—–-]\s*|\s+)?(?P<title>.*)$", re.I)
_BULLET = re.compile(r"^(?P<indent>\s*)(?:\((?:\d{1,3}|[a-z]{1,4}|[A-Z])\))*"
                     rf"(?P<marker>[-*•◦▪]|\d{{1,3}}[.)]|[a-z][.)]|{ROMAN_MARKER}|#\.|"
                     r"\((?:\d{1,3}|[a-z]{1,4}|[A-Z])\))\s+(?P<text>.*)$")
# A copyright or version line under a title ("Copyright 1999 2002-2008 LaTeX3 Project",
# "LPPL Version 1.3c  2008-05-04"): no heading.
_NOTICE = re.compile(r"^(copyright|©)\s|\bversion\s+v?\d|\b\d{4}-\d\d-\d\d\b", re.I)
# a line of one repeated punctuation character under (and perhaps over) a title: Markdown's
# setext "=" and "-", and every adornment reStructuredText allows; or of a pair of them
# ("=-=-=-=-", a licence's title)
_UNDERLINE = re.compile(r"^\s*(?:(?P<char>[=\-~^\"'`+*#_<>])(?P=char){2,}|"
                        r"(?P<pair>[=\-~^*#]{2})(?P=pair){2,}[=\-~^*#]?)\s*$")
# a headline of Emacs outline mode (and Org): stars at the line's start, one per level
_OUTLINE = re.compile(r"^(?P<stars>\*+) (?P<title>\S.*)$")
_FIELD = re.compile(r"^[^:]{1,40}:\s+\S")  # "gnUSENET newsgroup: gnu.announce"
# a line of code or a constant ("G_GINT64_CONSTANT(11644473600U)", "11644473600ULL", "x;")
_CODE_LIKE = re.compile(r"[{};]|\w_\w|[A-Z0-9_]{3,}\(|\d{4,}[A-Za-z]")
_SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "by", "with",
                "at", "from", "as", "vs", "nor", "but", "per"}
MAX_HEADING_WORDS = 10
# words a lead-in that goes on in its items ends with ("Employees must" / "- report X")
_OPEN_ENDS = {"must", "should", "shall", "may", "can", "will", "to", "the", "a", "an", "and",
              "or", "of", "are", "is", "be", "that", "which", "who", "you", "we", "they", "not",
              "for", "with", "by", "in", "on", "include", "includes", "including", "such"}
# lower-case words that carry a sentence on from the line above ("The project uses Doxygen
# to document" / "the interfaces, and ...": a line shortened by its markup, no title)
_GOING_ON = {"the", "a", "an", "and", "or", "of", "to", "for", "with", "in", "on", "by", "that",
             "which", "as", "at", "from", "but", "its", "their"}
# adverbs that open a sentence going on from the one before, never a title
_SENTENCE_ADVERBS = {"likewise", "similarly", "however", "also", "otherwise", "therefore",
                     "thus", "then", "instead", "moreover", "furthermore", "again"}
# words that make a short line over a list a clause announcing it, not a title
_CLAUSE_WORDS = {"must", "should", "shall", "may", "can", "will", "are", "is", "following",
                 "not", "never", "please", "need", "have", "has"}


def read_asciidoc(text: str) -> RawDocument:
    """An AsciiDoc file, read as the Markdown it renders like."""
    return read_markdown(asciidoc_to_markdown(text))


def read_text(text: str) -> RawDocument:
    if looks_like_pod(text):  # Perl's documentation format, saved as text
        return read_markdown(pod_to_markdown(text))
    if looks_like_asciidoc(text):  # AsciiDoc source saved as text
        return read_asciidoc(text)
    if looks_like_vim_help(text):  # its titles are known from its markup
        lines, known = vim_help_lines(text)
        return _read_lines(text, lines, known, browser=False)
    raw = _without_page_furniture(text.split("\n"))
    lines, titles = _unbroken(raw)
    browser = lines is raw and _browser_copy(lines) and \
        not looks_like_rst(text, len(_adorned_headings(lines)))  # not text _unbroken has split;
    # not reStructuredText, whose unwrapped paragraphs sit beside wrapped definition lists
    read = _read_lines(text, lines, dict.fromkeys(titles, 2), browser)
    code = _code_samples(lines)
    return read.model_copy(update={"blocks": [
        b for b in read.blocks
        if not all(i in code for i in range(b.start_line - 1, b.end_line))]})


def _read_lines(text: str, lines: list[str], known: dict[int, int],
                browser: bool) -> RawDocument:
    """The blocks of the text's lines, ``known`` titles (line index -> level) among them."""
    listed, own_lines = _line_blocks(lines) if browser else (set(), set())
    items = _unmarked_items(lines) | listed
    terms = _definition_terms(lines)
    outline = _outline_headings(lines)
    lone = _lone_titles(lines) - items if browser else set()
    marked = {i for i in lone if _HEAD_MARK.match(lines[i])}  # "A) General Procedures"
    under = 3 if len(marked) >= 2 else 2  # unnumbered titles among numbered ones: sub-titles
    quoted = _quoted_titles(lines)
    adornments = _adorned_headings(lines)
    adorned = dict.fromkeys(items | terms | quoted, 0) | adornments | \
        known | {i: 2 if i in marked else under for i in lone} | \
        dict.fromkeys(_list_titles(lines, listed), under + 1) | \
        _rule_titles(lines) | _numbered_outline(lines) | outline  # a list's title: a sub-title
    # reStructuredText: its markup is not read, and where its titles are adorned, a line in
    # bold ("**Example**", "**SymPy Wiki** https://...") or one that opens a literal block
    # ("Correct::") is no title, nor one shown in a code sample
    not_titles: set[int] = set()
    if looks_like_rst(text, len(adorned)):
        if adornments:
            not_titles = {i for i, line in enumerate(lines) if i not in adornments and (
                line.lstrip().startswith("**") or line.rstrip().endswith("::"))}
        lines = rst_to_plain(lines)
        not_titles |= {i for i in adornments if not lines[i].strip()}  # one in a code sample
    blocks: list[Block] = []
    buf: list[str] = []
    start = 0
    kind = BlockType.paragraph
    depth = 0
    depth_of = Depth()

    def flush(end: int) -> None:
        nonlocal buf, kind, depth
        joined = " ".join(" ".join(buf).split())
        if joined:
            blocks.append(Block(type=kind, text=joined, level=depth, start_line=start + 1,
                                end_line=end))
        buf, kind, depth = [], BlockType.paragraph, 0

    for i, line in enumerate(lines):
        stripped = line.strip()
        heading = _heading_level(lines, i, adorned) if i not in not_titles else 0
        if not blocks and not buf and (heading or _title_line(lines, i)):
            heading = 1  # the first line: the document's title
        bullet = _BULLET.match(line)
        if heading:
            flush(i)
            title = bullet.group("text") if bullet and not _NUMBERED.match(stripped) else stripped
            if i in outline:
                title = _OUTLINE.sub(r"\g<title>", line)
            blocks.append(Block(type=BlockType.heading, text=_heading_text(title),
                                level=heading, start_line=i + 1, end_line=i + 1))
        elif not stripped or _UNDERLINE.match(stripped):
            flush(i)
        elif bullet or (bullet := _CLAUSE_ITEM.match(line)):
            flush(i)
            buf, kind, start = [bullet.group("text")], BlockType.list_item, i
            depth = depth_of(bullet.group("marker"), bullet.group("indent"))
        elif i in terms:  # a definition list's term: a paragraph of its own
            flush(i)
            buf, start = [stripped], i
            flush(i + 1)
        elif i in items:  # an item of a list that lost its markers
            flush(i)
            buf, kind, start = [stripped], BlockType.list_item, i
        elif i in own_lines:  # a paragraph on one line of a browser's copy
            flush(i)
            buf, start = [stripped], i
        elif key_value(stripped) is not None and (buf or kind == BlockType.list_item):
            flush(i)  # consecutive "Key: value" lines are one entry each
            buf, kind, start = [stripped], BlockType.list_item, i
        else:
            if not buf:
                start = i
                if key_value(stripped) is not None:
                    kind = BlockType.list_item
            buf.append(stripped)
    flush(len(lines))
    title = blocks[0].text if blocks and blocks[0].type == BlockType.heading else None
    return RawDocument(title=title, blocks=blocks)


_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*(?:of|/)\s*\d+|"
                          r"-\s*\d+\s*-)\s*$", re.I)  # "Page 2 of 4", "3/12", "- 7 -"


# a line of a code sample beyond what ``_CODE_LIKE`` finds (braces, semicolons, snake_case): a
# call at its end, a preprocessor line or comment mark, an assignment, a lone keyword or "...",
# a control statement
_CODE_LINE = re.compile(r"^\s*(?:#\s*(?:define|include|if|ifn?def|endif|else)\b|//|/\*|\*/)|"
                        r"\w\([^()]*\)\s*$|^\s*[\w.\[\]*]+\s*[-+*/|&]?=\s*\S|"
                        r"^\s*(?:do|else|return|\.\.\.)\s*$|^\s*(?:if|while|for|switch)\s*\(")


def _code_samples(lines: list[str]) -> set[int]:
    """The indexes of the lines of code samples: paragraphs indented deeper than the file's
    body text whose every line reads as code ("for (i = 0; i < n; i++) {", "do",
    "hit_list total_chars file_name") and none ends like a sentence. The reader drops the
    blocks made of them only, so that the lines around read as before."""
    widths = Counter(_indent(line) for line in lines if line.strip() and not _code_line(line))
    if not widths:
        return set()
    body = widths.most_common(1)[0][0]  # the prose's indent
    code: set[int] = set()
    start = 0
    while start < len(lines):
        block = lines[start:start + len(_paragraph(lines, start))]
        if block and min(map(_indent, block)) > body and all(map(_code_line, block)):
            code.update(range(start, start + len(block)))
        start += max(len(block), 1)
    return code


def _code_line(line: str) -> bool:
    """A line that reads as code and does not end like a sentence."""
    return bool(_CODE_LINE.search(line) or _CODE_LIKE.search(line)) and \
        not re.search(r"(?<!\.\.)[.:?]\s*$", line)


def _without_page_furniture(lines: list[str]) -> list[str]:
    """A PDF's text as pypdf gives it, without its page furniture: the page numbers ("Page 2 of
    4") and the running header or footer line beside them that repeats on the pages, so that a
    paragraph broken by a page reads on. Text with fewer than two page numbers is left as it
    is."""
    numbers = {i for i, line in enumerate(lines) if _PAGE_NUMBER.match(line)}
    if len(numbers) < 2:
        return lines
    beside = Counter(lines[k].strip() for i in numbers for k in (i - 1, i + 1)
                     if 0 <= k < len(lines) and lines[k].strip() and k not in numbers)
    running = {text for text, count in beside.items()
               if count >= 2 and len(text.split()) <= MAX_HEADING_WORDS + 5}
    drop = numbers | {k for i in numbers for k in (i - 1, i + 1)
                           if 0 <= k < len(lines) and lines[k].strip() in running}
    return [line for k, line in enumerate(lines) if k not in drop]


def _browser_copy(lines: list[str]) -> bool:
    """Whether the text reads as a web page copied from a browser: paragraphs not wrapped
    (some lines far longer than a wrapped text's 80 characters), blank lines, and no list
    markers (a footnote's "*" aside)."""
    filled = [line for line in lines if line.strip()]
    long = sum(len(line.rstrip()) > _UNWRAPPED for line in filled)
    marked = sum(_BULLET.match(line) is not None for line in filled)
    return long >= max(3, 0.1 * len(filled)) and any(not line.strip() for line in lines) and \
        marked <= max(2, 0.05 * len(filled))


_HEAD_MARK = re.compile(r"^\s*(?:\(?[A-Za-z\d]{1,3}[.)]|\d+(?:\.\d+)+\.?|§+)\s+\S")


def _lone_titles(lines: list[str]) -> set[int]:
    """In a browser's copy, where every paragraph ends a sentence, the lines that stand alone
    between blank lines without closing punctuation, of up to fifteen words, capitalised:
    the page's headings ("Dryad obligations, representations and warranties to Partners,
    Submitters and Users")."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        text = line.strip()
        alone = text and (i == 0 or not lines[i - 1].strip()) and \
            (i + 1 == len(lines) or not lines[i + 1].strip())
        words = len(ASIDE_END.sub("", text).split())  # "Strongly Recommended (not counted ...)"
        if alone and words <= 15 and (text[:1].isupper() or text[:1].isdigit()) \
                and not text.endswith((".", ":", ";", ",", "!")) and key_value(text) is None:
            out.add(i)
    return out


def _list_titles(lines: list[str], listed: set[int]) -> set[int]:
    """In a browser's copy, a line set off by blank lines right above a list that lost its
    markers, shaped as a title ("Level 1 (minor errors) - All Versions" / "Images"), not a
    clause ("The following are prohibited")."""
    out: set[int] = set()
    for i in sorted(listed):
        if i - 1 in listed:
            continue  # not the run's first line
        j = next((k for k in range(i - 1, -1, -1) if lines[k].strip()), -1)  # the line above
        if j < 0 or j in listed or j + 1 == i or j > 0 and lines[j - 1].strip():
            continue  # the line above must stand alone between blank lines
        line = lines[j].strip()
        if _title_shape(line) and len(line.split()) <= MAX_HEADING_WORDS and \
                not _CLAUSE_WORDS.intersection(w.lower() for w in line.split()):
            out.add(j)
    return out


def _line_blocks(lines: list[str]) -> tuple[set[int], set[int]]:
    """In a web page copied from a browser (``_browser_copy``): paragraphs not wrapped (one
    line each), no list markers, a blank line after paragraphs and titles and none between a
    list's items. The lines of each run of lines without a blank one are blocks of their own:
    list items (the first set) after a lead-in that ends with ':' or when most of the run's
    lines do not end a sentence, else paragraphs (the second set)."""
    items: set[int] = set()
    paragraphs: set[int] = set()
    i = 0
    while i < len(lines):
        run = _paragraph(lines, i) if lines[i].strip() else []
        if len(run) < 2:
            i += max(len(run), 1)
            continue
        lead = _previous_line(lines, i - 1).endswith(":")
        open_ended = sum(not line.strip().endswith((".", "!", "?")) for line in run)
        target = items if lead or open_ended > len(run) / 2 else paragraphs
        target.update(range(i, i + len(run)))
        i += len(run)
    return items, paragraphs


_UNWRAPPED = 110  # a longer line is a paragraph nobody wrapped


def _table_row(line: str) -> bool:
    """A table's row saved as text, its cells tab-separated."""
    return line.count("\t") >= 2


def _unbroken(lines: list[str]) -> tuple[list[str], set[int]]:
    """Text with almost no blank lines (Word's "plain text" puts each paragraph on one line; a
    PDF's extracted text wraps paragraphs at the page width) with a blank line after each line
    that ends a paragraph: one that ends a sentence or stops well short of the text's width,
    before a line that starts a new one (a capital, a number, a quote or a list marker). Also
    the lines that are titles: well short of the width, without closing punctuation, of up to
    ten words, over a new paragraph ("Information security policy and acceptable use policy"),
    which only the width tells from a wrapped paragraph's first line."""
    filled = [line for line in lines if line.strip()]
    ends = sum(line.rstrip().endswith((".", ":", "!", "?")) or _table_row(line)
               for line in filled)  # a sentence's end or a table's row
    if len(filled) < 12 or sum(not line for line in lines) > 0.25 * ends:
        return lines, set()  # blank lines end its paragraphs (a line of spaces: a list's gap)
    width = sorted(len(line.rstrip()) for line in filled)[int(0.9 * len(filled))]
    out: list[str] = []
    titles: set[int] = set()
    for i, line in enumerate(lines):
        text, nxt = line.strip(), lines[i + 1].strip() if i + 1 < len(lines) else ""
        starts = nxt[:1].isupper() or nxt[:1].isdigit() or nxt[:1] in "\"“(§[" or \
            _BULLET.match(lines[i + 1] if nxt else "") is not None or \
            _table_row(nxt)
        if starts and len(text) < 0.6 * width and _not_an_item(line, nxt) and \
                len(text.split()) <= MAX_HEADING_WORDS and _title_shape(_unmarked(line)) and \
                (not out or not out[-1].strip() or i == 0 or len(out) - 1 in titles or
                 lines[i - 1].rstrip().endswith((".", ":", "!", "?", ";")) or
                 _table_row(lines[i - 1])):
            titles.add(len(out))
        out.append(line)
        if not text or not nxt:
            continue
        ends = text.endswith((".", ":", "!", "?", ";")) or len(line.rstrip()) < 0.75 * width \
            or _table_row(text)  # a table's row ends where its line does
        if ends and starts:
            out.append("")
    return out, titles


def _unmarked(line: str) -> str:
    """A line without its list marker ("a. Repositories": "Repositories"), stripped."""
    bullet = _BULLET.match(line)
    return bullet.group("text").strip() if bullet else line.strip()


def _not_an_item(line: str, nxt: str) -> bool:
    """A line without a list marker, or a lettered or numbered title over a paragraph ("a.
    Repositories" / "Most open source code is ..."), not an item over the next item."""
    bullet = _BULLET.match(line)
    return bullet is None or _title_like(bullet.group("text")) and \
        bool(re.match(r"\s*\(?[a-z\d]{1,2}[.)]\s", line)) and _BULLET.match(nxt) is None


def _definition_terms(lines: list[str]) -> set[int]:
    """The terms of a reStructuredText-style definition list: a short line without closing
    punctuation, after a blank line, over its definition indented deeper ("Preemptive" /
    "    Users should be told of changes ..."). Not a quoted glossary term ("`Work'"), which
    stays one entry with its gloss."""
    out: set[int] = set()
    for i in range(len(lines) - 1):
        line, nxt = lines[i], lines[i + 1]
        text = line.strip()
        if not text or not nxt.strip() or (i and lines[i - 1].strip()) or \
                _indent(nxt) <= _indent(line) or len(text.split()) > 8 or \
                text.endswith((".", ":", ";", ",", "?", "!")) or text[0] in "`'\"“‘" or \
                _BULLET.match(line) or _UNDERLINE.match(nxt.strip()):
            continue
        out.add(i)
    return out


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _unmarked_items(lines: list[str]) -> set[int]:
    """The lines that are items of a list that lost its markers (no headings), as a web
    page copied from a browser reads: two or more one-line paragraphs after a lead-in that
    ends with ':' ("Less restricted federal employees may not:" / "Distribute campaign
    materials"), each without closing punctuation, up to a sentence, a longer paragraph, a
    marked list or a title in title case."""
    out: set[int] = set()
    run: list[int] = []
    after_lead_in = False
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        paragraph = _paragraph(lines, i)
        line = lines[i].strip()
        item = len(paragraph) == 1 and after_lead_in and not _BULLET.match(lines[i]) and \
            not _title_like(line) and not line.endswith((".", "!", "?"))
        if item:
            run.append(i)
        else:
            out.update(run if len(run) >= 2 else [])
            run = []
        after_lead_in = item or paragraph[-1].endswith(":") and not _BULLET.match(lines[i])
        i += len(paragraph)
    return out | set(run if len(run) >= 2 else [])


# a sentence that ends inside the line ("Created from X. CC BY-SA 4 license", "When in doubt,
# ASK! (in #g-security)"): no title
_SENTENCE_END = re.compile(r"[a-z]{2}[.!?] +[A-Z(]|[A-Z]{2}[!?] +[A-Z(]")
_SERIES_ENDS = (";", ",", " and", " or")  # an item of a series ends so, and is followed by one
# a clause numbered in two or more levels with a closing period, not a title ("1.2.1.  copy,
# translate or modify the Services;"): an item, numbered at its level
_CLAUSE_ITEM = re.compile(r"^(?P<indent>\s*)(?P<marker>\d{1,2}(?:\.\d{1,2}){1,4}\.)\s+"
                          r"(?P<text>\S.*)$")
# a numbered title line, perhaps with a closing period ("1.  Services.", "8. Term and
# Termination."): a heading when its own first sub-clause ("1.1.") follows
_TITLE_OVER_CLAUSES = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][^.!?:]{1,60})\.?$")
_BARE_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){2,}\.?$")  # "1.1.1", "2.2.1.3"
_RULE_NUMBER = re.compile(r"^(?:\((?=\d{1,2}\)))?(\d{1,2})[.)]\s+[A-Z]")  # "1.", "1)", "(1)"


def _rule_titles(lines: list[str]) -> dict[int, int]:
    """Numbered one-line rules, each set off by blank lines and followed by paragraphs that
    explain it ("1. Plugins must be compatible with the GPL." / "Although any ..." / "2. ...";
    "(0) Decide what to base your work on." / ... / "(1) Make separate commits."),
    as a web page of numbered rule headings reads when saved as text: headings (level 3), not
    a list. A numbered list whose items follow one another stays a list."""
    numbers = {i: int(match.group(1)) for i, line in enumerate(lines)
               if (match := _RULE_NUMBER.match(line)) and
               (i == 0 or not lines[i - 1].strip()) and
               (i + 1 == len(lines) or not lines[i + 1].strip()) and len(line) <= 200
               and not line.rstrip().endswith(_SERIES_ENDS)}  # "(1) A statement of X;": an item
    starts = list(numbers)
    out: dict[int, int] = {}
    run: list[int] = []
    for i in [*starts, None]:
        if i is not None and run and numbers[i] == numbers[run[-1]] + 1 and \
                _explained(lines, run[-1], i):
            run.append(i)
            continue
        if len(run) >= 2:
            out.update({n: 3 for n in run})
        run = [i] if i is not None and numbers[i] in (0, 1) else []
    return out


_OUTLINE_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+"
                             r"(?P<title>[A-Z][^.!?:;]{0,60})\.?$")


def _numbered_outline(lines: list[str]) -> dict[int, int]:
    """Short numbered titles set off by blank lines whose numbers run as a document's outline
    ("0. Prerequisites." / "1. Coding style." / "1.1 Portability." / "1.2 ..." / "2. ..."),
    with at least one sub-number: headings at their depth, whatever closes them."""
    found: list[tuple[int, tuple[int, ...]]] = []
    listed: int | None = None  # the last plain number of a list read since the last title
    for i, line in enumerate(lines):
        match = _OUTLINE_NUMBER.match(line) or _RULE_NUMBER.match(line.strip())
        if match is None:
            continue
        number = tuple(int(n) for n in match.group(1).split("."))
        set_off = (i == 0 or not lines[i - 1].strip()) and \
            (i + 1 == len(lines) or not lines[i + 1].strip())
        title = match.re is _OUTLINE_NUMBER and len(match.group("title").split()) <= 8
        if not (set_off and title) or (found and not _follows(found[-1][1], number)) or \
                (not found and number[-1] > 1) or (listed is not None and number == (listed + 1,)):
            listed = number[0] if len(number) == 1 else listed  # "3." after a list's "2."
            continue
        found.append((i, number))
        listed = None
    if len(found) < 3 or all(len(n) == 1 for _, n in found):
        return {}
    return {i: len(number) + 1 for i, number in found}


def _follows(before: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """Whether an outline number comes next after another: its first sub-number, or the next
    number at its own or an outer level ("1.2" after "1.1" or "1.1.3"; "2" after "1.2")."""
    if number == (*before, 0) or number == (*before, 1):
        return True
    depth = len(number)
    return depth <= len(before) and number[:-1] == before[:depth - 1] and \
        number[-1] == before[depth - 1] + 1


def _explained(lines: list[str], start: int, end: int) -> bool:
    """Whether the lines between two numbered rules hold a paragraph that is not a list item."""
    return any(line.strip() and not _BULLET.match(line) for line in lines[start + 1:end])


def _adornment(lines: list[str], i: int) -> tuple[str, bool] | None:
    """The underline style of a title at line i: its character and whether the same line is
    over it too (reStructuredText's "=====/Title/====="); None when line i is not one."""
    line = lines[i].strip()
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    under = _UNDERLINE.match(nxt)
    if not line or under is None or _UNDERLINE.match(line) or len(line) > 100:
        return None
    prev = lines[i - 1].strip() if i else ""
    over = bool(prev) and prev == nxt
    if prev and not over and not _fitted(line, nxt):
        return None
    return under.group("char") or under.group("pair"), over


def _fitted(line: str, under: str) -> bool:
    """Whether an underline is as long as its title, which ends no sentence: a title even
    right under a paragraph, without the blank line between ("...supplementary regulations." /
    "Good Faith" / "----------")."""
    return len(under) == len(line) and not line.endswith((".", ",", ";", ":", "!", "?"))


def _adorned_headings(lines: list[str]) -> dict[int, int]:
    """Line index -> heading level of each underlined (or overlined) title, a style's level
    set by the order the styles first appear, as reStructuredText reads them ("=" then "-" in
    Markdown's setext headings)."""
    levels: dict[tuple[str, bool], int] = {}
    out: dict[int, int] = {}
    for i in range(len(lines)):
        style = _adornment(lines, i)
        if style is not None:
            out[i] = levels.setdefault(style, len(levels) + 1)
    return out


def _outline_headings(lines: list[str]) -> dict[int, int]:
    """Line index -> level + 1 of each headline of a file in Emacs outline layout ("* General
    Information about all lists", "** Subtopic"), as GNU's etc/ files and Org notes are
    written: at least three star lines open a part (a blank line, then text that is no list
    item; or a deeper star line) and two thirds of the one-star lines do, none of them ending
    a sentence, so a list of "* item" lines is not read so. A deeper star line that is a
    field of the headline above it ("** Send contributions to: list@host")
    is an entry, not a headline."""
    stars = {i: m for i, line in enumerate(lines) if (m := _OUTLINE.match(line))}

    def opens(i: int) -> bool:
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        deeper = _OUTLINE.match(nxt)
        if deeper:
            return len(deeper["stars"]) > len(stars[i]["stars"])
        following = _next_line(lines, i + 1)
        return not nxt.strip() and bool(following) and not _BULLET.match(following) and \
            not _OUTLINE.match(following)

    heads = [i for i in stars if opens(i)]
    tops = [i for i in stars if len(stars[i]["stars"]) == 1]
    if len(heads) < 3 or len([i for i in heads if i in tops]) * 3 < len(tops) * 2 or \
            any(stars[i]["title"].rstrip().endswith((".", ";", ",")) for i in heads):
        return {}
    return {i: len(m["stars"]) + 1 for i, m in stars.items()
            if len(m["stars"]) == 1 or not _FIELD.match(m["title"])}


def _quoted_titles(lines: list[str]) -> set[int]:
    """Title lines of a block quoted by indentation ("        Developer's Certificate of Origin
    1.1" over the certificate's indented text): the quoted text's own title, not a heading of
    the document. A centred title over text at the margin stays a heading."""
    indents = Counter(_indent(line) for line in lines if line.strip())
    if not indents:
        return set()
    quoted = indents.most_common(1)[0][0] + 4
    return {i for i, line in enumerate(lines) if line.strip() and _indent(line) >= quoted and
            _indent(_next_line(lines, i + 1)) >= quoted}


def _heading_level(lines: list[str], i: int, adorned: dict[int, int]) -> int:
    """0 if line i is no heading; else the level of its underline style (``adorned``), 2 (ALL
    CAPS, §/Section, title case) or numbering depth + 1."""
    if i in adorned:
        return adorned[i]
    line = lines[i].strip()
    if _table_row(line):
        return 0
    prev_blank = i == 0 or not lines[i - 1].strip()
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    following = _next_line(lines, i + 1)
    if _BARE_NUMBER.match(line) and following and not _BULLET.match(following):
        return line.count(".") + 2  # "1.1.1" alone over its clause, as a PDF saved as text
    over = _TITLE_OVER_CLAUSES.match(line)
    if over and re.match(rf"{re.escape(over.group(1))}\.1\b", following) and \
            _title_like(over.group(2)):
        return over.group(1).count(".") + 2  # "1.  Services." over "1.1.  License. ..."
    after_lead_in = i > 0 and lines[i - 1].rstrip().endswith(":") and bool(_numbered(line))
    long_title = line.startswith("§") and len(line) <= 200  # "§ 7001.103 Statutory prohibition
    # against interests in contracts to carry mail and acting as agent for contractors."
    if not line or len(line) > 100 and not long_title or \
            not (prev_blank or _stacked(lines, i) or after_lead_in) or _NOTICE.search(line):
        return 0
    bullet = _BULLET.match(lines[i])
    if bullet and _run_in_title(bullet, lines, i):
        return 2 + len(bullet.group("indent").expandtabs(4)) // 2
    if bullet and not _NUMBERED.match(line):
        return 0
    section = _SECTION.match(line)
    title = section.group("title").strip() if section else ""
    if section and (not title or title[0].isupper() and (not nxt or _title_like(title))):
        return 2
    numbered = _numbered(line)
    wrapped = i + 1 < len(lines) and (lines[i + 1][:1] in (" ", "\t") or nxt[:1].islower()) \
        and bool(nxt)  # indented, or going on in lower case: the line's sentence continues
    item_end = line.endswith((".", ":", *_SERIES_ENDS))
    before = _previous_line(lines, i - 1) if bullet else ""
    if bullet and (line.endswith(_SERIES_ENDS) or before.endswith(_SERIES_ENDS) and
                   _BULLET.match(before) is not None):
        return 0  # "2. Trusted Role appointments; and" / "3. Network Boundary Controls"
    if numbered and not _BULLET.match(following) and not item_end and not wrapped:
        # (not "1. Make a local copy of the" over its indented continuation "   Checklist.")
        return numbered.group(1).count(".") + 2
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and line.upper() == line and not line.endswith((".", ":")) and \
            not _CODE_LIKE.search(line):  # not "G_GINT64_CONSTANT(11644473600U)"
        return 2
    if _colon_title(line) and nxt:
        return 2  # "Security of processing:" / "The transmission of personal data is ..."
    lead_in = line.endswith(":") and _BULLET.match(following) is not None
    if not nxt and (_title_like(line) or _short_title(lines, i)) and key_value(line) is None \
            and not lead_in:  # "Recommended:" over its items announces them
        return 2
    if _title_over_text(lines, i):
        return 2
    return 0


def _colon_title(line: str) -> bool:
    """A noun phrase of two to five words ending in ':' with no verb of a clause ("User
    rights:", "Legal basis for the processing:"), a bold title in the source; not "Required:"
    nor a lead-in ("You must:", "Employees are expected to:")."""
    words = line[:-1].split()
    return line.endswith(":") and 2 <= len(words) <= 5 and _title_shape(line[:-1]) and \
        not _CLAUSE_WORDS.intersection(w.lower() for w in words) and \
        not _OPEN_ENDS.intersection(w.lower() for w in words[-1:])


def _stacked(lines: list[str], i: int) -> bool:
    """"Disclosing X" / "Immediate Disclosure" / "All individuals must ...": a title right under
    its section's title, itself set off by a blank line."""
    return i >= 1 and (i == 1 or not lines[i - 2].strip()) and \
        _bare_title(lines[i - 1].strip()) and _title_over_text(lines, i)


def _title_over_text(lines: list[str], i: int) -> bool:
    """A short title line right above its paragraph, with no blank line between ("What We
    Strive For" / "We strive to create ..."), as Markdown saved as text reads: a title line
    (``_bare_title``) over a paragraph that starts a sentence, is clearly longer and ends like
    one; over a list ("Security" / "- Do not attempt to X"); or over a sub-section's title
    line that is itself over its text."""
    line = lines[i].strip()
    if not _bare_title(line):
        return False
    paragraph = _paragraph(lines, i + 1)
    if not paragraph or _UNDERLINE.match(paragraph[0]):
        return False
    if _BULLET.match(lines[i + 1]):  # "Security" over "- Do not attempt to X" (not "Employees
        return not _BULLET.match(lines[i])  # must" over its items: an open end)
    if len(paragraph) > 1 and _bare_title(paragraph[0]) and _title_over_text(lines, i + 1):
        return True  # the section's title over a sub-section's title over its text
    prose = list(itertools.takewhile(lambda text: not _BULLET.match(text), paragraph))
    first, joined = paragraph[0], " ".join(prose)  # "Types" / "If you work X you:" / "- can Y"
    if len(prose) == 1 and joined.endswith(":") and len(joined.split()) <= 3 and \
            _BULLET.match(_next_line(lines, i + 1 + len(paragraph))):
        return True  # "Generalities" / "Required:" / "1. All interactions ..."
    named = first[:1].isupper() or first[:1] in "\"“" or len(line) < 0.6 * len(first) and \
        not _CLAUSE_WORDS.intersection(line.lower().split()) and \
        first.split()[0] not in _GOING_ON  # "Becoming a maintainer" /
    # "conda-forge is a ..." (not "You can manage your subscription" / "including ...")
    longer = len(joined) > len(line) + 10 or line.endswith("?")  # an answer may be short
    return named and longer and joined.endswith((".", ":", "!", "?")) and \
        len(joined.split()) >= 4


def _next_line(lines: list[str], start: int) -> str:
    """The first line from ``start`` on that is not blank ("" at the end); the list is not
    copied, as this runs for every line."""
    return next((lines[k] for k in range(start, len(lines)) if lines[k].strip()), "")


def _previous_line(lines: list[str], end: int) -> str:
    """The last non-blank line at or before ``end``, stripped ("" at the start)."""
    return next((lines[k].strip() for k in range(end, -1, -1) if lines[k].strip()), "")


def _paragraph(lines: list[str], start: int) -> list[str]:
    """The stripped lines from ``start`` up to the next blank line."""
    out: list[str] = []
    for k in range(start, len(lines)):
        if not lines[k].strip():
            break
        out.append(lines[k].strip())
    return out


def _bare_title(line: str) -> bool:
    """A line that reads as a title with nothing under it but text: up to eight words (six
    in sentence case, which a wrapped paragraph's first line could be) or a question of up to
    twenty ("What is On-Call?"), capitalised, without closing punctuation or an open end
    ("Employees must")."""
    words = line.split()
    question = line.endswith("?") and len(words) <= 20
    if not _title_shape(line) or len(line) > (100 if question else 60):
        return False
    return question or len(words) <= 8 and (len(words) <= 6 or _title_like(line))


def _title_shape(line: str) -> bool:
    """Capitalised, ending in a word, ")" or "?" (no closing punctuation), not a ``Key: value``
    line or a labelled aside ("Example: --use-feature=2020-resolver"), and not ending in an
    open end ("Employees must"; "What We Strive For" is a title)."""
    words = line.split()
    return bool(words) and line[:1].isupper() and not _SENTENCE_END.search(line) and \
        (line[-1:].isalnum() or line.endswith(("?", ")"))) and key_value(line) is None and \
        not stock_labelled(line) and \
        (words[-1].lower().strip("?") not in _OPEN_ENDS or _title_like(line))


def _run_in_title(bullet: re.Match[str], lines: list[str], i: int) -> bool:
    """A lettered paragraph that is only a short title ("(a) Definitions.", "(b) Code of
    business ethics and conduct.") over text or deeper items, as regulations and contract
    clauses number their parts; an item followed by its sibling ("(c) Stealing property.")
    stays an item."""
    text = bullet.group("text").strip()
    marker = bullet.group("marker")
    if not re.fullmatch(r"\([a-z]\)", marker) or not text.endswith(".") or text.count(".") > 1 \
            or any(c in text for c in ",;:") or len(text.split()) > MAX_HEADING_WORDS or \
            not text[0].isupper():
        return False
    nxt = next((line for line in lines[i + 1:] if line.strip()), "")
    before = next((line for line in reversed(lines[:i]) if line.strip()), "")
    if not nxt or _SECTION.match(nxt.strip()) or _sibling(bullet, before):
        return False
    return not _sibling(bullet, nxt)


def _sibling(bullet: re.Match[str], line: str) -> bool:
    """Whether a line is a list item of the same kind ("(c)" and "c." alike) and indent as
    ``bullet``; "(i)" beside "(h)" or "(j)" is a letter."""
    other = _BULLET.match(line)
    if other is None:
        return False
    mine, theirs = bullet.group("marker"), other.group("marker")

    def kind(marker: str, beside: str) -> str:
        inner = marker.strip("().")
        if not inner.isalnum():
            return marker  # "-", "*", "•"
        return marker_kind(f"({inner})", after_h=beside.strip("().") in ("h", "j")).strip("()")

    return kind(mine, theirs) == kind(theirs, mine) and \
        other.group("indent") == bullet.group("indent")


def _title_line(lines: list[str], i: int) -> bool:
    """The document's first line standing alone, short and without closing punctuation: its
    title, however long or numbered ("41 CFR Part 102-74, Subpart C - Conduct on Federal
    Property")."""
    line = lines[i].strip()
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    cited = _NUMBERED.match(line)  # "52.203-13 Contractor Code of Business Ethics."
    closed = line.endswith((":", ";", ",")) or line.endswith(".") and not (
        cited and re.search(r"[.-]", cited.group(1)))
    return bool(line) and not nxt and len(line) <= 100 and not _BULLET.match(lines[i]) \
        and not closed and key_value(line) is None


def _numbered(line: str) -> re.Match[str] | None:
    """A numbered heading ("2.1 Scope"), not a citation that starts with a number ("41 CFR
    Part 102-74", "5 U.S.C. 7301": an abbreviation after a bare number, in a mixed-case line)."""
    numbered = _NUMBERED.match(line)
    if numbered is None or "." in numbered.group(1):
        return numbered
    rest = numbered.group(2)
    if re.match(r"\d+\.\s", line):
        return numbered  # "3. IP address": a citation has no full stop after its number
    first = re.sub(r"[^A-Za-z]", "", rest.split()[0])
    citation = len(first) >= 2 and first.isupper() and not rest.isupper()
    return None if citation else numbered


def _short_title(lines: list[str], i: int) -> bool:
    """A line of at most ten words, set off by blank lines, without
    closing punctuation, over a paragraph that is a sentence ("Ask questions", "License and
    attribution", "Protection of assets"); over a list ("Personal property" / "- Only members
    are allowed to ...") unless it reads as a clause ("The following are prohibited"); over
    another such title ("Space maintenance" / "Cleaning" / "- Keep the dishes clean"); or a
    question over anything ("How do I become a member?"), as Markdown saved as text reads."""
    line = lines[i].strip()
    start = next((n for n in range(i + 1, len(lines)) if lines[n].strip()), len(lines))
    paragraph = _paragraph(lines, start)
    set_off = _title_shape(line) and (len(line.split()) <= MAX_HEADING_WORDS and len(line) <= 80
                                      or _long_title(line))
    if not (_bare_title(line) or set_off) or not paragraph:  # blank lines on both sides: up
        return False  # to ten words ("Taking space property out of the space")
    if line.endswith("?"):
        return True
    if _BULLET.match(lines[start]):
        return not _CLAUSE_WORDS.intersection(w.lower() for w in line.split())
    if len(paragraph) == 1 and start + 1 < len(lines) and not lines[start + 1].strip() and \
            _bare_title(paragraph[0]) and _heading_level(lines, start, {}) == 2:
        return True  # a section's title over its first sub-section's title
    after = " ".join(paragraph)
    return line[-1:].isalnum() and after.endswith((".", ":", "!")) and \
        len(after.split()) > len(line.split()) + 3


def _long_title(line: str) -> bool:
    """Eleven to fourteen words with every word but the small ones capitalised ("Our Use of
    “Cookies” and How It Affects Your Visit to Our Website"): a title however long."""
    words = re.findall(r"[A-Za-z][\w'’-]*", line)
    long_words = [w for w in words if w.lower() not in _SMALL_WORDS]
    return len(line.split()) <= 14 and len(line) <= 90 and len(long_words) >= 4 and \
        all(w[0].isupper() for w in long_words)


def _title_like(text: str) -> bool:
    """A short line in title case without closing punctuation ("Gifts Between Employees",
    "Overtime pay and comp time" is not; "Overview." is, as a regulation's section title)."""
    text = text.strip()
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if not words or len(text.split()) > MAX_HEADING_WORDS or text.endswith((",", ";", "?")) \
            or _CODE_LIKE.search(text):
        return False
    if text.endswith(".") and (len(words) > 6 or text.count(".") > 1 or
                               words[0].lower() in _SENTENCE_ADVERBS):
        return False  # not "Likewise for CXXFLAGS, FCFLAGS, and F77FLAGS."
    long_words = [w for w in words if w.lower() not in _SMALL_WORDS]
    capitalised = sum(w[0].isupper() for w in long_words)
    return words[0][0].isupper() and capitalised * 4 >= len(long_words) * 3


def _heading_text(line: str) -> str:
    """The heading's title without its number, "§ 2635.302" or "Section 4" label, or a closing
    period; ALL-CAPS titles in title case."""
    numbered = _numbered(line)
    section = _SECTION.match(line)
    text = numbered.group(2) if numbered else line
    if section and section.group("title").strip():
        text = section.group("title")
    text = text.strip().rstrip(".:").strip() or line
    text = _undecorated(text)
    return text.title() if text.isupper() else text


_FRAMED = re.compile(r"^[\[<=*~#+_-]{1,5}\s*(?P<title>\w.*?)\s*[\]>=*~#+_-]{1,5}$")
_TRAILING_RULE = re.compile(r"^(?P<title>.*?\w)\s+([=*~#_-])\2+$")


def _undecorated(text: str) -> str:
    """A title without the marks drawn around it ("[ Rules ]", "--- Rules ---", "Rules ***")."""
    found = _FRAMED.match(text) or _TRAILING_RULE.match(text)
    return found.group("title") if found else text
