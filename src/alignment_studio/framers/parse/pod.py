"""Perl's POD (Plain Old Documentation) in a text file, read as the Markdown it renders like.

"=head1 NAME" is a heading, "=item *" / "=item 1" start a list item (nested by "=over"),
"=item term" starts a glossary entry ("term: gloss"); "=over", "=back", "=encoding", "=cut",
"=pod" and the "=begin"/"=end"/"=for" blocks say nothing. Formatting codes (B<bold>, C<code>,
I<italic>, L<text|target>, E<gt>) are reduced to the text a reader sees. The conversion keeps
one line per source line, so line numbers still point into the file.
"""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^=(?P<name>[a-z]+\d?)\b\s*(?P<arg>.*)$")
_POD_START = re.compile(r"^=(head[1-6]|pod|encoding)\b", re.M)
_SILENT = {"over", "back", "encoding", "cut", "pod", "for", "begin", "end"}
# B<x>, C<< x >>, L<text|target>: the innermost code first, until none is left
_CODE = re.compile(r"(?P<code>[BCEFILSXZ])(?:<<+\s(?P<wide>.*?)\s>>+|<(?P<narrow>[^<>]*)>)")
_ENTITIES = {"gt": ">", "lt": "<", "verbar": "|", "sol": "/", "quot": '"', "amp": "&"}


def looks_like_pod(text: str) -> bool:
    """Whether a text file is POD: a "=head1"-style command at the start of a line."""
    return _POD_START.search(text) is not None


def pod_to_markdown(text: str) -> str:
    """The POD as Markdown, line for line."""
    out: list[str] = []
    depth = 0
    pending: str | None = None  # the marker the next paragraph's first line takes
    for line in text.split("\n"):
        command = _COMMAND.match(line)
        if command is None:
            if pending is not None and line.strip():
                line, pending = pending + line.strip(), None
            out.append(_inline(line))
            continue
        name, arg = command.group("name"), _inline(command.group("arg").strip())
        if name.startswith("head") and name[4:].isdigit():
            out.append("#" * int(name[4:]) + " " + arg)
            pending = None
        elif name == "item":
            indent = "  " * max(depth - 1, 0)
            if arg in ("", "*", "-", "o") or re.fullmatch(r"\d+\.?", arg):
                pending = f"{indent}- "
            else:
                pending = f"{indent}- {arg.rstrip(':')}: "
            out.append("")
        else:
            depth += (name == "over") - (name == "back")
            depth = max(depth, 0)
            out.append("" if name in _SILENT else line)
    return "\n".join(out)


def _inline(line: str) -> str:
    """The line with its formatting codes reduced to their text."""
    for _ in range(8):  # codes nest ("B<C<x>>"); a line holds only a few levels
        reduced = _CODE.sub(_reduce, line)
        if reduced == line:
            break
        line = reduced
    return line


def _reduce(match: re.Match[str]) -> str:
    body = match.group("wide") if match.group("wide") is not None else match.group("narrow")
    code = match.group("code")
    if code == "E":
        return _ENTITIES.get(body, body)
    if code in ("X", "Z"):
        return ""  # an index entry, a zero-width mark
    if code == "L":
        text = body.split("|", 1)[0] if "|" in body else body
        return text.split("/", 1)[-1].strip('"') if "|" not in body and "/" in text else text
    return body
