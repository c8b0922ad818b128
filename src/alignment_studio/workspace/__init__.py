"""A workspace on disk: studio.yaml (config.py), the artifact store and its SQLite catalog
(store.py), the database of records (db.py), document versions, and ``Workspace``, which holds
them together for the stages."""

from alignment_studio.workspace.config import StudioConfig, load_config, render_config, write_config
from alignment_studio.workspace.store import Artifact, ArtifactStore, sha256_bytes, stage_key
from alignment_studio.workspace.workspace import Workspace

__all__ = [
    "Artifact", "ArtifactStore", "StudioConfig", "Workspace", "load_config", "render_config",
    "sha256_bytes", "stage_key", "write_config",
]
