"""The human review loop on a real workspace of the bundled example (no teacher: seeds and
structure items only, so framing takes about a second)."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.review import (
    apply_reviews,
    load_reviews,
)
from alignment_studio.stages import frame
from alignment_studio.stages import review as review_stage
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import Label
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig

SCRIPT = Path(sys.executable).with_name("alignment-studio")


@pytest.fixture()
def ws(tmp_path: Path, example_policy: Path, example_seeds: Path) -> Path:
    config = StudioConfig(name="review-test", organization="Meridian Harbor Technologies")
    config.frame.teacher_policies = 0
    init_workspace(tmp_path / "ws", [example_policy], [example_seeds], config)
    return tmp_path / "ws"


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def dataset_file(ws: Path) -> Path:
    files = list((ws / ".studio" / "artifacts").glob("dataset-*/dataset.jsonl"))
    assert len(files) == 1
    return files[0]


def pick(rows: list[dict[str, Any]], kind: str, label: str = "") -> dict[str, Any]:
    return next(r for r in rows if r["kind"] == kind and r["label"] == label
                and not r["decision"])


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_edit_import_round_trip(ws: Path, fmt: str) -> None:
    path, count = review_stage.export(Workspace(ws), ws / f"to-review.{fmt}", fmt)  # type: ignore[arg-type]
    original = dataset_file(ws).read_bytes()
    examples = original.decode().splitlines()
    rows = read_rows(path)
    assert count == len(rows) == len(examples) > 50
    assert list(rows[0]) == ["id", "kind", "label", "split", "policy_ids", "policy_text",
                             "prompt", "target", "chosen", "rejected", "decision",
                             "edited_target", "edited_label", "comment"]
    first = json.loads(examples[0])
    assert rows[0]["id"] == first["id"] and rows[0]["prompt"] == first["messages"][-1]["content"]
    assert rows[0]["policy_text"].split("] ", 1)[1] in rows[0]["prompt"]
    assert all(r["decision"] == r["edited_target"] == r["comment"] == "" for r in rows)

    rejected = pick(rows, "instruction")
    rejected.update(decision="reject", comment="answer cites the wrong rule")
    rewritten = pick(rows, "instruction")
    rewritten.update(decision="Edit", edited_target="A better answer, written by an expert.")
    relabelled = pick(rows, "scenario", "violating")
    relabelled.update(decision="edit", edited_label="needs_info", comment="amount unknown")
    accepted = pick(rows, "scenario", "compliant")
    accepted["decision"] = "accept"
    write_rows(path, rows)

    artifact, review = review_stage.import_file(Workspace(ws), path, "alice")
    assert dataset_file(ws).read_bytes() == original  # the generated data set is untouched
    assert artifact.kind == "review" and review.version == 1 and len(review.decisions) == 4
    stored = json.loads((ws / ".studio" / artifact.path / "review.json").read_text())
    assert {d["example_id"]: d["decision"] for d in stored["decisions"]} == {
        rejected["id"]: "reject", rewritten["id"]: "edit", relabelled["id"]: "edit",
        accepted["id"]: "accept"}
    assert all(d["reviewer"] == "alice" and d["timestamp"] for d in stored["decisions"])

    bundle = review_stage.reviewed_bundle(Workspace(ws))
    by_id = {e.id: e for e in bundle.examples}
    assert len(bundle.examples) == count - 1 and rejected["id"] not in by_id
    assert by_id[rewritten["id"]].target == "A better answer, written by an expert."
    assert "alice" in (by_id[rewritten["id"]].provenance.review or "")
    scenario = by_id[relabelled["id"]]
    assert scenario.label == Label.needs_info and scenario.target
    assert scenario.target.startswith("needs_info:")
    assert scenario.target.endswith(relabelled["target"].split(":", 1)[1])
    assert by_id[accepted["id"]].model_dump_json() == json.dumps(
        json.loads(next(x for x in examples if accepted["id"] in x)), separators=(",", ":"))
    workspace = Workspace(ws)
    _, dropped = apply_reviews(frame.bundle(workspace, frame.dataset(workspace)), load_reviews(
        workspace.store, artifact.inputs[0]))
    assert [(d.stage, d.reason) for d in dropped] == [
        ("review", "rejected by alice: answer cites the wrong rule")]


def test_second_import_is_a_new_version_and_the_latest_decision_wins(ws: Path) -> None:
    path, _ = review_stage.export(Workspace(ws), ws / "r.jsonl", "jsonl")
    rows = read_rows(path)
    target = pick(rows, "instruction")
    target.update(decision="reject", comment="too vague")
    write_rows(path, [target])
    first, _ = review_stage.import_file(Workspace(ws), path, "alice")
    assert target["id"] not in {e.id for e in review_stage.reviewed_bundle(Workspace(ws)).examples}

    target.update(decision="accept", comment="fine after all")
    second_file = ws / "r2.jsonl"
    write_rows(second_file, [target])
    second, review = review_stage.import_file(Workspace(ws), second_file, "bob")
    assert review.version == 2 and second.id != first.id
    reviews = load_reviews(Workspace(ws).store, first.inputs[0])
    assert [(r.version, r.reviewer, r.decisions[0].decision) for r in reviews] == [
        (1, "alice", "reject"), (2, "bob", "accept")]
    assert target["id"] in {e.id for e in review_stage.reviewed_bundle(Workspace(ws)).examples}
    assert (ws / ".studio" / first.path / "review.json").is_file()  # v1 is kept


def line_of_id(path: Path, example_id: str) -> int:
    text = path.read_text(encoding="utf-8-sig")
    return text[:text.index(example_id)].count("\n") + 1


@pytest.mark.parametrize(("change", "needle"), [
    ({"decision": "maybe"}, "decision must be accept, reject or edit, not 'maybe'"),
    ({"decision": "edit"}, "decision 'edit' needs edited_target or edited_label"),
    ({"id": "qa-0000000000", "decision": "accept"}, "unknown example id 'qa-0000000000'"),
    ({"decision": "edit", "edited_label": "compliant"}, "has no label to edit"),
])
def test_bad_rows_fail_with_file_line_and_write_nothing(ws: Path, change: dict[str, str],
                                                        needle: str) -> None:
    path, _ = review_stage.export(Workspace(ws), ws / "bad.csv", "csv")
    rows = read_rows(path)
    good = pick(rows, "scenario", "compliant")
    good["decision"] = "accept"
    bad = pick(rows, "instruction")
    bad.update(change)
    write_rows(path, rows)
    result = subprocess.run([str(SCRIPT), "review", "import", str(ws), str(path)],
                            capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
                            timeout=300)
    assert result.returncode == 2, result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], lines  # one line, no traceback
    assert errors[0].startswith(f"error: {path}:{line_of_id(path, bad['id'])}: "), errors
    assert needle in errors[0]
    catalog = sqlite3.connect(ws / ".studio" / "catalog.sqlite")
    assert catalog.execute("SELECT COUNT(*) FROM artifacts WHERE kind='review'").fetchone() == (0,)


def test_cli_export_filters_and_import_reports_the_version(ws: Path) -> None:
    out = ws / "violating.jsonl"
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run([str(SCRIPT), "review", "export", str(ws), "--out", str(out),
                             "--only", "scenario/violating"], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = read_rows(out)
    assert rows and all(r["kind"] == "scenario" and r["label"] == "violating" for r in rows)
    rows[0]["decision"] = "accept"
    write_rows(out, rows)
    result = subprocess.run([str(SCRIPT), "review", "import", str(ws), str(out), "--reviewer",
                             "carol"], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "review v1" in result.stdout and "1 accept" in result.stdout
    assert "carol" in result.stdout
    bad = subprocess.run([str(SCRIPT), "review", "export", str(ws), "--only", "scenario/maybe"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "--only 'scenario/maybe'" in bad.stderr


def test_an_empty_review_is_an_error(ws: Path) -> None:
    path, _ = review_stage.export(Workspace(ws), ws / "empty.jsonl", "jsonl")
    with pytest.raises(StudioError, match="no decisions"):
        review_stage.import_file(Workspace(ws), path, "alice")


def test_a_stored_review_still_applies_after_a_heading_is_renamed(
        tmp_path: Path, example_policy: Path, example_seeds: Path) -> None:
    """Policy IDs are content anchors: renaming a heading re-frames the data set (the document
    changed) but keeps every policy's and example's ID, so the recorded decision follows (and
    seeds that name the old section still find their quote)."""
    own = tmp_path / "guidelines.md"
    own.write_text(example_policy.read_text(encoding="utf-8"), encoding="utf-8")
    config = StudioConfig(name="rename-test", organization="Meridian Harbor Technologies")
    config.frame.teacher_policies = 0
    ws = tmp_path / "ws"
    init_workspace(ws, [own], [example_seeds], config)
    workspace = Workspace(ws)
    path, _ = review_stage.export(workspace, ws / "r.jsonl", "jsonl")
    target = pick(read_rows(path), "instruction")
    target.update(decision="reject", comment="off topic")
    write_rows(path, [target])
    recorded, _ = review_stage.import_file(workspace, path, "alice")
    before = frame.dataset(workspace)
    policy = workspace.path(workspace.config.policies[0])
    assert policy.resolve() == own.resolve()
    text = policy.read_text(encoding="utf-8")
    assert "## Gifts and Entertainment" in text
    policy.write_text(text.replace("## Gifts and Entertainment", "## Gifts, Meals and Hospitality"),
                      encoding="utf-8")

    after = frame.dataset(Workspace(ws))
    assert after.id != before.id  # a new data set from the new document version
    fresh = frame.bundle(Workspace(ws), after)
    assert target["id"] in {e.id for e in fresh.examples}  # same example, same ID
    assert recorded.id in review_stage.reviews_of(Workspace(ws), after)
    kept = {e.id for e in review_stage.reviewed_bundle(Workspace(ws)).examples}
    assert target["id"] not in kept and len(kept) == len(fresh.examples) - 1
