"""Readable ``--help``: click-style value names instead of typer's type placeholders.

Typer labels every value with its Python type (``<bool>`` beside a flag, ``<list[Path]>``,
``{directory}``), and keeps the line breaks of a docstring inside a paragraph. ``readable``
walks the built command tree once, before it runs, and gives each parameter a value name:
none for flags, the choices for a set (``[off|block|warn|log]``), ``INTEGER``, ``FLOAT``,
``TEXT`` or ``PATH`` otherwise, and the argument's own name (``DIR``) for arguments. Help
paragraphs are rewrapped by the terminal instead of at the docstring's line ends.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any, get_args

from typer._click import Context
from typer.core import TyperArgument, TyperGroup

_TYPES = {bool: "BOOLEAN", int: "INTEGER", float: "FLOAT", str: "TEXT"}
_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)[ \t]*")  # a single newline inside a paragraph


class _Argument(TyperArgument):
    """An argument shown by its name alone: ``DIR`` in the usage line and the table."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")


def readable(command: Any) -> Any:
    """``command`` (a typer-built click command or group), with readable help throughout."""
    command.help = paragraphs(command.help)
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.metavar = param.metavar or argument_name(param.name or "value")
            param.__class__ = _Argument
        elif param.metavar is None:
            param.metavar = value_name(param)
    shown = command.get_help_option(Context(command))  # made once and kept by the command
    if shown is not None:
        shown.metavar = ""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            readable(sub)
    return command


def paragraphs(text: str | None) -> str | None:
    """Docstring lines joined within each paragraph (blank lines still separate them)."""
    return _LINE_BREAK.sub(" ", text) if text else text


def argument_name(name: str) -> str:
    return "DIR" if name == "directory" else name.upper()


def value_name(param: Any) -> str:
    """What an option takes: '' for a flag, its choices, or its element type in capitals."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "[" + "|".join(str(_plain(c)) for c in descriptor.choices or ()) + "]"
    annotation = descriptor.annotation
    if descriptor.is_list:
        annotation = (get_args(annotation) or (str,))[0]
    if descriptor.is_path or (isinstance(annotation, type) and issubclass(annotation, Path)):
        return "PATH"
    return _TYPES.get(annotation, getattr(annotation, "__name__", "value").upper())

def _plain(choice: Any) -> Any:
    return choice.value if isinstance(choice, Enum) else choice
