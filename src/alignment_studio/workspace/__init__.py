"""A studio project on disk: studio.yaml, artifact store, SQLite catalog, lineage."""

from alignment_studio.backends import BackendSpec
from alignment_studio.workspace.config import StudioConfig, load_config, render_config, write_config
from alignment_studio.workspace.store import Artifact, ArtifactStore, sha256_bytes, stage_key

__all__ = [
    "Artifact", "ArtifactStore", "BackendSpec", "StudioConfig", "load_config", "render_config",
    "sha256_bytes", "stage_key", "write_config",
]
