"""The version history of a workspace's policy documents, and references to one version.

Every parse stores a ``document`` artifact per content hash, so the store already holds every
version a workspace has seen; this module makes that history explicit. ``record_versions`` (run
by ``Studio.parse``) upserts one row per (document, content version) in the catalog: re-parsing
unchanged content only moves ``last_seen``, so it never adds a version, and an old version stays
retrievable through its artifact after the file changes. Workspaces parsed before this table
existed still list their versions: document artifacts without a row are read from the store.

A reference names one version: ``doc@version`` (a version prefix of 4 or more characters),
``doc@latest`` / ``doc@previous`` (by when they were last seen), a bare version prefix that is
unique across documents, a document artifact ID, or a bare document ID (its latest version).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from alignment_studio.core.errors import StudioError
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace.store import Artifact, ArtifactStore

DOCUMENT_FILE = "document.json"

MIN_PREFIX = 4
MAX_LISTED = 8
SCHEMA = """
CREATE TABLE IF NOT EXISTS document_versions (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    artifact_id TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    policies INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (doc_id, version)
);
"""


class DocumentVersion(BaseModel):
    """One content version of one policy document, as the workspace has seen it."""

    model_config = ConfigDict(extra="forbid")
    doc_id: str
    version: str
    sha256: str
    artifact_id: str
    source: str
    title: str
    policies: int
    first_seen: float
    last_seen: float

    @property
    def ref(self) -> str:
        return f"{self.doc_id}@{self.version}"


@contextmanager
def _db(store: ArtifactStore) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(store.db_path)
    try:
        with db:
            db.executescript(SCHEMA)
            yield db
    finally:
        db.close()


def record_versions(store: ArtifactStore, parsed: list[tuple[Artifact, PolicyDocument]],
                    seen_at: float | None = None) -> None:
    """Note that each (artifact, document) was just parsed: a new version or a re-sighting.

    The artifact ID is updated on re-sighting so that a newer parser's output wins.
    """
    import time

    now = time.time() if seen_at is None else seen_at
    with _db(store) as db:
        for artifact, doc in parsed:
            db.execute(
                "INSERT INTO document_versions VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(doc_id, version) DO UPDATE SET last_seen=excluded.last_seen, "
                "artifact_id=excluded.artifact_id, source=excluded.source, "
                "title=excluded.title, policies=excluded.policies",
                (doc.id, doc.version, doc.sha256, artifact.id, doc.source, doc.title,
                 len(doc.policies()), now, now))


def _row(row: tuple[object, ...]) -> DocumentVersion:
    names = list(DocumentVersion.model_fields)
    return DocumentVersion.model_validate(dict(zip(names, row, strict=True)))


def _unrecorded(store: ArtifactStore, known: set[str]) -> list[DocumentVersion]:
    """Versions of document artifacts made before the version table existed."""
    found: list[DocumentVersion] = []
    for artifact in store.all():
        if artifact.kind != "document" or artifact.id in known:
            continue
        if not (store.path_of(artifact) / DOCUMENT_FILE).is_file():
            continue
        doc = document_of(store, artifact)
        found.append(DocumentVersion(
            doc_id=doc.id, version=doc.version, sha256=doc.sha256, artifact_id=artifact.id,
            source=doc.source, title=doc.title, policies=len(doc.policies()),
            first_seen=artifact.created_at, last_seen=artifact.created_at))
    return found


def list_versions(store: ArtifactStore, doc_id: str | None = None) -> list[DocumentVersion]:
    """Every version of every document (or of ``doc_id``), by document, oldest first."""
    with _db(store) as db:
        rows = [_row(r) for r in db.execute("SELECT * FROM document_versions").fetchall()]
    merged = {(v.doc_id, v.version): v for v in rows}
    for extra in _unrecorded(store, {v.artifact_id for v in rows}):
        old = merged.get((extra.doc_id, extra.version))
        if old is None:
            merged[(extra.doc_id, extra.version)] = extra
        elif extra.first_seen < old.first_seen:
            merged[(extra.doc_id, extra.version)] = old.model_copy(
                update={"first_seen": extra.first_seen})
    versions = [v for v in merged.values() if doc_id is None or v.doc_id == doc_id]
    return sorted(versions, key=lambda v: (v.doc_id, v.first_seen, v.version))


def by_recency(versions: list[DocumentVersion]) -> list[DocumentVersion]:
    """Most recently seen first: ``[0]`` is ``@latest``, ``[1]`` is ``@previous``."""
    return sorted(versions, key=lambda v: (v.last_seen, v.first_seen, v.version), reverse=True)


def _listing(versions: list[DocumentVersion]) -> str:
    refs = [v.ref for v in versions[:MAX_LISTED]]
    more = len(versions) - MAX_LISTED
    return ", ".join(refs) + (f" and {more} more" if more > 0 else "") if refs else "none"


def _by_prefix(versions: list[DocumentVersion], prefix: str, what: str,
               store: ArtifactStore) -> DocumentVersion:
    if len(prefix) < MIN_PREFIX:
        raise StudioError(f"version prefix {prefix!r} in {what!r} is too short (at least "
                          f"{MIN_PREFIX} characters); versions: {_listing(versions)}", store.root)
    hits = [v for v in versions if v.version.startswith(prefix.lower())
            or v.sha256.startswith(prefix.lower())]
    unique = {(v.doc_id, v.version): v for v in hits}
    if len(unique) > 1:
        raise StudioError(f"version {what!r} is ambiguous: it matches "
                          f"{_listing(list(unique.values()))}", store.root)
    if not unique:
        raise StudioError(f"no version {what!r}; versions: {_listing(versions)}", store.root)
    return next(iter(unique.values()))


def _by_doc(versions: list[DocumentVersion], doc_id: str, tag: str, ref: str,
            store: ArtifactStore) -> DocumentVersion:
    own = by_recency([v for v in versions if v.doc_id == doc_id])
    if not own:
        docs = sorted({v.doc_id for v in versions})
        raise StudioError(f"no document {doc_id!r} in {ref!r}; documents: "
                          f"{', '.join(docs) or 'none (run parse first)'}", store.root)
    if tag == "latest":
        return own[0]
    if tag == "previous":
        if len(own) < 2:
            raise StudioError(f"{doc_id!r} has only one version ({own[0].version}), so "
                              f"{ref!r} does not exist", store.root)
        return own[1]
    return _by_prefix(own, tag, ref, store)


def resolve_version(store: ArtifactStore, ref: str) -> DocumentVersion:
    """The version a reference names; an unknown or ambiguous one fails listing what exists."""
    versions = list_versions(store)
    ref = ref.strip()
    if "@" in ref:
        doc_id, _, tag = ref.rpartition("@")
        return _by_doc(versions, doc_id, tag, ref, store)
    for version in versions:
        if version.artifact_id == ref:
            return version
    if any(v.doc_id == ref for v in versions):
        return _by_doc(versions, ref, "latest", ref, store)
    return _by_prefix(versions, ref, ref, store)


def load_version(store: ArtifactStore, ref: str) -> PolicyDocument:
    """The PolicyDocument a reference names, read from its artifact in the store."""
    version = resolve_version(store, ref)
    artifact = store.get(version.artifact_id)
    path = store.path_of(artifact) / DOCUMENT_FILE
    if not path.is_file():
        raise StudioError(f"the artifact of {version.ref} ({version.artifact_id}) is missing "
                          f"from the store", path)
    return document_of(store, artifact)


def write_document(folder: Path, document: PolicyDocument) -> None:
    """A document artifact's content: ``document.json``."""
    (folder / DOCUMENT_FILE).write_text(document.model_dump_json(indent=1), "utf-8")


def document_of(store: ArtifactStore, artifact: Artifact) -> PolicyDocument:
    """The document a document artifact holds (the one reader of ``document.json``)."""
    return PolicyDocument.model_validate_json(
        (store.path_of(artifact) / DOCUMENT_FILE).read_text("utf-8"))
