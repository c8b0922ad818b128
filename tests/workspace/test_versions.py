"""Document versions of a workspace: recorded per content hash, listed, and named by refs."""

from __future__ import annotations

import hashlib
import itertools
import shutil
import sqlite3
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.stages import parse
from alignment_studio.stages.init import init_workspace
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.versions import list_versions, load_version, resolve_version

DOC = "password-requirements"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_statement(path: Path) -> str:
    """Some prose line of the policy that parses into its own statement: the first long line."""
    return next(line for line in path.read_text("utf-8").splitlines()
                if len(line) > 60 and line[0].isalpha())


def collide(path: Path, prefix: str) -> None:
    """Append blank lines and spaces (no new statements) until the file's hash starts with
    ``prefix``: a real second version whose 4-character prefix is ambiguous."""
    base = path.read_bytes()
    for n in itertools.count():
        tail = "\n" + format(n, "b").replace("0", " ").replace("1", "\n") + "\n"
        data = base + tail.encode()
        if hashlib.sha256(data).hexdigest().startswith(prefix):
            path.write_bytes(data)
            return


@pytest.fixture()
def workspace(tmp_path: Path, policies_18f: list[Path]) -> tuple[Path, Path]:
    policy = tmp_path / f"{DOC}.md"
    shutil.copy(next(p for p in policies_18f if p.stem == DOC), policy)
    init_workspace(tmp_path / "ws", [policy], [])
    return tmp_path / "ws", policy


def test_each_new_content_is_one_version(workspace: tuple[Path, Path]) -> None:
    root, policy = workspace
    first_sha = sha(policy)
    parse.documents(Workspace(root))
    parse.documents(Workspace(root))  # unchanged content: no new version
    [only] = list_versions(Workspace(root).store)
    assert (only.doc_id, only.version, only.sha256) == (DOC, first_sha[:12], first_sha)

    line = first_statement(policy)
    edited = policy.read_text("utf-8").replace(line, line[:-1] + " at all times.")
    policy.write_text(edited, "utf-8")
    second_sha = sha(policy)
    parse.documents(Workspace(root))
    parse.documents(Workspace(root))
    store = Workspace(root).store
    versions = list_versions(store)
    assert [v.version for v in versions] == [first_sha[:12], second_sha[:12]]
    assert versions[0].first_seen <= versions[1].first_seen
    assert list_versions(store, "no-such-doc") == []

    old = load_version(store, f"{DOC}@{first_sha[:12]}")  # retrievable after the file changed
    assert old.sha256 == first_sha and line in [p.text for p in old.policies()]
    new = load_version(store, f"{DOC}@latest")
    assert new.sha256 == second_sha and line not in [p.text for p in new.policies()]
    assert versions[0].policies == len(old.policies())


def test_refs(workspace: tuple[Path, Path]) -> None:
    root, policy = workspace
    first_sha = sha(policy)
    parse.documents(Workspace(root))
    policy.write_text(policy.read_text("utf-8") + "\n## Added later\n\nRotate keys yearly.\n",
                      "utf-8")
    second_sha = sha(policy)
    parse.documents(Workspace(root))
    store = Workspace(root).store
    first = next(v for v in list_versions(store) if v.sha256 == first_sha)
    for ref in (f"{DOC}@previous", f"{DOC}@{first_sha[:4]}", first_sha[:7], first_sha,
                first.artifact_id):
        assert load_version(store, ref).sha256 == first_sha, ref
    for ref in (f"{DOC}@latest", DOC, second_sha[:12]):
        assert load_version(store, ref).sha256 == second_sha, ref


def test_latest_is_the_version_seen_last(workspace: tuple[Path, Path]) -> None:
    """Reverting a file makes the old content the latest again, without adding a version."""
    root, policy = workspace
    original = policy.read_bytes()
    parse.documents(Workspace(root))
    policy.write_bytes(original + b"\nEmployees must rotate keys yearly.\n")
    parse.documents(Workspace(root))
    policy.write_bytes(original)
    parse.documents(Workspace(root))
    store = Workspace(root).store
    assert len(list_versions(store)) == 2
    assert load_version(store, f"{DOC}@latest").sha256 == hashlib.sha256(original).hexdigest()
    assert load_version(store, f"{DOC}@previous").sha256 != hashlib.sha256(original).hexdigest()


def error(store_root: Path, ref: str) -> str:
    with pytest.raises(StudioError) as caught:
        resolve_version(Workspace(store_root).store, ref)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_unknown_and_ambiguous_refs_list_what_exists(workspace: tuple[Path, Path]) -> None:
    root, policy = workspace
    first_sha = sha(policy)
    parse.documents(Workspace(root))
    message = error(root, f"{DOC}@previous")
    assert "only one version" in message and first_sha[:12] in message
    collide(policy, first_sha[:4])
    second_sha = sha(policy)
    assert second_sha != first_sha and second_sha[:4] == first_sha[:4]
    parse.documents(Workspace(root))
    listed = (f"{DOC}@{first_sha[:12]}", f"{DOC}@{second_sha[:12]}")

    message = error(root, first_sha[:4])
    assert "ambiguous" in message and all(ref in message for ref in listed)
    message = error(root, f"{DOC}@{first_sha[:4]}")
    assert "ambiguous" in message and all(ref in message for ref in listed)
    message = error(root, "ffffffffffff" if first_sha[0] != "f" else "000000000000")
    assert "no version" in message and all(ref in message for ref in listed)
    message = error(root, "other-doc@latest")
    assert "no document 'other-doc'" in message and DOC in message
    assert "too short" in error(root, first_sha[:3])
    # one character more than the shared prefix tells them apart (if the hashes differ there)
    if first_sha[4] != second_sha[4]:
        assert resolve_version(Workspace(root).store, first_sha[:5]).sha256 == first_sha


def test_workspaces_parsed_before_versions_were_recorded(workspace: tuple[Path, Path]) -> None:
    """Document artifacts without a version row still list and load (read from the store)."""
    root, policy = workspace
    first_sha = sha(policy)
    parse.documents(Workspace(root))
    with sqlite3.connect(root / ".studio" / "catalog.sqlite") as db:
        db.execute("DROP TABLE document_versions")
    [only] = list_versions(Workspace(root).store)
    assert only.sha256 == first_sha
    assert load_version(Workspace(root).store, f"{DOC}@latest").sha256 == first_sha
