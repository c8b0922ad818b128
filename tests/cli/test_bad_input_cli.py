"""Bad input through the console script: `init` reads every policy and seed file as `frame`
will and stops at the first bad one, leaving nothing behind; damaged workspace files give one
line that names the file and says what to do, never a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.workspace import Workspace
from cli_run import cli, one_line_error
from hostile_files import scanned_page, text_page, write_encrypted_pdf, write_pdf

pytest.importorskip("pypdf")
RULE = "Staff must lock their screens."


def _random(path: Path) -> Path:
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    return path


def _truncated(path: Path) -> Path:
    data = write_pdf(path, [text_page(RULE)]).read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


BAD_POLICIES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "random.pdf": (_random, "not a readable PDF file"),
    "random.docx": (_random, "not a readable .docx file"),
    "locked.pdf": (write_encrypted_pdf, "encrypted PDF: remove the password first"),
    "truncated.pdf": (_truncated, "damaged or truncated"),
    "scan.pdf": (lambda p: write_pdf(p, [scanned_page()], image=True), "run OCR"),
}


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
def test_init_refuses_a_policy_frame_would_refuse(tmp_path: Path, example_policy: Path,
                                                  name: str) -> None:
    """The good policy first: init stops at the bad one, exit 2, and writes nothing."""
    make, needle = BAD_POLICIES[name]
    bad = make(tmp_path / name)
    ws = tmp_path / "ws"
    one_line_error(cli("init", ws, "--policy", example_policy, "--policy", bad), str(bad),
                   needle)
    assert not ws.exists()


def test_init_refuses_a_binary_seed_file_and_keeps_an_existing_folder(
        tmp_path: Path, example_policy: Path) -> None:
    seeds = _random(tmp_path / "seeds.yaml")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text("mine")
    one_line_error(cli("init", ws, "--policy", example_policy, "--seeds", seeds),
                   f"{seeds}: not valid UTF-8")
    assert sorted(p.name for p in ws.iterdir()) == ["notes.txt"]


def test_init_refuses_a_seed_that_names_no_policy(tmp_path: Path, example_policy: Path) -> None:
    seeds = tmp_path / "seeds.yaml"
    seeds.write_text('version: 1\ninstruction:\n  - id: "s1"\n    task: "qa"\n'
                     '    section: "Conflicts of Interest"\n    quote: "no such words here"\n'
                     '    question: "Who locks the door?"\n    answer: "Everyone does."\n')
    one_line_error(cli("init", tmp_path / "ws", "--policy", example_policy, "--seeds", seeds),
                   f"{seeds}:3:")
    assert not (tmp_path / "ws").exists()


def test_init_on_an_existing_file(tmp_path: Path, example_policy: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    one_line_error(cli("init", target, "--policy", example_policy), str(target),
                   "is a file, not a folder")
    assert target.read_text() == "not a folder"


def test_init_that_fails_half_way_writes_no_studio_yaml(tmp_path: Path,
                                                       example_policy: Path) -> None:
    """The folder exists and its '.studio' is a file: the store cannot be made, so init stops
    before studio.yaml (written last) and leaves the folder as it was."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / ".studio").write_text("in the way")
    one_line_error(cli("init", ws, "--policy", example_policy), str(ws / ".studio"),
                   "is a file, not a folder")
    assert sorted(p.name for p in ws.iterdir()) == [".studio"]


def test_init_stores_paths_inside_the_workspace_relative_to_it(tmp_path: Path,
                                                               example_policy: Path,
                                                               example_seeds: Path) -> None:
    """A policy inside the workspace is named relative to it, so the folder can move; one
    outside is named by absolute path, and init says so."""
    ws = tmp_path / "ws"
    (ws / "policies").mkdir(parents=True)
    inside = ws / "policies" / "guidelines.md"
    shutil.copy(example_policy, inside)
    result = cli("init", "ws", "--policy", inside.relative_to(tmp_path), "--seeds",
                 example_seeds, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (ws / "studio.yaml").read_text()
    assert "policies: [policies/guidelines.md]" in text
    assert f"seeds: [{example_seeds.resolve()}]" in text
    assert "note: " in result.stdout and f"{example_seeds} is outside the workspace" in (
        result.stdout.replace("\n", " "))
    moved = tmp_path / "elsewhere"
    ws.rename(moved)
    parsed = cli("lineage", moved)  # the moved workspace still opens
    assert parsed.returncode == 0, parsed.stderr
    workspace = Workspace(moved)
    assert workspace.path(workspace.config.policies[0]) == moved / "policies" / "guidelines.md"


def test_artifacts_folder_replaced_by_a_file(workspace: Path) -> None:
    artifacts = workspace / ".studio" / "artifacts"
    shutil.rmtree(artifacts)
    artifacts.write_text("oops")
    one_line_error(cli("lineage", workspace), str(artifacts), "artifact store is damaged",
                   "restore it from a backup")


@pytest.fixture(scope="module")
def framed(tmp_path_factory: pytest.TempPathFactory, example_policy: Path,
           example_seeds: Path) -> Path:
    """One framed workspace (teacher off) for this module; tests work on copies of it."""
    root = tmp_path_factory.mktemp("framed")
    shutil.copy(example_policy, root / "guidelines.md")
    shutil.copy(example_seeds, root / "seeds.yaml")
    ws = root / "ws"
    assert cli("init", ws, "--policy", root / "guidelines.md", "--seeds",
               root / "seeds.yaml").returncode == 0
    config = ws / "studio.yaml"
    config.write_text(config.read_text().replace("teacher_policies: 24", "teacher_policies: 0"))
    result = cli("frame", ws)
    assert result.returncode == 0, result.stderr
    return ws


@pytest.fixture()
def framed_copy(framed: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(framed, tmp_path / "ws"))


def test_review_csv_with_a_huge_cell(framed_copy: Path, tmp_path: Path) -> None:
    review = tmp_path / "review.csv"
    review.write_text("id,decision,comment\nsome-id,accept," + "x" * (5 << 20) + "\n")
    one_line_error(cli("review", "import", framed_copy, review), f"{review}:2:",
                   "field larger than field limit", "JSONL")


def test_reviews_is_a_regular_file(framed_copy: Path) -> None:
    (framed_copy / "reviews").write_text("not a folder")
    one_line_error(cli("review", "export", framed_copy, "--format", "csv"),
                   str(framed_copy / "reviews"), "not a folder")


def test_a_truncated_dataset_artifact(framed_copy: Path) -> None:
    [folder] = (framed_copy / ".studio" / "artifacts").glob("dataset-*")
    dataset = folder / "dataset.jsonl"
    dataset.write_bytes(dataset.read_bytes()[:5000])
    one_line_error(cli("review", "export", framed_copy), str(dataset),
                   f"the data set artifact {folder.name} is damaged",
                   f"restore .studio/artifacts/{folder.name} from a backup",
                   "'alignment-studio frame")
