"""DOCX reader (python-docx, imported lazily).

Heading styles become sections; in a file without them, a short paragraph set in bold or in a
larger font than the body text is a heading too (as in the PDF reader), its level ranked by
size. List styles, Word numbering and '•'/'-' bullets make list items, quote styles call-outs;
tables are read row by row in document order, the first row giving the column headers; 'Q:'/'A:'
paragraphs pair as in Markdown.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import Block, BlockType, RawDocument, clean_inline, table_row
from alignment_studio.framers.parse.limits import check_zip_package
from alignment_studio.framers.parse.markdown import pair_questions
from alignment_studio.framers.parse.outline import ROMAN_MARKER, Depth

_HEADING_STYLE = re.compile(r"^heading (\d)$", re.I)
_LABEL = re.compile(r"^[A-Z][\w ]{0,29}:\s+")
_SECTION_TITLE = re.compile(r"^(§+\s*\d[\w.-]*|(sec\.|section|article|part|rule)\s+\d[\w.-]*)\s+"
                            r"[A-Z]", re.I)
_BULLET = re.compile(rf"^\s*(?:[•◦▪·‣–-]|\d{{1,3}}[.)]|[a-zA-Z][.)]|{ROMAN_MARKER}|"
                     r"\([a-zA-Z0-9]{1,4}\))\s+")
_SECTION_NUMBER = re.compile(r"^\s*(\d{1,2})[.)]\s+\S")
MAX_HEADING_WORDS = 14
WORD_DEFAULT_PT = 11.0  # the Normal style's size when the document does not set one


def read_docx(path: Path) -> RawDocument:
    """Blocks of a .docx file; 'line' numbers count paragraphs and table rows (1-based)."""
    try:
        import docx
    except ImportError as exc:
        raise StudioError("reading .docx needs the 'python-docx' package: "
                          "pip install 'alignment-studio[formats]'", path) from exc
    check_zip_package(path, ".docx")  # python-docx unpacks every part into memory
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise StudioError(f"not a readable .docx file ({type(exc).__name__})", path) from exc
    title = document.core_properties.title or None
    items = list(document.iter_inner_content())
    paragraphs = [p for p in items if hasattr(p, "runs")]
    sizes = _heading_sizes(paragraphs)
    outline = _numbered_titles(paragraphs) or _numbered_under_titles(paragraphs, sizes)
    run_ins = _run_in_titles(paragraphs)
    blocks: list[Block] = []
    number = 0
    depth_of = Depth()  # items numbered in their text: "(a)" then "(1)" nests, as in text
    section = 0  # the number of the last bold title numbered "N." ("2. SPECIFIC RULES")
    section_size: float | None = None  # ... and its font size: the next title has the same
    titled = 0  # the level of the last heading other than a run-in title in title case
    for item in items:
        if hasattr(item, "runs"):
            number += 1
            follows = section + 1 if section and _size(item) == section_size else None
            if id(item) in outline:  # "4. Types of Grants" in a run of bold numbered titles
                follows = outline[id(item)]
            if id(item) in run_ins:  # "Training. Treasury shall require ...": a title, its text
                title, rest, shouted = run_ins[id(item)]
                level = len(sizes) + 1 if shouted else min(titled + 1, 6)
                titled = level if shouted else titled
                blocks.extend(_run_in_blocks(title, rest, level, number))
                depth_of = Depth()
                continue
            block = _block(item, number, sizes, depth_of, follows)
            if block is not None:
                blocks.append(block)
                if block.type == BlockType.heading:
                    depth_of = Depth()
                    titled = block.level
                    numbered = _SECTION_NUMBER.match(block.text)
                    section = int(numbered.group(1)) if numbered else section
                    section_size = _size(item) if numbered else section_size
                elif _SECTION_NUMBER.match(getattr(item, "text", "")):
                    section = 0  # items numbered "1." under it: a number names no title now
        else:
            rows = _table(item, number + 1)
            number += len(item.rows)
            blocks.extend(rows)
    return RawDocument(title=title, blocks=pair_questions(blocks))


def _table(table: Any, number: int) -> list[Block]:
    """A table's rows under its first row's headers, unless every row opens with a label cell
    ("Principle:", "Best practice:", "See also:"): then every row is an entry, none a header."""
    rows = [[clean_inline(c.text) for c in row.cells] for row in table.rows]
    if not rows:
        return []
    labelled = all(row and row[0].endswith(":") for row in rows)  # "Principle: | X" rows
    headers, body = (rows[0], rows[1:]) if len(rows) > 1 and not labelled else ([], rows)
    blocks = [table_row(_dedupe(cells), _dedupe(headers), number + i + 1, number + i + 1)
              for i, cells in enumerate(body)]
    return [b for b in blocks if b is not None]


def _dedupe(cells: list[str]) -> list[str]:
    """Merged cells repeat in python-docx; keep one of each run of equal neighbours."""
    return [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]


def _size(paragraph: Any) -> float | None:
    """The largest explicit font size of the paragraph's runs (points), else its style's."""
    sizes = [r.font.size.pt for r in paragraph.runs if r.text.strip() and r.font.size]
    if sizes:
        return max(sizes)
    style = paragraph.style
    while style is not None:
        if style.font is not None and style.font.size is not None:
            return float(style.font.size.pt)
        style = style.base_style
    return None


_MONOSPACE = re.compile(r"courier|consolas|menlo|monaco|mono\b|source code|lucida console",
                        re.I)
_CODE_STYLES = {"html preformatted", "source code", "code", "macro text"}


def _code(paragraph: Any) -> bool:
    """A code listing: a code style, or every run of text set in a monospace font (an example
    program quoted in a guide says no rule)."""
    style = paragraph.style
    if style is not None and (style.name or "").lower() in _CODE_STYLES:
        return True
    style_font = style.font.name if style is not None and style.font is not None else None
    fonts = [r.font.name or style_font for r in paragraph.runs if r.text.strip()]
    return bool(fonts) and all(f is not None and _MONOSPACE.search(f) for f in fonts)


def _bold(paragraph: Any) -> bool:
    """Every word set bold; a number or a full stop in plain type around it ("6.\t" **CONSULTATION
    POLICY** ".") does not count."""
    runs = [r for r in paragraph.runs if re.search(r"[^\W\d_]", r.text)]
    style_bold = paragraph.style is not None and paragraph.style.font is not None and bool(
        paragraph.style.font.bold)
    return bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)


def _heading_sizes(paragraphs: list[Any], default: float = WORD_DEFAULT_PT) -> list[float]:
    """Font sizes above the body size (the size of most characters; text without a size of
    its own has Word's default), largest first."""
    weights: Counter[float] = Counter()
    for paragraph in paragraphs:
        weights[_size(paragraph) or default] += len(paragraph.text)
    if not weights:
        return []
    body = weights.most_common(1)[0][0]
    return sorted((s for s in weights if s > body), reverse=True)


# the verdict over a sample in a style guide ("Right:", "Wrong:", "Don't:"), set in bold
_SAMPLE_LABEL = re.compile(r"^(?:right|wrong|correct|incorrect|good|bad|better|worse|do|don['’]t|"
                           r"do not|avoid|prefer|example|examples|instead)\s*:$", re.I)


def _formatted_heading(paragraph: Any, text: str, sizes: list[float],
                       next_section: int | None = None) -> int:
    """The level of a paragraph that looks like a heading by its formatting, else 0. A bold
    numbered line is an item ("1. **Ensure access**") unless it is set in capitals ("1. GENERAL
    RULES OF BEHAVIOR.") or takes the next number after such a title ("3. Acknowledgement")."""
    if _SAMPLE_LABEL.match(text):
        return 0  # "Right:" / "Wrong:" over a sample: a label, not a section
    bullet = _BULLET.match(text)
    numbered = _SECTION_NUMBER.match(text)
    shouted = bullet is not None and _shouted(text[bullet.end():])
    titled = bullet is not None and _bold(paragraph) and (
        shouted or numbered is not None and int(numbered.group(1)) == next_section)
    if len(text.split()) > MAX_HEADING_WORDS or text.endswith((",", ";")) or \
            text.endswith(".") and not text.endswith("...") and not _SECTION_TITLE.match(text) \
            and not (
                titled and bullet is not None and (shouted or _title_case(text[bullet.end():]))):
        # a sentence, unless a numbered section's title ("§ 2.2 Wildlife protection.", "6.
        # General Rules and Operations." after "5. Community Assets") or one trailing off
        # ("Makerspace Means Do It Yourself...")
        return 0
    size = _size(paragraph)
    if size is not None and size in sizes and (bullet is None or _bold(paragraph)):
        return sizes.index(size) + 1  # "1. Posting code" set bold and larger: a title
    if bullet and not titled:
        return 0  # "1. **Ensure access**" at the body's size: a bold item
    return len(sizes) + 1 if _bold(paragraph) else 0  # "**1. GENERAL RULES**": a title


def _numbered_title(paragraphs: list[Any], i: int) -> re.Match[str] | None:
    """The number of paragraph ``i`` if it looks like a numbered title typed without a heading
    style: a short bold line numbered "N." (not a Word list or heading, not ending like a
    sentence or a lead-in) over text that is not bold; else None."""
    paragraph = paragraphs[i]
    text = clean_inline(paragraph.text)
    numbered = _SECTION_NUMBER.match(text)
    style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    if numbered is None or not _bold(paragraph) or style.startswith(("list", "heading")) \
            or _numbering_level(paragraph) is not None \
            or text.endswith((".", ",", ";", ":")) or len(text.split()) > MAX_HEADING_WORDS:
        return None
    nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
    return numbered if nxt is not None and clean_inline(nxt.text) and not _bold(nxt) else None


def _numbered_titles(paragraphs: list[Any]) -> dict[int, int]:
    """Bold lines numbered 1, 2, 3 … in order through the file, each in title case and followed
    by text that is not bold ("1. Introduction", "2. Funding", … "7. Report for Linux Australia
    Annual Report"): the sections of a file typed without heading styles. Fewer than three, or
    numbers out of order, prove nothing ("1. Posting code" then "2. Ensure access" may be
    items). Maps the ``id`` of each such paragraph to its number."""
    found: list[tuple[int, Any]] = []
    for i, paragraph in enumerate(paragraphs):
        numbered = _numbered_title(paragraphs, i)
        if numbered is not None and \
                _title_case(clean_inline(paragraph.text)[numbered.end() - 1:]):
            found.append((int(numbered.group(1)), paragraph))
    numbers = [n for n, _ in found]
    if len(numbers) < 3 or numbers != list(range(1, len(numbers) + 1)):
        return {}
    return {id(p): n for n, p in found}


def _numbered_under_titles(paragraphs: list[Any], sizes: list[float]) -> dict[int, int]:
    """Bold lines numbered 1, 2, 3 … afresh under each bold title in larger type, each over
    text that is not bold ("Data collection" over "1. Ethical approval" … "7. Confidential
    data", then "Data organisation" over "1. Convert to BIDS" …): the subsections of a file
    typed without heading styles, in sentence case too, since the count starting again under
    every larger title shows what they are. Two such titles or more, each count in order.
    Maps the ``id`` of each such paragraph to its number."""
    counts: list[list[tuple[int, Any]]] = []
    for i, paragraph in enumerate(paragraphs):
        text = clean_inline(paragraph.text)
        if _SECTION_NUMBER.match(text) is None:
            if text and _bold(paragraph) and _size(paragraph) in sizes:
                counts.append([])  # a larger title: the count starts again under it
            continue
        numbered = _numbered_title(paragraphs, i)
        if counts and numbered is not None:
            counts[-1].append((int(numbered.group(1)), paragraph))
    counts = [c for c in counts if c]
    if len(counts) < 2 or not all(_in_order([n for n, _ in c]) for c in counts):
        return {}
    return {id(p): n for c in counts for n, p in c}


def _in_order(numbers: list[int]) -> bool:
    """1, 2, 3 …, a number typed twice allowed ("4. Store outputs", "4. Upload & clean up")."""
    steps = zip(numbers, numbers[1:], strict=False)
    return numbers[0] == 1 and all(b - a in (0, 1) for a, b in steps)


# a paragraph that opens with its title: "7. LISTENING SESSIONS. At times ...", "Statement of
# Policy. Treasury will consult ...", or the title alone ("Record of Consultation.")
_RUN_IN = re.compile(r"^(?:\d{1,2}[.)]\s+)?(?P<title>[A-Z][^.!?:;,]{0,80}?)\."
                     r"(?:\s+(?P<rest>\S.*))?$")
_NO_TITLES = {"yes", "no", "note", "notes", "example", "important", "warning", "thanks", "ok",
              "okay", "none", "n/a", "tbd", "signed", "approved", "date", "subject"}


def _run_in_titles(paragraphs: list[Any]) -> dict[int, tuple[str, str, bool]]:
    """Paragraphs of body text that open with a short title and a full stop, as orders and
    directives set their sub-sections ("Point of Contact (POCTC). The Director shall ..."):
    the title in title case or capitals, up to eight words. Three such paragraphs in a file
    typed without heading styles make a pattern; fewer prove nothing, and in a file with heading
    styles a bold run-in title names a paragraph, not a section ("**Duration.** Member Events
    are 24 to 48 hours long"). Maps the ``id`` of each to its title (with its number),
    the text after it, and whether the title is numbered and set in capitals (a section of the
    file's top level, as "6. CONSULTATION POLICY." is)."""
    found: dict[int, tuple[str, str, bool]] = {}
    if any(_HEADING_STYLE.match(p.style.name or "") or _outline_level(p) is not None
           for p in paragraphs if p.style is not None):
        return found
    for paragraph in paragraphs:
        text = clean_inline(paragraph.text)
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        match = _RUN_IN.match(text)
        if match is None or style.startswith(("list", "heading", "title")) or \
                _numbering_level(paragraph) is not None:
            continue
        title = match.group("title").strip()
        words = title.split()
        if not 1 <= len(words) <= 8 or title.lower() in _NO_TITLES or \
                not (_title_case(title) or _shouted(title)) or \
                _BULLET.match(text) and not _SECTION_NUMBER.match(text):
            continue
        numbered = text[:match.start("title")].strip()
        shouted = bool(numbered) and _shouted(title)
        if numbered and not shouted:
            continue  # "1) Tribal Governments and Economies." is an item
        found[id(paragraph)] = (f"{numbered} {title}".strip(), match.group("rest") or "",
                                shouted)
    return found if len(found) >= 3 else {}


def _run_in_blocks(title: str, rest: str, level: int, number: int) -> list[Block]:
    """A run-in title as a heading, and the text after it (if any) as its paragraph."""
    heading = Block(type=BlockType.heading, text=title, level=level, start_line=number,
                    end_line=number)
    return [heading, Block(type=BlockType.paragraph, text=rest, start_line=number,
                           end_line=number)] if rest else [heading]


_MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the",
                "to", "with", "vs", "via"}


def _title_case(text: str) -> bool:
    """Every word but the small ones capitalised ("Types of Grants and Sponsorships")."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if w.lower() not in _MINOR_WORDS]
    return bool(words) and all(w[0].isupper() for w in words)


def _shouted(text: str) -> bool:
    """Text in capitals, as a numbered section's title is often set ("GENERAL RULES OF
    BEHAVIOR"): two words or more, every letter upper case."""
    letters = [c for c in text if c.isalpha()]
    return len(text.split()) >= 2 and len(letters) >= 6 and all(c.isupper() for c in letters)


_LIST_STYLE_LEVEL = re.compile(r"^list(?: \w+)? ([2-9])$", re.I)


def _block(paragraph: Any, number: int, sizes: list[float], depth_of: Depth,
           next_section: int | None = None) -> Block | None:
    text = clean_inline(paragraph.text)
    if not text or _code(paragraph):
        return None
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    heading = _HEADING_STYLE.match(style)
    if style.lower() == "title":
        return Block(type=BlockType.heading, text=text, level=1, start_line=number,
                     end_line=number)
    if heading:
        return Block(type=BlockType.heading, text=text, level=int(heading.group(1)),
                     start_line=number, end_line=number)
    outline = _outline_level(paragraph)
    if outline is not None:  # a paragraph Word's navigation pane lists as a heading
        return Block(type=BlockType.heading, text=text, level=outline + 1, start_line=number,
                     end_line=number)
    numbering = _numbering_level(paragraph)
    listed = style.lower().startswith("list") or numbering is not None
    level = 0 if listed else _formatted_heading(paragraph, text, sizes, next_section)
    if level:  # a bold numbered item ("1. **Ensure Access**") stays an item
        return Block(type=BlockType.heading, text=text, level=level, start_line=number,
                     end_line=number)
    kind, depth = BlockType.paragraph, 0
    bullet = _BULLET.match(text)
    if listed or bullet:
        kind, depth = BlockType.list_item, max(numbering or 0, _style_level(style))
        if bullet is not None and not listed:  # "(a) ..." typed: its marker says the level
            depth = depth_of(bullet.group().strip(), "")
        text = _BULLET.sub("", text, count=1)
    elif "quote" in style.lower():
        kind = BlockType.callout
        if _starts_bold(paragraph):
            text = _LABEL.sub("", text, count=1)
    return Block(type=kind, text=text, level=depth, start_line=number, end_line=number)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _outline_level(paragraph: Any) -> int | None:
    """The outline level (0-based) set on the paragraph or its style ("w:outlineLvl"), which
    makes a paragraph in a style of the author's own a heading; 9 is body text."""
    holders = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        holders.append(style.element.pPr)
        style = style.base_style
    for ppr in holders:
        found = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
        if found is not None:
            value = found.get(f"{_W}val")
            return int(value) if value is not None and value.isdigit() and int(value) < 9 \
                else None
    return None


def _style_level(style: str) -> int:
    """The list level (0-based) a list style's name gives: "List Number 2" and "List Bullet 3"
    are Word's styles for nested items, whose numbering may still say level 0."""
    match = _LIST_STYLE_LEVEL.match(style)
    return int(match.group(1)) - 1 if match else 0


def _numbering_level(paragraph: Any) -> int | None:
    """The Word list level (0-based) of a numbered or bulleted paragraph, else None."""
    ppr = paragraph._p.pPr
    if ppr is None or ppr.numPr is None:
        return None
    ilvl = ppr.numPr.ilvl
    return int(ilvl.val) if ilvl is not None and ilvl.val is not None else 0


def _starts_bold(paragraph: Any) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and bool(runs[0].bold)
