"""PDF reader (pypdf, imported lazily): structure recovered from the text layer's layout.

A PDF has no headings or paragraphs, only positioned runs of text. pypdf's ``visitor_text``
gives each run's position, font and size; from those this module rebuilds lines, drops the
running headers, footers and page numbers that repeat on every page, and turns lines into
blocks: larger (or bold, numbered) lines become headings ranked by size, lines that start with a
bullet or number become list items, indented italic lines call-outs, and the rest paragraphs
re-joined across line and page breaks with end-of-line hyphens removed.

Block 'line' numbers are running line numbers in the extracted text layer: the n-th non-blank
line of all pages read in order, headers and footers included, so the same PDF always gives
the same numbers and a number can be found again in ``pypdf``'s ``extract_text`` output.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import Block, BlockType, RawDocument
from alignment_studio.framers.parse.limits import (
    MAX_PDF_CONTENT_MB,
    MAX_PDF_PAGES,
    MAX_PDF_STREAM_MB,
)
from alignment_studio.framers.parse.markdown import pair_questions
from alignment_studio.framers.parse.outline import Depth
from alignment_studio.framers.statements import SECTION_SIGN_NUMBER

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_ITALIC_FONT = re.compile(r"italic|oblique", re.I)
_CITING_END = re.compile(r"\b(paragraphs?|subparagraphs?|sections?|subsections?|clauses?|"
                         r"subpart|part|§+)$", re.I)
# bullets and numbers; Word's bullets exported in its Symbol and Wingdings fonts come out as
# private-use characters ("\uf0b7", "\uf0a7", "\uf0d8"); a statute's inserted and upper-case
# parts: "(2A)", "(a-1)", "(A)", "(ii)"; roman items "ii." under "i."
_MARKER = re.compile(r"^(?:[•◦▪‣∙·*–●○■□►➢✓✔\uf0b7\uf0a7\uf0d8\uf076\uf0fc-]|\(?\d{1,3}[.)]|"
                     r"\(?(?:[a-z]|ii|iii|iv|vi|vii|viii|ix|xi|xii)[.)]|\((?:\d{1,3}[A-Z]|[a-z]-\d{1,2}|[A-Z]|"
                     r"ii|iii|iv|vi|vii|viii|ix|xi|xii|xiii|xiv|xv)\))\s+")
# "2.3 Scope", and a municipal code's chapter.section number ("7.46.010 PURPOSE AND INTENT.")
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4}|\d{1,2}\.\d{1,3}\.\d{3})\.?\s+\S")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$",
                          re.I)
_TOC_ENTRY = re.compile(r"(?:\.\s*){4,}[ivxlc\d]{1,5}$", re.I)  # "2.1 Scope . . . . 4"
# a bold run-in title on a line of its own: "Scope and Applicability:", "Guiding Principle:"
_TITLE_COLON = re.compile(r"^[A-Z][\w'’-]*(?: (?:[A-Z][\w'’-]*|and|or|of|the|for|to|in|&))"
                          r"{0,5}:$")
# a numbered section whose title is a question, as plain-language regulations write them:
# "§ 1801.40 How long may a Scholar receive payments?"
_NUMBERED_QUESTION = re.compile(r"^(?:§+\s*)?\d{1,4}[a-z]?(?:\.\d{1,4}[a-z]?){0,4}\.?\s+\S.*\?$")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)]*$")
# a regulation's section title: "§ 422.4 Responsibilities of the Commissioner of Reclamation."
_SECTION_SIGN = re.compile(rf"^{SECTION_SIGN_NUMBER}\.?\s")
_SECTION_SIGN_TITLE = re.compile(rf"^{SECTION_SIGN_NUMBER}\.?\s+[A-Z][^.]{{2,150}}\.?$")
# "SECTION 1-3: SEPARATION OF POWERS.", "Article IV"
_LABELLED_SECTION = re.compile(r"^(section|article|part|chapter)\s+[\dIVXLC]+\b", re.I)
_HYPHENATED = re.compile(r"[A-Za-z]+-[A-Za-z]+")
_FULL_LINE = 50  # characters: a shorter line ended where its text did, not at the margin
_SCANNED = "no text layer — the PDF looks scanned; run OCR (e.g. ocrmypdf) first"
_DAMAGED = "the file is damaged or truncated; export or download it again"
_STREAM_LIMITS = ("zlib_maximum_output_length", "lzw_maximum_output_length",
                  "run_length_maximum_output_length", "brotli_maximum_output_length",
                  "jbig2_maximum_output_length", "array_based_stream_maximum_output_length")
_MB = 1024 * 1024
_DRAW = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do\b")  # "/Fm1 Do": draw the XObject Fm1


@dataclass(slots=True)
class _Line:
    """One line of the text layer with the layout facts that structure is recovered from."""

    number: int
    page: int
    x: float
    y: float
    size: float
    bold: bool
    italic: bool
    text: str
    columns: bool = False  # its runs stand in columns far apart: a table's row


@dataclass(slots=True)
class _Open:
    """The block being built: its kind, lines so far and where its text starts."""

    kind: BlockType
    lines: list[_Line]
    text_x: float
    level: int = 0


def read_pdf(path: Path) -> RawDocument:
    """Blocks of a text PDF; encrypted, broken, hostile and scanned (image-only) PDFs fail
    clearly, a damaged one never as 'no text layer'."""
    pypdf = _pypdf(path)
    with _bounded(pypdf), _pypdf_problems() as problems:
        reader = _open(pypdf, path)
        lines = _read_lines(reader, path)
        if not lines:
            raise StudioError(_no_text(reader, problems), path)
    return RawDocument(blocks=pair_questions(_blocks(_drop_furniture(lines))))


def _pypdf(path: Path) -> Any:
    try:
        import pypdf
    except ImportError as exc:
        raise StudioError("reading .pdf needs the 'pypdf' package: "
                          "pip install 'alignment-studio[formats]'", path) from exc
    return pypdf


def _open(pypdf: Any, path: Path) -> Any:
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise StudioError("encrypted PDF: remove the password first", path)
        pages = len(reader.pages)
    except StudioError:
        raise
    except pypdf.errors.DependencyError as exc:
        raise StudioError("encrypted PDF (AES): remove the password first, or install "
                          "'cryptography' to read PDFs with an empty password", path) from exc
    except Exception as exc:  # PdfReadError, ValueError, KeyError... on broken files
        raise _unreadable(exc, path) from exc
    if pages == 0:
        raise StudioError(f"not a readable PDF file (no pages): {_DAMAGED}", path)
    if pages > MAX_PDF_PAGES:
        raise StudioError(f"has {pages} pages, over the limit of {MAX_PDF_PAGES} for one policy "
                          "document; split it into several files", path)
    return reader


def _read_lines(reader: Any, path: Path) -> list[_Line]:
    try:
        return _lines(reader, path)
    except StudioError:
        raise
    except Exception as exc:  # pypdf raises many types on a damaged content stream
        raise _unreadable(exc, path) from exc


def _unreadable(exc: Exception, path: Path) -> StudioError:
    """A pypdf failure as one line: a passed limit names the limit, anything else is damage."""
    if type(exc).__name__ == "LimitReachedError":
        return StudioError(f"passes a limit while reading ({exc}); a stream may unpack to at "
                           f"most {MAX_PDF_STREAM_MB} MB: the file is hostile or damaged", path)
    return StudioError(f"not a readable PDF file ({type(exc).__name__}): {_DAMAGED}", path)


@contextmanager
def _bounded(pypdf: Any) -> Iterator[None]:
    """pypdf's decompression limits lowered to MAX_PDF_STREAM_MB for the read (pypdf >= 6.6
    has them as a configuration; older versions keep their own, higher, limits)."""
    apply = getattr(pypdf, "apply_configuration", None)
    current = getattr(pypdf, "get_configuration", lambda: None)()
    if apply is None or current is None:
        yield
        return
    limit = MAX_PDF_STREAM_MB * _MB
    with apply(**{name: limit for name in _STREAM_LIMITS if hasattr(current, name)}):
        yield


@contextmanager
def _pypdf_problems() -> Iterator[list[str]]:
    """pypdf logs what it found damaged and carries on; the CLI must print one line, so the
    messages are collected instead (a PDF without text and with problems is damaged)."""
    logger = logging.getLogger("pypdf")
    problems: list[str] = []
    handler = _Collect(problems)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield problems
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


class _Collect(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(" ".join(record.getMessage().split())[:120])


def _no_text(reader: Any, problems: list[str]) -> str:
    """Why a PDF gave no text: scanned pages, damage pypdf reported, or no text at all."""
    if _has_images(reader):
        return _SCANNED
    if problems:
        return (f"no text could be read, and pypdf reports damage ({problems[0]}): "
                f"{_DAMAGED}")
    return ("no text layer — the pages hold no text; if they are images of text, run OCR "
            "(e.g. ocrmypdf) first")


def _has_images(reader: Any) -> bool:
    for page in reader.pages:
        try:
            if page.images:
                return True
        except Exception:  # an unreadable image still means the page is an image
            return True
    return False


# --- text layer to lines ---------------------------------------------------------------------


def _lines(reader: Any, path: Path) -> list[_Line]:
    """Every page's lines; the decoded page content is bounded as a whole, since each stream
    alone may be up to MAX_PDF_STREAM_MB."""
    lines: list[_Line] = []
    content = 0
    for page_no, page in enumerate(reader.pages, start=1):
        content += _content_size(page)
        if content > MAX_PDF_CONTENT_MB * _MB:
            raise StudioError(f"its page content unpacks to over {MAX_PDF_CONTENT_MB} MB by page "
                              f"{page_no}, the limit for one policy document; split it into "
                              "several files", path)
        lines.extend(_page_lines(page, page_no, len(lines)))
    return lines


def _content_size(page: Any) -> int:
    """Bytes of the page's decoded content (pypdf keeps them for the text extraction), and of
    the forms it draws, once per time it draws each: pypdf reads a form again at every use, so
    a 4 KB file drawing a 1 MB form a hundred times would take minutes."""
    contents = page.get_contents()
    if contents is None:
        return 0
    data = contents.get_data()
    return len(data) + _forms_size(data, page.get("/Resources"), {}, 0)


def _forms_size(data: bytes, resources: Any, known: dict[int, int], depth: int) -> int:
    """Decoded bytes of the form XObjects that ``data`` draws (forms within forms too), each
    counted as often as it is drawn; ``known`` holds each form's own figure (0 while it is
    being measured, so a form that draws itself adds nothing)."""
    xobjects = _resolved(_resolved(resources).get("/XObject")) if resources else None
    if not xobjects or depth > 10:
        return 0
    total = 0
    for name, count in Counter(_DRAW.findall(data)).items():
        form = _resolved(xobjects.get("/" + name.decode("latin-1")))
        if form is None or form.get("/Subtype") != "/Form":
            continue
        if id(form) not in known:
            known[id(form)] = 0
            inner = form.get_data()
            known[id(form)] = len(inner) + _forms_size(
                inner, form.get("/Resources") or resources, known, depth + 1)
        total += count * known[id(form)]
    return total


def _resolved(value: Any) -> Any:
    """A pypdf object with an indirect reference followed."""
    return value.get_object() if hasattr(value, "get_object") else value


def _page_lines(page: Any, page_no: int, numbered: int) -> list[_Line]:
    """Lines of one page from the runs pypdf visits; a newline in a run ends a line."""
    runs: list[list[tuple[str, float, float, float, str]]] = [[]]

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[0] * tm[3] - tm[1] * tm[2]) * abs(cm[0] * cm[3] - cm[1] * cm[2])) ** 0.5
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i:
                runs.append([])
            if piece:
                runs[-1].append((piece, x, y, float(size) * scale, name))

    page.extract_text(visitor_text=visit)
    out: list[_Line] = []
    for parts in runs:
        line = _line(parts, page_no, numbered + len(out) + 1)
        if line is not None:
            out.append(line)
    return out


def _line(parts: list[tuple[str, float, float, float, str]], page: int,
          number: int) -> _Line | None:
    text = " ".join("".join(p[0] for p in parts).split())
    inked = [p for p in parts if p[0].strip()]
    if not text or not inked:
        return None
    chars = sum(len(p[0].strip()) for p in inked)
    size = sum(p[3] * len(p[0].strip()) for p in inked) / chars
    return _Line(number=number, page=page, x=inked[0][1], y=inked[0][2], size=round(size, 1),
                 bold=all(_BOLD_FONT.search(p[4]) for p in inked  # "**Scope**:" is bold
                          if any(c.isalnum() for c in p[0])),
                 italic=all(_ITALIC_FONT.search(p[4]) for p in inked), text=text,
                 columns=_in_columns(inked))


def _in_columns(parts: list[tuple[str, float, float, float, str]]) -> bool:
    """Whether a run starts far to the right of where the run before it can have ended (more
    than four character widths of blank): the cells of a table's row ("Licence ... Use")."""
    return any(b[1] - a[1] > (len(a[0]) * 0.6 + 4) * a[3] for a, b in itertools.pairwise(parts)
               if b[2] == a[2])


def _drop_furniture(lines: list[_Line]) -> list[_Line]:
    """Drop running headers/footers (same text, digits aside, at the same height on most pages)
    and bare page numbers at the top or bottom of a page. A one-page PDF has nothing to compare
    with, so there a short line in small print first or last on the page counts as furniture.
    Table-of-contents entries (dot leaders and a page number) repeat the headings: dropped too."""
    pages = len({line.page for line in lines})
    edges = _page_edges(lines)
    repeats = Counter(_furniture_key(line) for line in lines if line.number in edges)
    needed = max(2, (pages + 1) // 2)
    small = _body_size(lines) * 0.85
    ends = {lines[0].number, lines[-1].number}
    lines = [line for line in lines if not _TOC_ENTRY.search(line.text)]
    return [line for line in lines if line.number not in edges or not (
        (pages > 1 and repeats[_furniture_key(line)] >= needed)
        or (pages == 1 and line.number in ends and line.size <= small and len(line.text) <= 80)
        or _PAGE_NUMBER.match(line.text))]


def _page_edges(lines: list[_Line]) -> set[int]:
    """Numbers of the first two and last two lines of each page: where furniture lives."""
    by_page: dict[int, list[int]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line.number)
    return {n for numbers in by_page.values() for n in numbers[:2] + numbers[-2:]}


def _furniture_key(line: _Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.lower()), round(line.y / 4)


# --- lines to blocks -------------------------------------------------------------------------


def _body_size(lines: list[_Line]) -> float:
    """The size most characters are set in: the running text everything else is measured by."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0]


def _line_pitch(lines: list[_Line], body: float) -> float:
    """Usual distance between two lines of one paragraph (the low end of all distances)."""
    steps = sorted(a.y - b.y for a, b in zip(lines, lines[1:], strict=False)
                   if a.page == b.page and abs(a.size - body) < 0.6
                   and abs(b.size - body) < 0.6 and 0 < a.y - b.y < body * 4)
    return steps[len(steps) // 5] if steps else body * 1.2


def _heading_levels(lines: list[_Line], body: float) -> dict[tuple[float, bool], int]:
    """Heading styles (size, bold) ranked: the largest size is level 1, bold body text last."""
    styles = {(round(line.size * 2) / 2, line.bold) for line in lines
              if _is_heading_style(line, body)}
    ranked = sorted(styles, key=lambda s: (-s[0], not s[1]))
    return {style: level for level, style in enumerate(ranked, start=1)}


def _is_heading_style(line: _Line, body: float) -> bool:
    """Larger than the body text and short, or bold body-size text that reads like a title."""
    if len(line.text) > 200 or line.columns:
        return False
    if line.size >= body + 0.9:
        return True
    return bool(line.bold and abs(line.size - body) < 0.6 and len(line.text) <= 120
                and (not _SENTENCE_END.search(line.text) or _TITLE_COLON.match(line.text)
                     or _NUMBERED_QUESTION.match(line.text)
                     or line.text.endswith(".") and ". " not in line.text  # "7.46.010 PURPOSE."
                     and (_numbered_title(line.text[:-1])  # "SECTION 1-3: SEPARATION OF POWERS."
                          or _SECTION_SIGN_TITLE.match(line.text) is not None
                          or _LABELLED_SECTION.match(line.text) is not None))
                and (not _MARKER.match(line.text) or _numbered_title(line.text)))


def _numbered_title(text: str) -> bool:
    """A numbered title in bold ("2. Determining Whether a Conflict of Interest Exists"), not a
    bold list item: up to ten words, most of the long ones capitalised, no sentence."""
    words = text.split()[1:]
    long = [w for w in words if len(w) > 3]
    return _SECTION_NUMBER.match(text) is not None and 1 <= len(words) <= 10 and \
        words[0][:1].isupper() and sum(w[:1].isupper() for w in long) * 2 >= len(long) and \
        not _SENTENCE_END.search(text)


def _blocks(lines: list[_Line]) -> list[Block]:
    if not lines:
        return []
    body = _body_size(lines)
    pitch = _line_pitch(lines, body)
    levels = _heading_levels(lines, body)
    margins = _margins(lines, body)
    vocabulary = {w.lower() for line in lines for w in _HYPHENATED.findall(line.text)}
    blocks: list[Block] = []
    current: _Open | None = None
    previous: _Line | None = None
    depth_of = Depth()  # "(a) ... may not:" over "(1) ...": these markers nest, as in text
    run_ins = _bold_run_ins(lines, body, pitch)
    titles = _plain_titles(lines, body, pitch, margins)
    for i, line in enumerate(lines):
        kind = BlockType.paragraph if i in run_ins else BlockType.heading if i in titles \
            else _line_kind(line, body, margins[line.page])
        if kind != BlockType.heading and line.bold and current is not None and \
                previous is not None and current.kind == BlockType.heading and \
                _same_heading(previous, line, pitch):
            kind = BlockType.heading  # "7.46.110 MARIJUANA PRODUCED FOR ..." / "CONSUMPTION."
        starts_new = current is None or previous is None or _starts_block(
            current, previous, line, kind, pitch, margins[line.page])
        if starts_new and previous is not None and _cites_across_lines(previous, line):
            starts_new = False
        if starts_new:
            if current is not None:
                blocks.append(_finish(current, vocabulary))
            if kind != BlockType.list_item:
                depth_of = Depth()  # a heading or paragraph ends the list
            current = _start(line, kind, levels, body, depth_of)
        elif current is not None:
            current.lines.append(line)
        previous = line
    if current is not None:
        blocks.append(_finish(current, vocabulary))
    return blocks


def _bold_run_ins(lines: list[_Line], body: float, pitch: float) -> set[int]:
    """Bold body-size lines that open a paragraph with a bold sentence ("**All new code should
    be hosted in an account owned by the ... and**" / "accountability.** As projects ..."): a
    line that runs to the margin and goes straight on below is no title."""
    out: set[int] = set()
    for i, (line, nxt) in enumerate(itertools.pairwise(lines)):
        if line.bold and abs(line.size - body) < 0.6 and len(line.text) >= _FULL_LINE and \
                nxt.page == line.page and line.y - nxt.y <= pitch * 1.3 and \
                abs(nxt.size - line.size) < 0.3 and not _SENTENCE_END.search(line.text) and \
                not _MARKER.match(line.text) and not _SECTION_NUMBER.match(line.text) and \
                not _SECTION_SIGN.match(line.text) and \
                not _LABELLED_SECTION.match(line.text):
            # (not "§ 422.9 Reclamation law ... cooperative", nor "SECTION 2-6: ELECTION, TERM,
            # AND POWERS OF CITY COUNCIL" over "PRESIDENT AND VICE PRESIDENT")
            out.add(i)
    return out


def _plain_titles(lines: list[_Line], body: float, pitch: float,
                  margins: dict[int, float]) -> set[int]:
    """Titles set in the body's own font, standing alone between paragraph gaps: a line in
    capitals ("GENERAL PROVISIONS"), "SECTION 2 - SCOPE", a numbered title ("3. Posting")
    over a paragraph, or a whole line in italics at the margin (indented, it is a call-out:
    "SPDX-License-Identifier: Apache-2.0 OR MIT" quoted under "it SHOULD appear as-follows:");
    short, and no sentence."""
    out: set[int] = set()
    for i, (line, after) in enumerate(itertools.pairwise(lines)):  # the last line titles nothing
        alone = (i == 0 or _gap(lines[i - 1], line, pitch)) and _gap(line, after, pitch)
        words = line.text.split()
        if not alone or line.bold or line.columns or abs(line.size - body) >= 0.6 or \
                not 1 <= len(words) <= 10 or _SENTENCE_END.search(line.text):
            continue
        letters = [c for c in line.text if c.isalpha()]
        capitals = len(letters) >= 3 and line.text.upper() == line.text
        numbered = _SECTION_NUMBER.match(line.text) is not None and \
            line.text.split(maxsplit=1)[-1][:1].isupper() and not _MARKER.match(after.text)
        if numbered or not _MARKER.match(line.text) and (
                capitals or _LABELLED_SECTION.match(line.text) or
                line.italic and line.text[:1].isupper() and  # not an item "• PDF"
                line.x <= margins[line.page] + body * 0.8):
            out.add(i)
    return out


def _gap(upper: _Line, lower: _Line, pitch: float) -> bool:
    """Whether a paragraph's gap, or a page break, stands between two lines."""
    return upper.page != lower.page or upper.y - lower.y > pitch * 1.3


def _margins(lines: list[_Line], body: float) -> dict[int, float]:
    """Left edge of the body text on each page (pages may be offset, e.g. odd/even)."""
    margins: dict[int, float] = {}
    for line in lines:
        if abs(line.size - body) < 0.6 or line.size > body:
            margins[line.page] = min(margins.get(line.page, line.x), line.x)
    for line in lines:
        margins.setdefault(line.page, line.x)
    return margins


def _line_kind(line: _Line, body: float, margin: float) -> BlockType:
    if _is_heading_style(line, body):
        return BlockType.heading
    if _MARKER.match(line.text):
        return BlockType.list_item
    if line.italic and line.x > margin + body * 0.8:
        return BlockType.callout
    return BlockType.paragraph


def _starts_block(current: _Open, previous: _Line, line: _Line, kind: BlockType, pitch: float,
                  margin: float) -> bool:
    """Whether a line opens a new block or continues the one being built."""
    if kind == BlockType.heading or current.kind == BlockType.heading:
        return not (kind == current.kind == BlockType.heading and _same_heading(previous, line,
                                                                                 pitch))
    if kind == BlockType.list_item:
        return True
    if line.page == previous.page:
        if previous.y - line.y > pitch * 1.3:
            return True
        if current.kind == BlockType.list_item:
            return line.x < current.text_x - 1 and not _wraps_flush(current, previous, line)
        return kind != current.kind
    return _continues_on_next_page(current, previous, line, kind, margin) is False


def _cites_across_lines(previous: _Line, line: _Line) -> bool:
    """"... an act prohibited by paragraph" over "(a) of this section is ...": the "(a)" that
    opens the line is a reference wrapped onto it, not a list marker."""
    return (previous.page == line.page and line.text.startswith("(")
            and _CITING_END.search(previous.text) is not None)


def _wraps_flush(current: _Open, previous: _Line, line: _Line) -> bool:
    """A list item set flush with its marker ("(b) Addressing any offensive ... who is" over
    "lawfully present when ..."): a line at the marker's edge continues it when the line above
    ran on to the right (long, with its sentence unfinished)."""
    return (abs(line.x - current.lines[0].x) < 1 and len(previous.text) >= _FULL_LINE
            and not _SENTENCE_END.search(previous.text))


def _same_heading(previous: _Line, line: _Line, pitch: float) -> bool:
    """A heading wrapped over two lines: same style, same page, no paragraph gap between."""
    return (previous.page == line.page and abs(previous.size - line.size) < 0.3
            and previous.bold == line.bold and previous.y - line.y < max(pitch, line.size) * 1.6
            and not _SENTENCE_END.search(previous.text) and not _SECTION_NUMBER.match(line.text))


def _continues_on_next_page(current: _Open, previous: _Line, line: _Line, kind: BlockType,
                            margin: float) -> bool:
    """Across a page break there is no gap to measure: a list item continues at its hanging
    indent, a call-out in call-out style, a paragraph when its sentence is unfinished."""
    if current.kind == BlockType.list_item:
        return kind == BlockType.paragraph and (
            (line.x >= current.text_x - 1 and line.x > margin + 1)
            or _wraps_flush(current, previous, line))
    if kind != current.kind:
        return False
    if current.kind == BlockType.callout:
        return True
    unfinished = not _SENTENCE_END.search(previous.text)
    return unfinished or line.text[:1].islower()


def _start(line: _Line, kind: BlockType, levels: dict[tuple[float, bool], int],
           body: float, depth_of: Depth) -> _Open:
    if kind == BlockType.heading:
        level = levels.get((round(line.size * 2) / 2, line.bold), len(levels) + 1)
        number = _SECTION_NUMBER.match(line.text)
        if number and abs(line.size - body) < 0.6:  # "2.3 Scope" in bold body text
            level += number.group(1).count(".")
        return _Open(kind, [line], line.x, min(level, 6))
    if kind == BlockType.list_item:
        marker = _MARKER.match(line.text)  # a regulation's "(a)" / "(1)" nest by their kind,
        # other markers by where they stand
        depth = depth_of(marker.group().strip(), "") \
            if marker is not None and marker.group().startswith("(") else depth_of.at(line.x)
        return _Open(kind, [line], line.x + 2, depth)
    return _Open(kind, [line], line.x)


def _finish(block: _Open, vocabulary: set[str]) -> Block:
    text = _join([line.text for line in block.lines], vocabulary)
    if block.kind == BlockType.list_item:
        text = _MARKER.sub("", text, count=1)
    return Block(type=block.kind, text=text, level=block.level,
                 start_line=block.lines[0].number, end_line=block.lines[-1].number)


def _join(texts: list[str], vocabulary: set[str]) -> str:
    """Lines re-joined into running text. A hyphen at a line end before a lower-case letter only
    splits a word and goes, unless the document writes that word with a hyphen elsewhere
    ('non-government'); before a capital it is part of the word ('Self-Service') and stays."""
    out = texts[0]
    for text in texts[1:]:
        head = re.search(r"([A-Za-z]+)-$", out)
        tail = re.match(r"([A-Za-z]+)", text)
        if not head or not tail:
            out = f"{out} {text}"
        elif tail.group(1)[0].islower() and \
                f"{head.group(1)}-{tail.group(1)}".lower() not in vocabulary:
            out = out[:-1] + text
        else:
            out = out + text
    return out
