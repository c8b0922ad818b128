"""alignment-studio versions and diff, run as a user runs them, on an edited 18F policy."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from pathlib import Path

import pytest

from alignment_studio.stages import parse
from alignment_studio.stages.init import init_workspace
from alignment_studio.workspace import Workspace
from cli_run import cli, one_line_error
from policy_edits import ADDED, DELETED, DOC, EDITED_NEW, EDITED_OLD, MOVED, edit


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory,
              policies_18f: list[Path]) -> tuple[Path, Path, str, str, int]:
    """A workspace that parsed the policy, then the edited policy; with both hashes."""
    root = tmp_path_factory.mktemp("cli-diff")
    policy = root / f"{DOC}.md"
    original = next(p for p in policies_18f if p.stem == DOC)
    shutil.copy(original, policy)
    shutil.copy(original, root / "original.md")
    init_workspace(root / "ws", [policy], [])
    [(_, document)] = parse.documents(Workspace(root / "ws"))
    first = sha(policy)
    edit(policy)
    parse.documents(Workspace(root / "ws"))
    return root / "ws", policy, first, sha(policy), len(document.policies())


def test_versions_lists_both(workspace: tuple[Path, Path, str, str, int]) -> None:
    ws, _, first, second, _ = workspace
    result = cli("versions", ws)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if DOC in line]
    assert len(rows) == 2
    assert first[:12] in rows[0] and "previous" in rows[0]
    assert second[:12] in rows[1] and "latest" in rows[1]
    listed = json.loads(cli("versions", ws, "--format", "json").stdout)
    assert [v["sha256"] for v in listed] == [first, second]


def test_diff_json_has_exactly_the_edits(workspace: tuple[Path, Path, str, str, int]) -> None:
    ws, _, first, second, _ = workspace
    result = cli("diff", ws, f"{DOC}@previous", f"{DOC}@latest", "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert (diff["old"], diff["new"]) == (f"{DOC}@{first[:12]}", f"{DOC}@{second[:12]}")
    assert [a["text"] for a in diff["added"]] == [ADDED]
    assert [r["text"] for r in diff["removed"]] == [DELETED]
    assert [(c["old_text"], c["new_text"]) for c in diff["changed"]] == [(EDITED_OLD, EDITED_NEW)]
    assert [(m["text"], m["old_section_id"]) for m in diff["moved"]] == [
        (MOVED, f"{DOC}/introduction")]
    assert [r["new_title"] for r in diff["sections_renamed"]] == ["Reporting harassment"]


def test_diff_table_by_hash_prefixes(workspace: tuple[Path, Path, str, str, int]) -> None:
    ws, _, first, second, count = workspace
    result = cli("diff", ws, first[:6], f"{DOC}@{second[:8]}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"+ {ADDED}" in out and f"− {DELETED}" in out and f"→ {MOVED}" in out
    assert "~ TTS is committed to building a [-safe-] {+safe, inclusive+} and" in out
    assert "Reporting violations → Reporting harassment (renamed)" in out
    assert "Treat others with respect." not in out  # unchanged statements are not listed
    assert out.strip().splitlines()[-1] == (f"1 added, 1 removed, 1 changed, 1 moved, "
                                            f"{count - 3} unchanged; sections: 1 renamed")


def test_diff_files_outside_a_workspace(workspace: tuple[Path, Path, str, str, int]) -> None:
    ws, policy, _, _, _ = workspace
    result = cli("diff", "--files", ws.parent / "original.md", policy, "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert ([a["text"] for a in diff["added"]], [r["text"] for r in diff["removed"]]) == (
        [ADDED], [DELETED])


def test_bad_refs_are_one_line_errors(workspace: tuple[Path, Path, str, str, int]) -> None:
    ws, _, first, second, _ = workspace
    one_line_error(cli("diff", ws, f"{DOC}@previous", "nope@latest"), "no document 'nope'", DOC)
    unknown = "0000000" if not first.startswith("0") and not second.startswith("0") else "fffffff"
    one_line_error(cli("diff", ws, unknown, f"{DOC}@latest"), "no version", first[:12],
                   second[:12])
    one_line_error(cli("diff", ws, f"{DOC}@latest"), "DIR OLD NEW")
    one_line_error(cli("diff", ws, "abc", f"{DOC}@latest"), "too short")


def test_ambiguous_prefix_through_the_cli(tmp_path: Path, policies_18f: list[Path]) -> None:
    """Two real versions whose hashes share 4 characters (the second only adds blank space)."""
    policy = tmp_path / f"{DOC}.md"
    shutil.copy(next(p for p in policies_18f if p.stem == DOC), policy)
    init_workspace(tmp_path / "ws", [policy], [])
    parse.documents(Workspace(tmp_path / "ws"))
    first, base = sha(policy), policy.read_bytes()
    for n in itertools.count():
        data = base + ("\n" + format(n, "b").replace("0", " ").replace("1", "\n")).encode()
        if hashlib.sha256(data).hexdigest()[:4] == first[:4]:
            policy.write_bytes(data)
            break
    parse.documents(Workspace(tmp_path / "ws"))
    result = cli("diff", tmp_path / "ws", first[:4], f"{DOC}@latest")
    one_line_error(result, "ambiguous", f"{DOC}@{first[:12]}", f"{DOC}@{sha(policy)[:12]}")
