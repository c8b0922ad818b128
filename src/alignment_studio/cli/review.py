"""review export and review import: the human review loop of a workspace's data set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alignment_studio.cli.guard import guard, login_name
from alignment_studio.framers.review import Format
from alignment_studio.stages import review
from alignment_studio.workspace import Workspace

console = Console()


def export(directory: Path,
           fmt: Annotated[Format, typer.Option(
               "--format", help="the review file's format")] = "jsonl",
           out: Annotated[Path | None, typer.Option("--out", help="file to write (default: "
                                                    "DIR/reviews/<dataset>.<format>)")] = None,
           only: Annotated[list[str] | None, typer.Option(
               "--only", help="KIND or KIND/LABEL, e.g. scenario/violating (repeatable)")] = None,
           ) -> None:
    """Write the data set for review: one row per example, with empty decision columns."""
    path, count = review.export(Workspace(directory), out, fmt, only)
    console.print(f"wrote {count} rows to {path}; fill in decision (accept, reject or edit), "
                  "edited_target, edited_label and comment, then run review import")


def import_(directory: Path, file: Path,
            reviewer: Annotated[str | None, typer.Option(
                "--reviewer", help="who reviewed (default: the login name)")] = None) -> None:
    """Record a filled-in review file as a new review version (the data set is not changed)."""
    artifact, recorded = review.import_file(Workspace(directory), file,
                                            reviewer or login_name())
    counts = {d: sum(x.decision == d for x in recorded.decisions)
              for d in ("accept", "reject", "edit")}
    console.print(f"review v{recorded.version} {artifact.id} of {recorded.dataset}: "
                  f"{', '.join(f'{v} {k}' for k, v in counts.items())} by {recorded.reviewer}")


def register(app: typer.Typer) -> None:
    review_app = typer.Typer(no_args_is_help=True,
                             help="Export the data set for human review; import the decisions.")
    review_app.command("export")(guard(export))
    review_app.command("import")(guard(import_))
    app.add_typer(review_app, name="review")
