"""Export the data set for other tools: TRL's conversational formats as JSONL, Parquet or a
Hugging Face ``datasets`` folder, with the data card as README.md.

What is exported is what training reads: the current data set (framed now if it does not exist)
with every recorded review applied.
"""

from __future__ import annotations

from pathlib import Path

from alignment_studio.instructors.data_export import DataExport, DataFormat, write_data_export
from alignment_studio.stages import frame, review
from alignment_studio.types import Split
from alignment_studio.workspace import Workspace


def export_data(ws: Workspace, out: Path, fmt: DataFormat, split: Split | None = None,
                ) -> DataExport:
    """The reviewed data set in ``out`` as ``fmt``; both splits unless ``split`` is given."""
    dataset = frame.dataset(ws)
    bundle = review.reviewed(ws, dataset, review.reviews_of(ws, dataset))
    datacard = frame.datacard_path(ws, dataset).read_text(encoding="utf-8")
    splits = [split] if split is not None else [Split.train, Split.test]
    return write_data_export(ws.config.name, bundle, fmt, out, splits, datacard,
                             dataset.id)
