"""The artifact store: content-addressed folders under ``.studio/`` and a SQLite catalog.

A stage asks for an artifact by (kind, inputs, config). The key is the hash of those; if the
catalog already holds a finished artifact with that key, the stage reuses it. A new artifact is
built in a temporary folder and renamed into place only when complete, so an interrupted stage
never leaves a half-written artifact and never touches earlier ones.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.errors import StudioError

STORE_DIR = ".studio"
CATALOG_NAME = "catalog.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    inputs TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS artifacts_id ON artifacts(id);
"""


class Artifact(BaseModel):
    """One row of the catalog."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str
    key: str
    sha256: str
    path: str
    inputs: list[str] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    created_at: float


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_tree(root: Path) -> str:
    """Hash of a file or of every file under a folder (names and contents, in sorted order)."""
    digest = hashlib.sha256()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(root) if path != root else path.name).encode())
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def stage_key(kind: str, inputs: list[str], config: dict[str, Any]) -> str:
    blob = json.dumps({"kind": kind, "inputs": sorted(inputs), "config": config}, sort_keys=True)
    return sha256_bytes(blob.encode())


class ArtifactStore:
    """Artifacts of one workspace; ``root`` is the workspace folder."""

    def __init__(self, root: Path):
        self.root = root
        self.dir = _folder(root, STORE_DIR)
        _folder(root, f"{STORE_DIR}/artifacts")
        self.db_path = self.dir / CATALOG_NAME
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection to the catalog, committed on success; SQLite's errors become one line
        that says what to do (a damaged file is not the same as a locked one)."""
        try:
            db = sqlite3.connect(self.db_path)
            try:
                with db:
                    yield db
            finally:
                db.close()
        except sqlite3.OperationalError as exc:
            raise StudioError(f"cannot use the catalog: {exc}", self.db_path) from None
        except sqlite3.DatabaseError:
            raise StudioError(f"the catalog is damaged; restore {STORE_DIR}/{CATALOG_NAME} from "
                              f"a backup or delete {STORE_DIR}/ to rebuild", self.db_path) from None

    def find(self, kind: str, key: str) -> Artifact | None:
        """The newest finished artifact of this kind and key whose files still exist."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM artifacts WHERE kind=? AND key=? ORDER BY created_at DESC",
                (kind, key)).fetchall()
        for row in rows:
            artifact = _row_to_artifact(row)
            if self.path_of(artifact).exists():
                return artifact
        return None

    def get(self, artifact_id: str) -> Artifact:
        with self._db() as db:
            row = db.execute("SELECT * FROM artifacts WHERE id=?", (artifact_id,)).fetchone()
        if row is None:
            raise StudioError(f"no artifact named {artifact_id!r}", self.db_path)
        return _row_to_artifact(row)

    def all(self) -> list[Artifact]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM artifacts ORDER BY created_at").fetchall()
        return [_row_to_artifact(r) for r in rows]

    def latest(self, kind: str) -> Artifact | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM artifacts WHERE kind=? ORDER BY created_at DESC "
                             "LIMIT 1", (kind,)).fetchone()
        return _row_to_artifact(row) if row else None

    def path_of(self, artifact: Artifact) -> Path:
        return self.dir / artifact.path

    def work_dir(self, kind: str, key: str) -> Path:
        """A scratch folder that survives interruptions: partial results and checkpoints."""
        path = self.dir / "work" / f"{kind}-{key[:12]}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def build(self, kind: str, key: str) -> Iterator[Path]:
        """Yield an empty folder; on success it becomes the artifact's folder, atomically."""
        tmp = self.dir / "tmp" / f"{kind}-{key[:12]}-{time.time_ns()}"
        tmp.mkdir(parents=True)
        try:
            yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def commit(self, tmp: Path, kind: str, key: str, inputs: list[str],
               config: dict[str, Any]) -> Artifact:
        """Move a finished build folder into the store and record it in the catalog."""
        sha = sha256_tree(tmp)
        artifact_id = f"{kind}-{sha[:12]}"
        rel = f"artifacts/{artifact_id}"
        final = self.dir / rel
        if final.exists():
            shutil.rmtree(tmp)
        else:
            tmp.rename(final)
        artifact = Artifact(id=artifact_id, kind=kind, key=key, sha256=sha, path=rel,
                            inputs=inputs, config=config, created_at=time.time())
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO artifacts VALUES (?,?,?,?,?,?,?,?)",
                       (artifact.id, kind, key, sha, rel, json.dumps(inputs),
                        json.dumps(config, sort_keys=True), artifact.created_at))
        shutil.rmtree(self.dir / "work" / f"{kind}-{key[:12]}", ignore_errors=True)
        return artifact

    def lineage(self, artifact_id: str) -> list[Artifact]:
        """The artifact and everything it was made from, inputs first."""
        seen: dict[str, Artifact] = {}

        def visit(aid: str) -> None:
            if aid in seen or ":" in aid:  # "file:…", "fit:…": inputs that are no artifact
                return
            artifact = self.get(aid)
            for parent in artifact.inputs:
                visit(parent)
            seen[aid] = artifact

        visit(artifact_id)
        return list(seen.values())


def _folder(root: Path, name: str) -> Path:
    """``root/name``, made if missing; a file in its place is a one-line error saying what to
    do (the store cannot rebuild around it on its own)."""
    path = root / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        also = "" if name == STORE_DIR else f" and {STORE_DIR}/{CATALOG_NAME}"
        raise StudioError(f"the artifact store is damaged: {name} is a file, not a folder; "
                          f"restore it from a backup, or delete it{also} and run the stages "
                          "again to rebuild", path) from None
    except OSError as exc:
        raise StudioError(f"cannot create {name}: {exc.strerror or exc}", path) from None
    return path


def _row_to_artifact(row: tuple[Any, ...]) -> Artifact:
    aid, kind, key, sha, path, inputs, config, created = row
    return Artifact(id=aid, kind=kind, key=key, sha256=sha, path=path,
                    inputs=json.loads(inputs), config=json.loads(config), created_at=created)
