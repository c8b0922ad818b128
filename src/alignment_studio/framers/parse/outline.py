"""Depth of list items numbered in their text ("(a)", "(1)", "(i)", "a.", "i.", "1."), shared
by the plain-text, Markdown, Word and PDF readers."""

from __future__ import annotations

import re

_ROMAN = re.compile(r"^\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii|xiii|xiv|xv|xvi|xvii|xviii|"
                    r"xix|xx)\)$")
# a typed roman marker of two or more letters ("ii.", "iv)"), for the readers' marker patterns
# (the one-letter "i.", "v.", "x." already match as letters; ``marker_kind`` tells them apart)
ROMAN_MARKER = r"(?:ii|iii|iv|vi|vii|viii|ix|xi|xii|xiii|xiv|xv|xvi|xvii|xviii|xix|xx)[.)]"


class Depth:
    """Nesting depth of list items, plus indentation. Regulations cycle their markers
    ("(a)(1)(i)(A)(1)(i)"): a marker of a kind already open at a shallower level that starts a
    new series ("(1)" after "(C)") opens a deeper level; its successor ("(2)" after "(1)") or
    any other marker of an open kind closes the levels below it. "(i)" is a roman numeral once
    lettered items were seen, unless it follows "(h)"."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.open: list[str] = []  # the marker kind of each open level, outermost first
        self.last_letter = ""
        self.xs: list[float] = []  # where the open levels' markers stand (a PDF's items)

    def at(self, x: float) -> int:
        """The depth of an item whose marker stands at x: further right than the item above
        it opens a level, back at an open level's place closes the levels below it."""
        while self.xs and x < self.xs[-1] - 2:
            self.xs.pop()
        if not self.xs or x > self.xs[-1] + 2:
            self.xs.append(x)
        return len(self.xs) - 1

    def __call__(self, marker: str, indent: str) -> int:
        if _DECIMAL.match(marker.strip(".")):  # "1.2.1.": its number says its depth
            return marker.strip(".").count(".")
        kind = self._kind(marker)
        if kind not in self.kinds:
            self.kinds.append(kind)
        levels = [i for i, k in enumerate(self.open) if k == kind]
        if not levels and marker.strip("().") not in _FIRST:
            self.open = []  # "(b)" whose "(a)" was no item (a paragraph): the outermost level
        elif levels and not (marker.strip("().") in _FIRST and levels[-1] < len(self.open) - 1):
            del self.open[levels[-1]:]
        self.open.append(kind)
        return len(self.open) - 1 + len(indent.expandtabs(4)) // 2

    def _kind(self, marker: str) -> str:
        inner = marker.strip("().")
        letters = "(a)" if marker.startswith("(") else "a."
        follows = len(inner) == 1 and len(self.last_letter) == 1 and \
            ord(inner) == ord(self.last_letter) + 1  # "(i)" after "(h)", "v." after "u."
        kind = marker_kind(marker, letters in self.kinds, follows)
        if kind in ("(a)", "a."):
            self.last_letter = inner
        return kind


_FIRST = {"1", "a", "i", "A", "I"}  # markers that start a series
_DECIMAL = re.compile(r"^\d{1,2}(?:\.\d{1,2})+$")  # a clause number of two or more levels


def marker_kind(marker: str, letters_seen: bool = True, after_h: bool = False) -> str:
    """"(1)", "(i)", "(a)", "(A)", "1.", "i.", "a.", "A." or "-". "(i)" and "i." are roman
    once lettered items of their style were seen, unless the letter follows the last one
    ("(i)" after "(h)": ``after_h``)."""
    inner = re.sub(r"-\d{1,2}$", "", marker.strip("()."))  # "(a-1)" is inserted after "(a)"
    if marker[0].isdigit() or inner[:1].isdigit():  # "(2A)" is inserted after "(2)"
        return "(1)" if marker.startswith("(") else "1."
    if not inner.isalpha():
        return "-"
    roman = _ROMAN.match(f"({inner})") is not None and letters_seen and \
        not (len(inner) == 1 and after_h)
    if marker.startswith("("):
        return "(i)" if roman else "(A)" if inner.isupper() else "(a)"
    return "i." if roman else "A." if inner.isupper() else "a."
