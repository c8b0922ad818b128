"""Review versions are allocated under the database's write lock, so processes importing at
once each get their own version; and review files are never written through a link that
leads out of the workspace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alignment_studio.framers.review import load_reviews
from alignment_studio.stages import frame
from alignment_studio.workspace import Workspace
from cli_run import cli, one_line_error

# Each process waits for the go file, then imports with the artifact hashing slowed down: the
# time between choosing the next version and recording it grows from milliseconds to a second,
# so without the lock every process would choose the same version.
IMPORTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import alignment_studio.framers.review as review_module
    from alignment_studio.stages import review
    from alignment_studio.workspace import Workspace

    root, file, reviewer, go = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    hash_tree = review_module.sha256_tree

    def slow_hash(path):
        time.sleep(1.0)
        return hash_tree(path)

    review_module.sha256_tree = slow_hash
    ws = Workspace(root)
    while not go.exists():
        time.sleep(0.01)
    artifact, recorded = review.import_file(ws, file, reviewer)
    print(recorded.version)
""")


@pytest.fixture(scope="module")
def framed(tmp_path_factory: pytest.TempPathFactory, example_policy: Path,
           example_seeds: Path) -> Path:
    base = tmp_path_factory.mktemp("lock")
    shutil.copy(example_policy, base / "guidelines.md")
    shutil.copy(example_seeds, base / "seeds.yaml")
    ws = base / "ws"
    result = cli("init", ws, "--policy", base / "guidelines.md", "--seeds", base / "seeds.yaml")
    assert result.returncode == 0, result.stderr
    config = ws / "studio.yaml"
    config.write_text(config.read_text().replace("teacher_policies: 24", "teacher_policies: 0"))
    frame.dataset(Workspace(ws))
    return ws


def test_concurrent_imports_get_distinct_versions(framed: Path, tmp_path: Path) -> None:
    ws = Workspace(framed)
    dataset = frame.dataset(ws)
    example = frame.bundle(ws, dataset).examples[0].id
    go = tmp_path / "go"
    procs = []
    for n, decision in enumerate(["accept", "reject", "accept"]):
        file = tmp_path / f"review-{n}.jsonl"
        file.write_text(json.dumps({"id": example, "decision": decision}) + "\n")
        procs.append(subprocess.Popen(
            [sys.executable, "-c", IMPORTER, str(framed), str(file), f"person-{n}", str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    time.sleep(3)  # let every process load before they all start together
    go.touch()
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outcomes]
    versions = sorted(int(out.strip().splitlines()[-1]) for out, _ in outcomes)
    assert versions == [1, 2, 3]
    recorded = load_reviews(ws.store, dataset.id)
    assert sorted(r.version for r in recorded) == [1, 2, 3]
    assert len({r.reviewer for r in recorded}) == 3


def export_through_link(framed: Path, target: Path) -> subprocess.CompletedProcess[str]:
    """``review export`` with the workspace's ``reviews`` folder a link to ``target``."""
    link = framed / "reviews"
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    link.symlink_to(target)
    try:
        return cli("review", "export", framed)
    finally:
        link.unlink()


def test_review_export_refuses_a_reviews_link_out_of_the_workspace(framed: Path,
                                                                    tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    result = export_through_link(framed, outside)
    one_line_error(result, "reviews", "leads out of the workspace")
    assert list(outside.iterdir()) == []  # nothing written through the link


def test_review_export_writes_through_a_link_that_stays_inside(framed: Path) -> None:
    inside = framed / "kept-reviews"
    inside.mkdir(exist_ok=True)
    result = export_through_link(framed, inside)
    assert result.returncode == 0, result.stderr
    assert [p.suffix for p in inside.iterdir()] == [".jsonl"]
