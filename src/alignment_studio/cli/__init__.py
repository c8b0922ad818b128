"""The ``alignment-studio`` command. Commands are thin: they parse options and call the library."""

from __future__ import annotations

import sys

import typer

from alignment_studio.cli import stages, workspace
from alignment_studio.errors import StudioError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Align an open LLM to your own policies: frame, instruct, audit.")
workspace.register(app)
stages.register(app)


def main() -> None:
    """Entry point: a StudioError is one line on stderr and exit code 2; Ctrl-C exits 130."""
    try:
        app(standalone_mode=False)
    except StudioError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted: finished artifacts are kept; run the command again to continue",
                   err=True)
        sys.exit(130)
    except (typer.Exit, SystemExit) as exc:
        code = exc.exit_code if isinstance(exc, typer.Exit) else exc.code
        sys.exit(code)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise
