"""monitor import and monitor report: the audit after deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alignment_studio.cli.guard import guard
from alignment_studio.stages import monitor
from alignment_studio.workspace import Workspace

console = Console()


def import_(directory: Path, file: Path,
            model: Annotated[str, typer.Option(
                "--model", "-m", help="model name for lines that give none")] = "aligned",
            ) -> None:
    """Add logged conversations (JSONL: messages, output, optional created_at, model,
    request_id) to the workspace database, personal data redacted; repeats are skipped."""
    result = monitor.import_file(Workspace(directory), file, model)
    console.print(f"read {result.read} conversations from {file}: {result.added} added, "
                  f"{result.duplicates} already there")


def report(directory: Path,
           model: Annotated[str, typer.Option(
               "--model", "-m", help="whose conversations ('all' for every model: a mix "
               "measures the mix)")] = "aligned",
           fail_on_breach: Annotated[bool, typer.Option(
               "--fail-on-breach", help="exit 1 when a window breaches a threshold")] = False,
           ) -> None:
    """Windows of logged conversations: detector flag rates, refusals, drift, breaches; writes
    DIR/reports/monitor.md and monitor.json."""
    ws = Workspace(directory)
    result = monitor.report(ws, None if model == "all" else model)
    console.print(f"{result.conversations} conversations, {result.screened} screened in "
                  f"{len(result.windows)} windows; {len(result.breaches)} threshold breaches, "
                  f"{sum(d.drifted for d in result.drift)} drifted rates; report: "
                  f"{ws.reports_dir / 'monitor.md'}")
    for breach in result.breaches:
        console.print(f"breach: {breach.metric} {breach.rate:.3f} > {breach.threshold:g} in the "
                      f"window from {breach.window_start:%Y-%m-%d %H:%M}"
                      + (" (sure: the interval is above it)" if breach.sure else ""),
                      style="bold red")
    if fail_on_breach and result.breaches:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(no_args_is_help=True, help="Monitor the deployed model's conversations.")
    group.command("import")(guard(import_))
    group.command("report")(guard(report))
    app.add_typer(group, name="monitor")
