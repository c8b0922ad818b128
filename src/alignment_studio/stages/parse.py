"""The parse stage: every policy file of the workspace becomes a document artifact (the
sections and policies with their stable IDs), and each new content a document version."""

from __future__ import annotations

from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Policy, PolicyDocument
from alignment_studio.workspace import Artifact, Workspace
from alignment_studio.workspace.versions import document_of, record_versions, write_document

VERSION = "structure-v3"  # bump when parsing or structure changes


def documents(ws: Workspace) -> list[tuple[Artifact, PolicyDocument]]:
    """Each policy file's document artifact, with the document just parsed from it."""
    if not ws.config.policies:
        raise StudioError("no policy files listed under 'policies'", ws.config_path)
    parsed = [_parse_one(ws, ws.path(p)) for p in ws.config.policies]
    seen: dict[str, str] = {}
    for name, (_, doc) in zip(ws.config.policies, parsed, strict=True):
        if doc.id in seen:
            raise StudioError(f"policies {seen[doc.id]!r} and {name!r} share the document ID "
                              f"{doc.id!r} (from the file name); rename one", ws.config_path)
        seen[doc.id] = name
    record_versions(ws.store, parsed)
    return parsed


def _parse_one(ws: Workspace, source: Path) -> tuple[Artifact, PolicyDocument]:
    document = read_document(source)
    inputs = [f"file:{source.name}@{document.sha256[:12]}"]
    key, found = ws.cached("document", inputs, {"parser": VERSION})
    if found:
        return found, document
    with ws.store.build("document", key) as tmp:
        write_document(tmp, document)
        artifact = ws.store.commit(tmp, "document", key, inputs, {"parser": VERSION})
    return artifact, document


def documents_of(ws: Workspace, artifact: Artifact) -> list[PolicyDocument]:
    """The documents an artifact was framed from (its document inputs; ``file:`` inputs are
    seed files and grades, other artifact inputs are not documents)."""
    found = [ws.store.get(i) for i in artifact.inputs if not i.startswith("file:")]
    return [document_of(ws.store, a) for a in found if a.kind == "document"]


def policies(docs: list[PolicyDocument]) -> dict[str, Policy]:
    """Every policy of the documents, by ID."""
    return {p.id: p for d in docs for p in d.policies()}
