"""Edits of the real 18F code of conduct whose effect on the policy tree is known by hand."""

from __future__ import annotations

from pathlib import Path

DOC = "code-of-conduct"
EDITED_OLD = "TTS is committed to building a safe and harassment-free environment for everyone."
EDITED_NEW = ("TTS is committed to building a safe, inclusive and harassment-free environment "
              "for everyone.")
DELETED = "Listen carefully and actively."
ADDED = "Sharing screenshots of private conversations without consent."
MOVED = "We intend the plain-language approach to foster respect."
# (old, new) text replacements, each of which must occur exactly once in the original
EDITS = [
    (EDITED_OLD, EDITED_NEW),  # edit a sentence of a paragraph
    (f"- {DELETED}\n", ""),  # delete a bullet
    ("- Using emoji or creation of custom emoji for unacceptable behavior.\n",  # add a statement
     f"- Using emoji or creation of custom emoji for unacceptable behavior.\n- {ADDED}\n"),
    ("## Reporting violations\n", "## Reporting harassment\n"),  # rename a heading
    (f"Administration policies. {MOVED}\n", "Administration policies.\n"),  # move a sentence ...
    ("guidelines, people may feel unwelcome.\n",  # ... from Introduction to What We Strive For
     f"guidelines, people may feel unwelcome. {MOVED}\n"),
]


def edit(path: Path) -> None:
    text = path.read_text("utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
