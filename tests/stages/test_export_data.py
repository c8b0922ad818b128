"""export-data: the bundled example framed with the fake backend as teacher (no model at all),
exported as TRL JSONL, Parquet and a datasets folder, and read back with the Hugging Face
readers as they are. The slow tests train one step of plain TRL trainers on the files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.backends.fake import FakeSpec
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.data_export import DataFormat
from alignment_studio.stages import frame
from alignment_studio.stages.export_data import export_data
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import DatasetBundle, Split
from alignment_studio.workspace import StudioConfig, Workspace
from cli_run import cli, one_line_error

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def framed(tmp_path_factory: pytest.TempPathFactory, example_policy: Path,
           example_seeds: Path) -> Path:
    root = tmp_path_factory.mktemp("export")
    for source in (example_policy, example_seeds):
        shutil.copy(source, root / source.name)
    config = StudioConfig(name="export-test", organization="Acme", teacher=FakeSpec())
    config.frame.teacher_policies = 0
    config.frame.max_policies = 24
    config.frame.test_fraction = 0.25
    init_workspace(root / "ws", [root / example_policy.name], [root / example_seeds.name],
                   config)
    frame.dataset(Workspace(root / "ws"))
    return root / "ws"


def bundle_of(ws: Path) -> DatasetBundle:
    studio = Workspace(ws)
    artifact = frame.latest(studio)
    assert artifact is not None
    return frame.bundle(studio, artifact)


def artifact_folder(ws: Path) -> Path:
    folders = list((ws / ".studio" / "artifacts").glob("dataset-*"))
    assert len(folders) == 1
    return folders[0]


def test_the_dataset_artifact_is_plain_jsonl(framed: Path) -> None:
    """load_dataset("json") reads the artifact as it is: every row an example, none null;
    the manifest lives beside it."""
    folder = artifact_folder(framed)
    table = datasets.load_dataset("json", data_files=str(folder / "dataset.jsonl"))["train"]
    bundle = bundle_of(framed)
    assert table["id"] == [e.id for e in bundle.examples]
    assert None not in table["kind"] and None not in table["messages"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["manifest"]["policy_count"] == bundle.manifest.policy_count > 0


def test_an_artifact_of_the_older_layout_still_reads(framed: Path, tmp_path: Path) -> None:
    """A data set framed before the manifest moved out (its first line) reads the same."""
    ws = tmp_path / "ws"
    shutil.copytree(framed, ws)
    folder = artifact_folder(ws)
    header = json.loads((folder / "manifest.json").read_text())
    examples = (folder / "dataset.jsonl").read_text()
    (folder / "dataset.jsonl").write_text(json.dumps(header) + "\n" + examples)
    (folder / "manifest.json").unlink()
    assert bundle_of(ws) == bundle_of(framed)


def test_trl_jsonl_holds_both_conversational_forms(framed: Path, tmp_path: Path) -> None:
    result = export_data(Workspace(framed), tmp_path / "out", DataFormat.trl)
    out = tmp_path / "out"
    assert result.files == ["README.md", "preference-test.jsonl", "preference-train.jsonl",
                            "sft-test.jsonl", "sft-train.jsonl"]
    sft = datasets.load_dataset("json", data_files=str(out / "sft-train.jsonl"))["train"]
    row = sft[0]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][-1]["content"] and row["policy_ids"] and row["id"]
    assert set(sft["kind"]) <= {"instruction", "scenario", "conflict", "attack"}
    scenario = next(r for r in sft if r["kind"] == "scenario")
    assert scenario["verdict"] in ("compliant", "violating", "needs_info")
    pairs = datasets.load_dataset("json", data_files=str(out / "preference-train.jsonl"))["train"]
    pair = pairs[0]
    assert [m["role"] for m in pair["prompt"]] == ["system", "user"]
    assert [m["role"] for m in pair["chosen"]] == [m["role"] for m in pair["rejected"]] == [
        "assistant"]
    assert pair["chosen"][0]["content"] != pair["rejected"][0]["content"]
    counts = {(t.table, t.split): t.rows for t in result.tables}
    assert counts[("sft", Split.train)] == len(sft)
    assert counts[("preference", Split.train)] == len(pairs)


def test_the_card_is_readme_and_names_the_files_for_load_dataset(framed: Path,
                                                                 tmp_path: Path) -> None:
    """README.md carries the data card and a configs header: load_dataset(folder, name)."""
    export_data(Workspace(framed), tmp_path / "out", DataFormat.trl)
    readme = (tmp_path / "out" / "README.md").read_text()
    card = artifact_folder(framed) / "datacard.md"
    assert readme.startswith("---\n") and card.read_text().strip() in readme
    assert "# export-test: policy-alignment data" in readme
    sft = datasets.load_dataset(str(tmp_path / "out"), "sft")
    assert set(sft) == {"train", "test"} and len(sft["test"]) > 0
    assert datasets.load_dataset(str(tmp_path / "out"), "preference")["train"].column_names[:3] == [
        "prompt", "chosen", "rejected"]


def test_parquet_files_and_one_split(framed: Path, tmp_path: Path) -> None:
    result = export_data(Workspace(framed), tmp_path / "out", DataFormat.parquet, Split.test)
    assert result.files == ["README.md", "preference-test.parquet", "sft-test.parquet"]
    table = datasets.load_dataset("parquet", data_files=str(tmp_path / "out" /
                                                            "sft-test.parquet"))["train"]
    bundle = bundle_of(framed)
    assert len(table) == sum(e.target is not None for e in bundle.split(Split.test))
    assert table.features["verdict"].dtype == "string"  # typed even where every value is null
    pairs = datasets.load_dataset("parquet", data_files=str(tmp_path / "out" /
                                                            "preference-test.parquet"))["train"]
    assert set(pairs["verdict"]) == {None}


def test_hf_folder_per_table_loads_from_disk(framed: Path, tmp_path: Path) -> None:
    result = export_data(Workspace(framed), tmp_path / "out", DataFormat.hf)
    assert result.files == ["README.md", "preference", "sft"]
    sft = datasets.load_from_disk(str(tmp_path / "out" / "sft"))
    assert set(sft) == {"train", "test"}
    assert sft["train"][0]["messages"][-1]["role"] == "assistant"
    pairs = datasets.load_from_disk(str(tmp_path / "out" / "preference"))
    assert {t.rows for t in result.tables if t.table == "preference"} == {
        len(pairs["train"]), len(pairs["test"])}
    assert "load_from_disk" in (tmp_path / "out" / "README.md").read_text()


def test_a_folder_that_is_not_empty_is_refused(framed: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(StudioError, match="export folder is not empty"):
        export_data(Workspace(framed), tmp_path / "out", DataFormat.trl)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_the_command_prints_one_line_and_rejects_a_bad_format(framed: Path,
                                                              tmp_path: Path) -> None:
    result = cli("export-data", framed, "--format", "parquet", "--out", tmp_path / "out",
                 "--split", "train")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("exported sft: train ")
    assert "preference: train " in result.stdout and "(parquet)" in result.stdout
    assert "Creating parquet" not in result.stderr  # no progress bars of datasets
    bad = cli("export-data", framed, "--format", "csv", "--out", tmp_path / "other")
    assert bad.returncode == 2 and "csv" in bad.stderr
    taken = cli("export-data", framed, "--out", tmp_path / "out")
    one_line_error(taken, "export folder is not empty", str(tmp_path / "out"))


def train_args(tmp_path: Path) -> dict[str, Any]:
    return {"output_dir": str(tmp_path / "run"), "max_steps": 1, "per_device_train_batch_size": 2,
            "gradient_accumulation_steps": 1, "learning_rate": 1e-4, "report_to": [],
            "save_strategy": "no", "logging_steps": 1, "use_cpu": True, "max_length": 192}


@pytest.mark.slow
def test_one_sft_step_of_plain_trl_on_the_exported_messages(framed: Path,
                                                            tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from alignment_studio.backends.embedded import resolve_model_path

    export_data(Workspace(framed), tmp_path / "out", DataFormat.trl, Split.train)
    data = datasets.load_dataset("json", data_files=str(tmp_path / "out" / "sft-train.jsonl"),
                                 split="train")
    path = resolve_model_path("embedded")
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    trainer = SFTTrainer(model=model, args=SFTConfig(**train_args(tmp_path)), train_dataset=data,
                         processing_class=AutoTokenizer.from_pretrained(path))
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert trainer.state.global_step == 1 and len(losses) == 1 and losses[0] > 0


@pytest.mark.slow
def test_one_dpo_step_of_plain_trl_on_the_exported_pairs(framed: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from alignment_studio.backends.embedded import resolve_model_path

    export_data(Workspace(framed), tmp_path / "out", DataFormat.trl, Split.train)
    data = datasets.load_dataset("json", data_files=str(
        tmp_path / "out" / "preference-train.jsonl"), split="train")
    path = resolve_model_path("embedded")
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    trainer = DPOTrainer(model=model, args=DPOConfig(**train_args(tmp_path)), train_dataset=data,
                         processing_class=AutoTokenizer.from_pretrained(path))
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert trainer.state.global_step == 1 and len(losses) == 1 and losses[0] > 0
