"""The ``alignment-studio`` command. Commands are thin: they parse options and call the library."""

from __future__ import annotations

import sys

import typer
import typer.main
from typer import _click as click
from typer._click.exceptions import NoArgsIsHelpError

from alignment_studio.cli import (
    data,
    logs,
    monitor,
    ontology,
    redteam,
    review,
    serve,
    stages,
    versions,
    workspace,
)
from alignment_studio.cli.help import readable

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Align an open LLM to your own policies: frame, instruct, audit.")
workspace.register(app)
stages.register(app)
data.register(app)
review.register(app)
versions.register(app)
ontology.register(app)
redteam.register(app)
monitor.register(app)
serve.register(app)


def main() -> None:
    """Entry point. Errors are one line (exit 2); Ctrl-C exits 130 (see ``guard``); library
    warnings and logs go to the workspace's log file (see ``logs``)."""
    logs.start()
    try:
        code = command().main(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # rich has printed the help already; plain click has not
        if exc.format_message().strip():
            exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # a usage error is one line too, naming the option
        ctx = getattr(exc, "ctx", None)  # usage errors know their command
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = exc.format_message().replace("Value error, ", "")  # pydantic's prefix
        typer.echo(f"error: {message}{where}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def command() -> click.Command:
    """The command tree as it runs, with readable help (see ``help``)."""
    built: click.Command = readable(typer.main.get_command(app))
    return built
