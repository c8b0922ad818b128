"""Export: the trained adapter, or the merged model, with a model card (the policies and their
versions, the data set, the training config and log, the audit summary, the lineage)."""

from __future__ import annotations

import json
from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.export import (
    ExportResult,
    ModelCard,
    audit_summary,
    write_export,
)
from alignment_studio.stages import frame, instruct, publish
from alignment_studio.workspace import Workspace


def export(ws: Workspace, out: Path, kind: str) -> ExportResult:
    """The deployed model (``instruct.deployed``: trained now if it does not exist) as
    ``kind``, 'adapter' or 'merged'."""
    if kind not in ("adapter", "merged"):
        raise StudioError(f"export kind must be 'adapter' or 'merged', not {kind!r}")
    model = instruct.deployed(ws)
    audited = instruct.model(ws) if ws.config.train.final_fit else model
    dataset = ws.store.get(model.inputs[0])
    bundle = frame.bundle(ws, dataset)
    ref = instruct.model_ref(ws, model)
    card = ModelCard(
        name=f"{ws.config.name} ({model.id})", base_model=ws.config.student.model,
        kind="adapter" if kind == "adapter" else "merged",
        organization=ws.config.organization, documents=bundle.manifest.documents,
        dataset=dataset.id, dataset_counts=bundle.manifest.counts,
        training=json.loads(json.dumps(ws.config.train.model_dump())),
        train_log=instruct.train_log(ws, model).model_dump(),
        lineage=ws.lineage(model.id),
        audit=audit_summary(publish.for_model(ws, audited.id)),
        audited_model=audited.id if audited.id != model.id else None)
    return write_export(card.kind, ref.base, Path(ref.adapters[0]), out, card, ws.cache_dir)
