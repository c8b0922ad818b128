from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.workspace.store import ArtifactStore, stage_key


def make(store: ArtifactStore, kind: str, inputs: list[str], content: str):
    key = stage_key(kind, inputs, {"x": 1})
    with store.build(kind, key) as tmp:
        (tmp / "out.txt").write_text(content)
        return store.commit(tmp, kind, key, inputs, {"x": 1})


def test_catalog_records_kind_hash_inputs_config_time(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    doc = make(store, "document", ["file:a.md@123"], "doc")
    data = make(store, "dataset", [doc.id], "data")
    rows = sqlite3.connect(tmp_path / ".studio" / "catalog.sqlite").execute(
        "SELECT id, kind, inputs, config FROM artifacts ORDER BY created_at").fetchall()
    assert [r[1] for r in rows] == ["document", "dataset"]
    assert doc.id in rows[1][2] and '"x": 1' in rows[1][3]
    assert (store.path_of(data) / "out.txt").read_text() == "data"
    assert [a.id for a in store.lineage(data.id)] == [doc.id, data.id]
    with pytest.raises(StudioError, match="no artifact named 'nope'"):
        store.lineage("nope")


def test_same_key_is_found_changed_config_is_not(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    art = make(store, "dataset", ["a"], "v1")
    assert store.find("dataset", stage_key("dataset", ["a"], {"x": 1})) == art
    assert store.find("dataset", stage_key("dataset", ["a"], {"x": 2})) is None
    assert store.find("dataset", stage_key("dataset", ["b"], {"x": 1})) is None


def test_interrupted_build_leaves_earlier_artifacts_and_no_partial_one(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    first = make(store, "dataset", ["a"], "v1")
    key = stage_key("model", [first.id], {})
    with pytest.raises(KeyboardInterrupt), store.build("model", key) as tmp:
        (tmp / "half.bin").write_text("partial")
        raise KeyboardInterrupt
    assert store.find("model", key) is None
    assert [a.id for a in store.all()] == [first.id]
    assert (store.path_of(first) / "out.txt").read_text() == "v1"
    assert not any((tmp_path / ".studio" / "tmp").iterdir())


def test_artifact_with_deleted_files_is_not_reused(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    art = make(store, "dataset", ["a"], "v1")
    (store.path_of(art) / "out.txt").unlink()
    store.path_of(art).rmdir()
    assert store.find("dataset", art.key) is None
