"""reStructuredText markup in a text file, reduced line for line to the text a reader sees.

The text reader already finds reStructuredText's titles (over- and underlined lines). This
takes away what the rendered page does not show: directive lines (".. note::", ".. toctree::")
with their option lines, comments and link targets (".. _name: url"), substitution
definitions; and inline markup: roles (":ref:`text <target>`" -> "text"), links ("`text
<url>`_" -> "text"), literals ("``x``" -> "x"), strong and emphasis marks. A directive's
indented body (the text of a note) stays. Line numbers are kept.

Why not docutils: it renders the whole document or refuses it, and Sphinx roles and directives
(":ref:", ":doc:", ".. toctree::") that a plain docutils does not know turn into error nodes
inside the text; here unknown roles reduce to their text like the known ones.
"""

from __future__ import annotations

import re

from alignment_studio.framers.parse.markdown import CODE_ONLY_ITEM

_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:\|[^|]+\|\s+)?[\w:-]+::(?:\s.*)?$")
_ADMONITION = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:note|tip|important|warning|caution|"
                         r"attention|hint|danger|error|seealso)::\s+(?P<text>\S.*)$", re.I)
_EXPLICIT = re.compile(r"^\s*\.\.(?:\s|$)")  # a comment, a link target, a footnote
# a code directive in any case (Sage's guides write ".. CODE-BLOCK:: text")
_CODE = re.compile(r"^\s*\.\.\s+(?:code-block|code|sourcecode|literalinclude|doctest)::", re.I)
_OPTION = re.compile(r"^\s+:[\w -]+:(?:\s.*)?$")
_ROLE = re.compile(r":[\w:+.-]+:`(?P<text>[^`]*?)\s*(?:<[^>`]*>)?`")
_LINK = re.compile(r"`(?P<text>[^`<]+?)\s*(?:<[^>`]*>)?`__?")
_LITERAL = re.compile(r"``(?P<text>[^`]+?)``")
_REFERENCE = re.compile(r"(?<=[A-Za-z])_(?=[\s.,;:)]|$)")  # "Mergers_" (a link): "Mergers"
_STRONG = re.compile(r"\*\*(?P<text>[^*\s](?:[^*]*[^*\s])?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?P<text>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*])")
_SIGNAL = re.compile(r"^\.\. [\w:-]+::|^\.\. _[^:\n]+:\s*$|"  # a directive, a link target
                     r":(?:ref|doc|term|pep|rfc|envvar|option):`|`__?(?:\W|$)", re.M)


def looks_like_rst(text: str, adorned_titles: int) -> bool:
    """Whether a text file is reStructuredText: titles with adornments, or its explicit
    markup (directives, Sphinx roles, "`link`_" references)."""
    return adorned_titles > 0 and _SIGNAL.search(text) is not None or \
        len(_SIGNAL.findall(text)) >= 3


def rst_to_plain(lines: list[str]) -> list[str]:
    """The lines with reStructuredText markup reduced to their text (same count); code (a
    "code-block" directive's body, a literal block after "::") and comments are blanked."""
    lines = _join_wrapped_links(lines)
    out: list[str] = []
    in_directive = False
    hidden: int | None = None  # the indent a code block's or comment's lines go deeper than
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if hidden is not None and (not line.strip() or indent > hidden):
            out.append("")
            continue
        hidden = None
        bare = line.strip() == ".."
        if bare or _COMMENT.match(line):  # ".. This section is generated" / "..\n   A note"
            hidden = indent if not bare or _indented_below(lines, i) else None
            out.append("")
            continue
        directive = _CODE.match(line) is not None  # ".. code-block:: python": no text itself
        if directive or line.rstrip().endswith("::") and not _EXPLICIT.match(line):
            hidden = indent  # ".. code-block:: python" / "For example::" over indented code
            if directive:
                out.append("")
                continue
        note = _ADMONITION.match(line)
        if note is not None:  # ".. tip:: Due to spam, we now ...": the note's text stays
            out.append(note.group("indent") + plain_inline(note.group("text")))
            in_directive = True
            continue
        if _EXPLICIT.match(line):  # a directive, a footnote, a link target
            out.append("")
            in_directive = True  # option lines may follow
            continue
        if in_directive and _OPTION.match(line):
            out.append("")
            continue
        in_directive = False
        code_item = _ITEM.match(line)
        if code_item is not None and CODE_ONLY_ITEM.match(line[code_item.end():].strip()):
            out.append("")  # "-  ``make test``": a command, no sentence
            continue
        if _is_term(lines, i):  # "``MAJOR``" over "   Significant new features.": a glossary
            out.append(" " * indent + "- " + plain_inline(line.strip()).rstrip(":") + ":")
            continue
        out.append(plain_inline(line))
    return out


# a link or role opened at a line's end and closed with its target on the next line
# ("Suggestions on `how to write a git commit message" / "<https://cbea.ms/git-commit>`_:")
_OPENED = re.compile(r"(?::[\w:+.-]+:)?(?<!`)`(?P<text>[^`]+)$")
_CLOSED = re.compile(r"^\s*(?P<text>[^`<]*?)\s*<[^>`]*>`(?:__?)?")
_PUNCTUATION = re.compile(r"[.,;:!?)]*")


def _join_wrapped_links(lines: list[str]) -> list[str]:
    """The lines with a link wrapped over two of them ("`how to write a git commit message" /
    "<https://cbea.ms/git-commit>`_:") reduced to its text on the first; what follows the link
    stays on the second, unless it only ends the paragraph (": ", "."), which joins the first.
    A wrap that would leave a line empty inside a paragraph is left as it is."""
    out = list(lines)
    for i in range(len(out) - 1):
        line = out[i].rstrip()
        opened = _OPENED.search(line) if line.replace("``", "").count("`") % 2 else None
        closed = _CLOSED.match(out[i + 1]) if opened is not None else None
        if opened is None or closed is None:
            continue
        words = " ".join(w for w in (opened.group("text").strip(), closed.group("text")) if w)
        head, rest = line[:opened.start()] + words, out[i + 1][closed.end():].strip()
        after = out[i + 2] if i + 2 < len(out) else ""
        if rest and not _PUNCTUATION.fullmatch(rest):
            indent = len(out[i + 1]) - len(out[i + 1].lstrip())
            out[i], out[i + 1] = head, " " * indent + rest
        elif not after.strip():
            out[i], out[i + 1] = head + rest, ""
    return out


_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)]|#\.|\(?[A-Za-z0-9]{1,3}\))\s")
_FIELD = re.compile(r"^\s*:[^:\s][^:]*:(?:\s|$)")


def _is_term(lines: list[str], i: int) -> bool:
    """Whether line ``i`` is the term of a definition list entry: one line, after a blank line
    or the end of an entry above, with its definition indented on the very next line (any
    other text so followed is invalid reStructuredText)."""
    line = lines[i]
    below = lines[i + 1] if i + 1 < len(lines) else ""
    indent = len(line) - len(line.lstrip())
    above = lines[i - 1] if i > 0 else ""
    return bool(line.strip()) and bool(below.strip()) and \
        len(below) - len(below.lstrip()) > indent and \
        (not above.strip() or len(above) - len(above.lstrip()) > indent) and \
        not line.rstrip().endswith("::") and not _ITEM.match(line) and \
        not _FIELD.match(line) and not _EXPLICIT.match(line) and len(line.split()) <= 12


_COMMENT = re.compile(r"^\s*\.\.\s+(?![\[_|])(?!\S*::)")  # not a footnote, target, directive


def _indented_below(lines: list[str], i: int) -> bool:
    """Whether the line after a bare ".." is indented deeper: then it is a comment's text; a
    bare ".." before a blank line is an empty comment, which only ends the block above it."""
    below = lines[i + 1] if i + 1 < len(lines) else ""
    return bool(below.strip()) and len(below) - len(below.lstrip()) > \
        len(lines[i]) - len(lines[i].lstrip())


def plain_inline(line: str) -> str:
    """One line's inline markup reduced to the text a reader sees."""
    line = _LITERAL.sub(lambda m: m.group("text"), line)
    line = _ROLE.sub(lambda m: m.group("text"), line)
    line = _LINK.sub(lambda m: m.group("text"), line)
    line = _REFERENCE.sub("", line)
    line = _STRONG.sub(lambda m: m.group("text"), line)
    return _EMPHASIS.sub(lambda m: m.group("text"), line)
