"""HTML reader (standard library ``html.parser``): headings, paragraphs, list items (with their
nesting depth), Q&A, block quotes as call-outs, tables row by row (``<th>`` cells are headers),
a definition list's term with its gloss as one ``Term: gloss`` entry (a glossary).
Scripts, styles, navigation, code blocks and table-of-contents entries (an item that is only a
link to a place on the page) are skipped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from alignment_studio.framers.blocks import (
    Block,
    BlockType,
    RawDocument,
    clean_inline,
    table_row,
)
from alignment_studio.framers.parse.markdown import follows_lead_in, pair_questions
from alignment_studio.framers.parse.text import read_text
from alignment_studio.framers.statements import key_value

_SKIP = {"script", "style", "pre", "nav", "head", "template", "noscript"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "li", "blockquote", "div", "dd", "dt"}
_CELLS = {"td", "th"}


class _Reader(HTMLParser):
    """Collects text per block element; a nested block closes the text of its parent first."""

    def __init__(self, kept_classes: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.kept_classes = kept_classes  # classes the page's style shows line by line
        self.kept: str | None = None  # the tag of a block shown line by line, while open
        self.kept_nested = 0  # the same tag opened inside it
        self.blocks: list[Block] = []
        self.title: str | None = None
        self.skip = 0
        self.stack: list[str] = []  # open block-level tags
        self.quote_depth = 0
        self.text: list[str] = []
        self.start = 1
        self.in_title = False
        self.label = False  # a <strong> opened a call-out: its text is the label
        self.lists = 0  # open <ul>/<ol>: a list item's depth
        self.tables: list[list[str]] = []  # the header cells of each open table
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.header_row = False
        self.anchor = False  # inside a link to a place on the page (a table of contents)
        self.anchored: list[str] = []
        self.toc: bool | None = None  # whether the list being read is a table of contents
        self.term: Block | None = None  # a definition list's term, waiting for its gloss
        self.aria: list[tuple[str, str]] = []  # open role="heading" elements: tag, heading
        self.aria_nested: list[int] = []  # same tags opened inside each of them
        self.bold = 0  # open <strong>/<b> elements
        self.bold_text: list[str] = []  # the block's text set in bold
        self.italic = 0  # open <em>/<i> elements
        self.italic_text: list[str] = []  # the block's text set in italics
        self.last_level = 1  # the last heading's level: a bold title ranks below it
        self.typed = False  # the last block was a paragraph typed as an item ("a. X")
        self.hidden: str | None = None  # the tag of a site's menu, sidebar or breadcrumbs
        self.hidden_nested = 0  # the same tag opened inside it
        self.headerlink = False  # inside a heading's permalink ("¶"), which is no text
        self.admonition = False  # the block is a call-out box's own title
        self.sup = 0  # open <sup> elements: a footnote's mark ("publication.<sup>2</sup>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if self.hidden is not None:
            self.hidden_nested += tag == self.hidden
            return
        if _site_navigation(named):
            self.hidden, self.hidden_nested = tag, 0
            return
        if self.aria and tag == self.aria[-1][0]:
            self.aria_nested[-1] += 1  # a <div> inside the heading's <div>: its text
            return
        elif named.get("role") == "heading" and (tag in _BLOCKS or tag == "span"):
            # '<div role="heading" aria-level="2">': a heading however it is drawn
            level = named.get("aria-level") or "2"
            heading = f"h{min(max(int(level), 1), 6)}" if level.isdigit() else "h2"
            self.aria.append((tag, heading))
            self.aria_nested.append(0)
            tag = heading
        if self.kept is not None:
            self.kept_nested += tag == self.kept
            if tag == "br":
                self.text.append("\n")
            return
        if tag in _BLOCKS and _lines_kept(named, self.kept_classes):
            self._flush()
            self.kept, self.kept_nested, self.start = tag, 0, self.getpos()[0]
            return
        if tag in _SKIP:
            self.skip += 1
        elif self._table_start(tag):
            return
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists += 1
            self.stack.append(tag)
        elif tag == "title":
            self.in_title = True
        elif tag == "li" and self._open_item():
            self.handle_endtag("li")  # "<li>a<li>b": a new item ends the one left open
            self.handle_starttag(tag, attrs)
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()
            self.stack.append(tag)
            self.quote_depth += tag == "blockquote"
            self.start = self.getpos()[0]
            self.admonition = tag == "p" and "admonition-title" in _classes(named)
        elif tag == "br":
            self.text.append(" ")
        elif tag == "a":
            self.anchor = (named.get("href") or "").startswith("#")
            self.headerlink = "headerlink" in _classes(named)
        elif tag in ("strong", "b") and self.quote_depth and not "".join(self.text).strip():
            self.label = True
        if tag in ("strong", "b"):
            self.bold += 1
        self.italic += tag in ("em", "i")
        self.sup += tag == "sup"

    def handle_endtag(self, tag: str) -> None:
        if self.hidden is not None:
            if tag == self.hidden:
                self.hidden_nested -= 1
                if self.hidden_nested < 0:
                    self.hidden = None
            return
        if self.kept is not None:
            if tag == self.kept:
                self.kept_nested -= 1
                if self.kept_nested < 0:
                    self.kept = None
                    self._flush_lines()
            return
        if self.aria and tag == self.aria[-1][0]:
            self.aria_nested[-1] -= 1
            if self.aria_nested[-1] >= 0:
                return
            self.aria_nested.pop()
            tag = self.aria.pop()[1]
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif self._table_end(tag):
            return
        elif tag in ("ul", "ol"):
            while self._open_item():
                self.handle_endtag("li")  # the list's end ends an item left open
            self.lists = max(0, self.lists - 1)
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        elif tag == "title":
            self.in_title = False
        elif tag == "a":
            self.anchor = self.headerlink = False
        elif tag in ("strong", "b") and self.label:
            label = "".join(self.text).strip()
            if label.endswith(":") and len(label) <= 31:
                self.text = []
            self.label = False
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush(tag)
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            self.quote_depth -= tag == "blockquote"
        if tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        if tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        if tag == "sup":
            self.sup = max(0, self.sup - 1)

    def _open_item(self) -> bool:
        """Whether an <li> of the innermost open list is still open."""
        lists = [i for i, t in enumerate(self.stack) if t in ("ul", "ol")]
        return "li" in self.stack[lists[-1] + 1 if lists else 0:]

    def _table_start(self, tag: str) -> bool:
        """Tables are read row by row: True when the tag belonged to a table."""
        if tag == "table":
            self._flush()
            self.tables.append([])
        elif not self.tables:
            return False
        elif tag == "tr":
            self.row, self.header_row = [], True
        elif tag in _CELLS:
            self.cell = []
            self.header_row = self.header_row and tag == "th"
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        return True

    def _table_end(self, tag: str) -> bool:
        if not self.tables:
            return False
        if tag in _CELLS and self.cell is not None and self.row is not None:
            self.row.append(clean_inline("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.header_row and not self.tables[-1]:
                self.tables[-1] = self.row
            else:
                line = self.getpos()[0]
                row = table_row(self.row, self.tables[-1], line, line)
                if row is not None:
                    self.blocks.append(row)
            self.row = None
        elif tag == "table":
            self.tables.pop()
        return True

    def handle_data(self, data: str) -> None:
        if self.hidden is not None:
            return
        if self.cell is not None:
            if not self.skip:
                self.cell.append(data)
            return
        if self.in_title:
            self.title = (self.title or "") + data
        elif self.sup and _FOOTNOTE_MARK.match(data.strip()):
            return  # "... place of publication.<sup>2</sup> The four ...": no text of its own
        elif not self.skip and not self.headerlink:
            self.text.append(data)
            if self.bold:
                self.bold_text.append(data)
            if self.italic:
                self.italic_text.append(data)
            if self.anchor:
                self.anchored.append(data)

    def _flush_lines(self) -> None:
        """A block the page shows line by line (CSS "white-space: pre-line"), read as the plain
        text it renders as: its numbered titles, items and lead-ins (a terms page's "1.2.1."
        clauses under "User shall not:"). Its headings rank below the page's last heading."""
        text = "\n".join(line.strip() for line in "".join(self.text).split("\n"))
        self.text, self.anchored, self.bold_text, self.italic_text = [], [], [], []
        line = self.start + len(text) - len(text.lstrip("\n"))  # the first line of text
        for block in read_text(text.strip("\n") + "\n").blocks:
            level = min(self.last_level + block.level, 6) if block.type == BlockType.heading \
                else block.level
            self.blocks.append(block.model_copy(update={
                "level": level, "start_line": line + block.start_line - 1,
                "end_line": line + block.end_line - 1}))

    def _flush(self, closing: str | None = None) -> None:
        text = clean_inline("".join(self.text))
        anchored = clean_inline("".join(self.anchored))
        bold = clean_inline("".join(self.bold_text))
        italic = clean_inline("".join(self.italic_text))
        self.text, self.anchored, self.bold_text, self.italic_text = [], [], [], []
        if not text:
            return
        item = closing == "li" or "li" in self.stack
        if anchored == text and item:
            if self.toc is None:
                self.toc = not follows_lead_in(self.blocks)
            if self.toc:
                return  # "<li><a href="#issues">Issues</a>": an entry of a table of contents
        elif not item:
            self.toc = None
        tag = closing or (self.stack[-1] if self.stack else "p")
        kind = BlockType.paragraph
        level = 0
        text = _run_in(_glossed(text, bold), bold) if item else text  # a glossary's items
        if tag in _HEADINGS:
            kind, level = BlockType.heading, _HEADINGS[tag]
            self.last_level = level
        elif tag == "p" and not item and not self.quote_depth and (
                _bold_title(text, bold) or _italic_title(text, italic) or
                self.admonition and _admonition_title(text)):
            kind, level = BlockType.heading, min(self.last_level + 1, 6)
        elif self.quote_depth:
            kind = BlockType.callout
        elif tag == "li" or "li" in self.stack:
            kind, level = BlockType.list_item, max(self.lists - 1, 0)
        elif tag == "p" and (typed := _TYPED_ITEM.match(text)) and self.blocks and (
                self.blocks[-1].text.endswith(":") or self.blocks[-1].type == BlockType.list_item
                and self.typed):  # "<li>A Privacy Policy must:</li></ol><p>a. be written X</p>"
            kind, level, text = BlockType.list_item, self.blocks[-1].level + (
                0 if self.typed else 1), text[typed.end():]
        self.typed = kind == BlockType.list_item and tag == "p"
        term = self.term
        self.term = None
        entry = f"{term.text}: {text}" if term is not None and tag == "dd" else ""
        if term is not None and term is self.blocks[-1] and key_value(entry) is not None:
            # "<dt>Verifier</dt><dd>A volunteer who ...</dd>": a glossary entry
            self.blocks[-1] = term.model_copy(update={
                "type": BlockType.paragraph, "text": entry, "end_line": self.getpos()[0]})
            return
        self.blocks.append(Block(type=kind, text=text, level=level, start_line=self.start,
                                 end_line=self.getpos()[0]))
        if tag == "dt" and not text.endswith("?"):  # a question over its answer stays apart
            self.term = self.blocks[-1]


# the classes of a site's own menus and sidebars (Bootstrap's "navbar", "nav-collapse" and
# "bs-sidenav", Sphinx's "related" bar and "sphinxsidebar", "breadcrumbs")
_NAVIGATION_CLASS = re.compile(r"^(?:navbar|nav-collapse|[\w-]*sidenav|sphinxsidebar|sidebar|"
                               r"related|breadcrumbs?|main-menu|site-nav|[\w-]*skip-link)$")
# the landmarks of a site's own header and footer, around every page it serves
_SITE_ROLES = ("navigation", "banner", "contentinfo")


# a paragraph typed as a list's item: "a.\tbe written in plain language", "(b) provide X"
_TYPED_ITEM = re.compile(r"^\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})[.)]\s+(?=\S)")


def _site_navigation(attrs: dict[str, str | None]) -> bool:
    """An element that holds the site's navigation, not the page's text: role="navigation",
    the site's banner or footer, a menu's or sidebar's class (what <nav> holds on pages
    written without it), or a "Skip to main content" link."""
    return attrs.get("role") in _SITE_ROLES or any(_NAVIGATION_CLASS.match(c)
                                                    for c in _classes(attrs))


def _classes(attrs: dict[str, str | None]) -> list[str]:
    """An element's class names."""
    return (attrs.get("class") or "").split()


_DASH = re.compile(r"\s+[-–—]\s+(?=\S)")


def _glossed(text: str, bold: str) -> str:
    """"<li><strong>Voting member</strong> - any person who may vote": a glossary entry,
    written as "Term: gloss" as the other readers give one."""
    if not bold or not text.startswith(bold) or not 1 <= len(bold.split()) <= 6 or \
            bold.endswith((".", ":", "?", "!")):
        return text
    dash = _DASH.match(text, len(bold))
    return f"{bold}: {text[dash.end():]}" if dash else text


_NEXT_SENTENCE = re.compile(r"\s+(?=[A-Z][a-z]*\b)")


def _run_in(text: str, bold: str) -> str:
    """"<li><strong>Keep change to a minimum</strong> The bigger the change, ...": an item's
    bold opening words with no stop of their own, then a sentence, are its title; a full stop
    ends them, as a reader takes it."""
    if not bold or not text.startswith(bold) or not 1 <= len(bold.split()) <= 8 or \
            not bold[:1].isupper() or bold.endswith((".", ":", "?", "!", ",", ";", "-")):
        return text
    after = _NEXT_SENTENCE.match(text, len(bold))
    return f"{bold}. {text[after.end():]}" if after else text


def _bold_title(text: str, bold: str) -> bool:
    """A paragraph set wholly in bold, short and no sentence, question or lead-in
    ("<p><strong>Data we collect</strong></p>"): a title, as a bold line in a Word file is (a
    bold "What is a trademark?" opens a question with its answer, which the labels keep under
    the heading above). Spaces between bold runs ("<strong>Examples</strong> <strong>of</strong>")
    are not themselves bold, so they do not count."""
    return "".join(bold.split()) == "".join(text.split()) and len(text.split()) <= 12 and \
        not text.endswith((".", ":", ";", ",", "?"))


def _italic_title(text: str, italic: str) -> bool:
    """A paragraph set wholly in italics, shaped as a bold title is and capitalised, with no
    colon ("<p><em>Contribution guidance and files</em></p>" under an <h3>): a sub-title, not
    a date line ("<em>Last modified: June 11, 2020</em>") or an italic sentence."""
    return _bold_title(text, italic) and text[:1].isupper() and ":" not in text


_FOOTNOTE_MARK = re.compile(r"^\[?(\d{1,3}|[a-z]|[*†‡§])\]?$")
# the stock titles of a call-out box (MkDocs, Sphinx): a label, not a heading of its own
_STOCK_ADMONITIONS = {"note", "notes", "warning", "tip", "tips", "important", "caution", "danger",
                      "attention", "hint", "info", "example", "see also", "seealso", "abstract",
                      "todo", "error", "bug", "question", "quote", "success", "failure"}


def _admonition_title(text: str) -> bool:
    """'<p class="admonition-title">Voting on GeoServer Improvement Proposal (GSIP)</p>': a
    call-out box with a title of its own reads as a heading over the box; "Note" does not."""
    return text.lower().rstrip(" :.!") not in _STOCK_ADMONITIONS and _bold_title(text, text)


_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_PRE_LINE = re.compile(r"white-space\s*:\s*pre(?:-line|-wrap)?\b", re.I)
# utility classes that set it (Tailwind's "whitespace-pre-line", Bootstrap themes' "pre-line")
_PRE_CLASS = re.compile(r"^(?:whitespace-)?pre-(?:line|wrap)$")


def _kept_classes(page: str) -> frozenset[str]:
    """The classes the page's own style sheet shows line by line ("white-space: pre-line")."""
    return frozenset(name for style in _STYLE.findall(page) for selector, body in
                     _RULE.findall(style) if _PRE_LINE.search(body)
                     for name in re.findall(r"\.([\w-]+)", selector))


def _lines_kept(attrs: dict[str, str | None], kept: frozenset[str]) -> bool:
    """A block shown line by line: its style, a class the page's style sheet gives that, or a
    utility class named for it."""
    return _PRE_LINE.search(attrs.get("style") or "") is not None or any(
        c in kept or _PRE_CLASS.match(c) for c in _classes(attrs))


def read_html(text: str) -> RawDocument:
    reader = _Reader(_kept_classes(text))
    reader.feed(text)
    reader.close()
    reader._flush()
    title = " ".join(reader.title.split()) if reader.title else None
    h1 = [b for b in reader.blocks if b.type == BlockType.heading and b.level == 1]
    if len(h1) == 1 and reader.blocks[0] is h1[0]:
        title = h1[0].text  # the title a reader sees ("<title>" often adds the site's name)
    return RawDocument(title=title or None, blocks=pair_questions(reader.blocks))
