"""How every command ends: a StudioError is one line on stderr and exit code 2; Ctrl-C is one
line and exit code 130, with every finished artifact kept."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from alignment_studio.cli import logs
from alignment_studio.core.errors import StudioError, WorkerDone

P = ParamSpec("P")
R = TypeVar("R")


def guard(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        directory = kwargs.get("directory")
        if isinstance(directory, Path):  # the workspace: library logs go to its log file
            logs.attach(directory)
        try:
            return command(*args, **kwargs)
        except StudioError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except WorkerDone:
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: finished artifacts are kept; run the command again to "
                       "continue", err=True)
            raise typer.Exit(130) from None

    return run


def login_name() -> str:
    """Who runs the command, for the records it writes (reviewer, tester)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
