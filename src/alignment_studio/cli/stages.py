"""frame, instruct, audit, run and demo: each calls one method of the workspace's Studio."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alignment_studio.auditors.report import summary_table
from alignment_studio.pipeline import Studio, peak_rss_mb
from alignment_studio.types import AuditReport
from alignment_studio.workspace.init import prepare_demo

console = Console()


def frame(directory: Path) -> None:
    """Parse the policies and build the data set (seeds, structure, teacher), split by policy."""
    studio = Studio(directory)
    artifact = studio.frame()
    bundle = studio.bundle(artifact)
    counts = Counter(f"{e.split.value} {e.kind.value}" for e in bundle.examples)
    console.print(f"dataset {artifact.id}: {len(bundle.examples)} examples "
                  f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}); "
                  f"{len(bundle.manifest.test_policy_ids)} of {bundle.manifest.policy_count} "
                  f"policies held out; dropped {sum(bundle.manifest.dropped.values())}")


def instruct(directory: Path) -> None:
    """LoRA supervised fine-tuning of the student on the training split."""
    studio = Studio(directory)
    artifact = studio.instruct()
    console.print(f"model {artifact.id}: adapter at {studio.model_ref(artifact).adapters[0]}")


def audit(directory: Path) -> None:
    """Base vs aligned on held-out policies; writes DIR/reports/report.md and report.json."""
    show_report(Studio(directory).audit(), directory)


def run(directory: Path) -> None:
    """frame, instruct and audit in one go (each stage reuses what is unchanged)."""
    audit(directory)


def demo(quick: Annotated[bool, typer.Option("--quick", help="about 5 minutes")] = False,
         directory: Annotated[Path, typer.Option("--dir", help="workspace folder")] = Path(
             "demo-workspace")) -> None:
    """Align the embedded model to the bundled business conduct guidelines, then audit it."""
    start = time.perf_counter()
    prepare_demo(directory, quick)
    console.print(f"[bold]Alignment Studio demo[/bold] ({'quick' if quick else 'full'}) in "
                  f"{directory}")
    show_report(Studio(directory).audit(), directory)
    console.print(f"demo finished in {time.perf_counter() - start:.0f} s, peak RSS "
                  f"{peak_rss_mb():.0f} MB")


def show_report(report: AuditReport, directory: Path) -> None:
    console.print(summary_table(report))
    console.print(f"{len(report.per_policy)} policies audited, {len(report.findings)} findings; "
                  f"report: {directory / 'reports' / 'report.md'}")


def register(app: typer.Typer) -> None:
    for command in (frame, instruct, audit, run, demo):
        app.command()(command)
