"""HTML reader (standard library ``html.parser``): headings, paragraphs, list items, Q&A,
block quotes as call-outs. Scripts, styles, navigation and code blocks are skipped."""

from __future__ import annotations

from html.parser import HTMLParser

from alignment_studio.framers.blocks import Block, BlockType, RawDocument, clean_inline
from alignment_studio.framers.parse.markdown import pair_questions

_SKIP = {"script", "style", "pre", "nav", "head", "template", "noscript"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "li", "blockquote", "div", "td", "th", "dd", "dt"}


class _Reader(HTMLParser):
    """Collects text per block element; a nested block closes the text of its parent first."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title: str | None = None
        self.skip = 0
        self.stack: list[str] = []  # open block-level tags
        self.quote_depth = 0
        self.text: list[str] = []
        self.start = 1
        self.in_title = False
        self.label = False  # a <strong> opened a call-out: its text is the label

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()
            self.stack.append(tag)
            self.quote_depth += tag == "blockquote"
            self.start = self.getpos()[0]
        elif tag == "br":
            self.text.append(" ")
        elif tag in ("strong", "b") and self.quote_depth and not "".join(self.text).strip():
            self.label = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
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

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title = (self.title or "") + data
        elif not self.skip:
            self.text.append(data)

    def _flush(self, closing: str | None = None) -> None:
        text = clean_inline("".join(self.text))
        self.text = []
        if not text:
            return
        tag = closing or (self.stack[-1] if self.stack else "p")
        kind = BlockType.paragraph
        level = 0
        if tag in _HEADINGS:
            kind, level = BlockType.heading, _HEADINGS[tag]
        elif self.quote_depth:
            kind = BlockType.callout
        elif tag == "li" or "li" in self.stack:
            kind = BlockType.list_item
        self.blocks.append(Block(type=kind, text=text, level=level, start_line=self.start,
                                 end_line=self.getpos()[0]))


def read_html(text: str) -> RawDocument:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    reader._flush()
    title = " ".join(reader.title.split()) if reader.title else None
    return RawDocument(title=title or None, blocks=pair_questions(reader.blocks))
