"""The ``alignment-studio`` command. Commands are thin: they parse options and call the library."""

from __future__ import annotations

import typer

from alignment_studio.cli import (
    data,
    monitor,
    ontology,
    redteam,
    review,
    serve,
    stages,
    versions,
    workspace,
)

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
    """Entry point. Errors are one line (exit 2); Ctrl-C exits 130 (see ``guard``)."""
    app()
