"""A workspace: its folder, its settings, its artifact store and database, and the cache.

Every stage (``alignment_studio.stages``) is a few plain functions taking a ``Workspace``. The
workspace knows where things are and whether a stage's result already exists; it knows nothing
of what the stages do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console

from alignment_studio.backends import BackendSpec, backend_kind
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.types import LineageEntry
from alignment_studio.workspace.config import (
    CONFIG_NAME,
    StudioConfig,
    load_config,
    write_config,
)
from alignment_studio.workspace.db import StudioDB
from alignment_studio.workspace.paths import output_dir
from alignment_studio.workspace.store import Artifact, ArtifactStore, sha256_tree, stage_key

console = Console(stderr=True)


class Workspace:
    """A workspace folder: ``studio.yaml``, the artifact store and the database."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.config: StudioConfig = load_config(self.root)
        self.store = ArtifactStore(self.root)
        self._done: dict[str, Artifact] = {}  # stages already run through this object

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @cached_property
    def db(self) -> StudioDB:
        """The database of records that are not artifacts (``.studio/studio.sqlite``)."""
        return StudioDB(self.root)

    @property
    def prompts(self) -> Prompts:
        """The prompt templates, with the workspace's own versions (``DIR/prompts/``) first."""
        return Prompts(self.root / "prompts")

    @property
    def reports_dir(self) -> Path:
        """Where the published report (and the monitor's) lands: ``DIR/reports/``."""
        return self.root / "reports"

    def output_dir(self, name: str) -> Path:
        """``DIR/name``, made if missing, for writing: a one-line error when it (or an entry in
        it) is a link that leads out of the workspace, so nothing is written through it."""
        return output_dir(self.root, name)

    @property
    def cache_dir(self) -> str | None:
        return str(self.path(self.config.cache_dir)) if self.config.cache_dir else None

    def path(self, name: str) -> Path:
        """A path from studio.yaml: relative ones are relative to the workspace."""
        candidate = Path(name).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def model_name(self, model: str) -> str:
        """'embedded' as is; a relative model folder is relative to the workspace."""
        return model if model == "embedded" else str(self.path(model))

    def resolve(self, spec: BackendSpec) -> BackendSpec:
        """The spec with a local model's folder made relative to the workspace."""
        if not backend_kind(spec.backend).local:
            return spec
        return spec.model_copy(update={"model": self.model_name(spec.model)})

    def once(self, kind: str, build: Callable[[], Artifact]) -> Artifact:
        """Run a stage at most once per Workspace object (later stages ask for earlier ones)."""
        if kind not in self._done:
            self._done[kind] = build()
        return self._done[kind]

    def cached(self, kind: str, inputs: list[str],
               config: dict[str, Any]) -> tuple[str, Artifact | None]:
        """The stage key of (kind, inputs, config), and the artifact already made for it."""
        key = stage_key(kind, inputs, config)
        found = self.store.find(kind, key)
        if found:
            console.print(f"[dim]{kind}: unchanged inputs and config, reusing {found.id}[/dim]")
        return key, found

    def file_input(self, path: Path, what: str) -> str:
        """A workspace file as a stage input: its name and content hash."""
        if not path.is_file():
            raise StudioError(f"{what} not found", path)
        return f"file:{path.name}@{sha256_tree(path)[:12]}"

    def list_seed_file(self, name: str) -> bool:
        """Add a seed file to ``seeds:`` in studio.yaml unless it is listed; whether it was
        added. The file is read afresh, so a listing another process made is seen."""
        config = load_config(self.root)
        target = self.path(name).resolve()
        if any(self.path(s).resolve() == target for s in config.seeds):
            return False
        config.seeds.append(name)
        write_config(self.root, config)
        if name not in self.config.seeds:
            self.config.seeds.append(name)
        return True

    def lineage(self, artifact_id: str) -> list[LineageEntry]:
        """The artifact and everything it was made from, inputs first."""
        return [LineageEntry(artifact=a.id, kind=a.kind, sha256=a.sha256, inputs=a.inputs)
                for a in self.store.lineage(artifact_id)]

    def latest(self, kind: str, hint: str) -> Artifact:
        """The newest artifact of a kind, or a one-line error saying how to make one."""
        artifact = self.store.latest(kind)
        if artifact is None:
            raise StudioError(f"no {kind} in this workspace yet: run 'alignment-studio {hint}' "
                              "first", self.root)
        return artifact
