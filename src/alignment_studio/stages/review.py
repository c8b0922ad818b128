"""The review stage: people's decisions on a data set, recorded as review artifacts.

Decisions come from a filled-in review file (``review import``) or from the web studio, where
they wait in the database until someone publishes them; both are recorded the same way, and
training reads the data set with every recorded review applied.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.review import (
    Format,
    Review,
    apply_reviews,
    carried_review_artifacts,
    parse_decisions,
    read_review,
    read_review_file,
    record_review,
    review_rows,
    write_review_file,
)
from alignment_studio.stages import frame, parse
from alignment_studio.types import DatasetBundle
from alignment_studio.workspace import Artifact, Workspace
from alignment_studio.workspace.paths import output_file


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def reviews_of(ws: Workspace, dataset: Artifact) -> list[str]:
    """The IDs of the review artifacts that apply to a data set: its own, and those recorded
    on earlier data sets whose decisions name examples it still has."""
    ids = {e.id for e in frame.bundle(ws, dataset).examples}
    return [a.id for a in carried_review_artifacts(ws.store, dataset.id, ids)]


def reviewed(ws: Workspace, dataset: Artifact, review_ids: list[str]) -> DatasetBundle:
    """The data set with the named reviews applied (rejections out, edits in)."""
    reviews = [read_review(ws.store, ws.store.get(i)) for i in review_ids]
    return apply_reviews(frame.bundle(ws, dataset), reviews)[0]


def reviewed_bundle(ws: Workspace) -> DatasetBundle:
    """The current data set with every recorded review applied: what training reads."""
    dataset = frame.dataset(ws)
    return reviewed(ws, dataset, reviews_of(ws, dataset))


def export(ws: Workspace, out: Path | None, fmt: Format,
           only: list[str] | None = None) -> tuple[Path, int]:
    """Write the current data set for review; returns the file and the number of rows."""
    dataset = frame.dataset(ws)
    rows = review_rows(frame.bundle(ws, dataset), parse.documents_of(ws, dataset), only)
    path = output_file(ws.root, out) if out else ws.output_dir("reviews") / f"{dataset.id}.{fmt}"
    write_review_file(rows, path, fmt)
    return path, len(rows)


def import_file(ws: Workspace, path: Path, reviewer: str) -> tuple[Artifact, Review]:
    """Validate a filled-in review file against the current data set and record it."""
    dataset = frame.dataset(ws)
    timestamp = now_iso()
    decisions = parse_decisions(read_review_file(path), frame.bundle(ws, dataset), path,
                                reviewer, timestamp)
    with ws.db.transaction():  # the write lock: one process at a time takes the next version
        return record_review(ws.store, dataset, decisions, path, reviewer, timestamp)


class DecisionRow(BaseModel):
    """One decision in the file a publication records (the columns ``review import`` reads)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    decision: str
    edited_target: str = ""
    edited_label: str = ""
    comment: str = ""


def publish(ws: Workspace, bundle: DatasetBundle, dataset: Artifact,
            publisher: str) -> tuple[Artifact, Review]:
    """The pending decisions on ``dataset`` (from the web studio) as a new review artifact,
    recorded as an import is (the same validation, the same file kept inside the artifact),
    then marked published. The newest pending decision on an item wins; each keeps its
    reviewer."""
    with ws.db.transaction():  # the next version and the pending decisions, taken together
        return _publish(ws, bundle, dataset, publisher)


def _publish(ws: Workspace, bundle: DatasetBundle, dataset: Artifact,
             publisher: str) -> tuple[Artifact, Review]:
    pending = ws.db.list_decisions(dataset.id, pending=True)
    if not pending:
        raise StudioError("nothing to publish: there are no pending decisions")
    latest = {d.example_id: d for d in pending}
    rows = [DecisionRow(id=d.example_id, decision=d.decision, edited_target=d.edited_target or "",
                        edited_label=d.edited_label or "", comment=d.comment)
            for d in latest.values()]
    timestamp = now_iso()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"studio-review-{dataset.id}.jsonl"
        source.write_text("".join(r.model_dump_json() + "\n" for r in rows), "utf-8")
        checked = parse_decisions(read_review_file(source), bundle, source, publisher, timestamp)
        decisions = [d.model_copy(update={"reviewer": latest[d.example_id].reviewer})
                     for d in checked]
        artifact, review = record_review(ws.store, dataset, decisions, source, publisher,
                                         timestamp)
    ws.db.mark_published([d.id for d in pending if d.id is not None], artifact.id)
    return artifact, review
