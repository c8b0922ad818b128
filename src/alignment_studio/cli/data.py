"""export-data: the data set in the formats the Hugging Face stack reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alignment_studio.cli.guard import guard
from alignment_studio.instructors.data_export import DataExport, DataFormat
from alignment_studio.stages.export_data import export_data as export_data_stage
from alignment_studio.types import Split
from alignment_studio.workspace import Workspace

console = Console()


def export_data(
        directory: Path,
        out: Annotated[Path, typer.Option("--out", "-o", help="folder to write (new or empty)")],
        fmt: Annotated[DataFormat, typer.Option(
            "--format", help="trl: JSONL files; parquet: Parquet files; hf: a datasets folder "
            "per table (save_to_disk)")] = DataFormat.trl,
        split: Annotated[Split | None, typer.Option(
            help="only this split (default: train and test)")] = None) -> None:
    """Export the reviewed data set: 'messages' conversations for SFT and
    prompt/chosen/rejected pairs for DPO (TRL's conversational formats), with the data card
    as README.md."""
    result = export_data_stage(Workspace(directory), out, fmt, split)
    console.print(f"exported {counts(result)} ({result.format.value}) to {result.path}: "
                  f"{', '.join(result.files)}", highlight=False, soft_wrap=True)


def counts(result: DataExport) -> str:
    """'sft: train 1004, test 195; preference: train 142, test 50'."""
    tables: dict[str, list[str]] = {}
    for t in result.tables:
        tables.setdefault(t.table, []).append(f"{t.split.value} {t.rows}")
    return "; ".join(f"{name}: {', '.join(parts)}" for name, parts in tables.items())


def register(app: typer.Typer) -> None:
    app.command()(guard(export_data))
