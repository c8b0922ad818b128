"""init -> frame -> instruct -> audit with the real embedded model on a tiny slice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alignment_studio.backends.base import GenerationConfig
from alignment_studio.stages import audit, frame, instruct
from alignment_studio.stages import export as export_stage
from alignment_studio.stages import review as review_stage
from alignment_studio.stages.init import demo_config, init_workspace
from alignment_studio.types import Message
from alignment_studio.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, example_policy: Path,
           example_seeds: Path) -> Workspace:
    root = tmp_path_factory.mktemp("integration")
    shutil.copy(example_policy, root / "guidelines.md")
    shutil.copy(example_seeds, root / "seeds.yaml")
    config = demo_config(root, quick=True)
    config.frame.max_policies = 8
    config.frame.teacher_policies = 2
    config.frame.test_fraction = 0.25
    config.train.max_train_examples = 8
    config.train.max_steps = 2
    config.train.save_steps = 1
    config.audit.max_items = 6
    config.audit.general.max_items = 10
    config.audit.redteam.max_attacks = 9
    config.audit.variants = ["base", "base+prompt", "base+rag", "aligned", "aligned+rag"]
    config.train.audit_steps = 1
    config.train.audit_items = 4
    init_workspace(root, [root / "guidelines.md"], [root / "seeds.yaml"], config)
    return Workspace(root)


def test_full_cycle_changes_weights_and_reports_per_policy(studio: Workspace) -> None:
    report = audit.report(studio)
    model = studio.store.latest("model")
    assert model is not None
    from safetensors.torch import load_file

    adapter = load_file(str(studio.store.path_of(model) / "adapter" / "adapter_model.safetensors"))
    lora_b = [t for name, t in adapter.items() if "lora_B" in name]
    assert lora_b and any(t.abs().sum() > 0 for t in lora_b)  # PEFT initialises lora_B to 0
    log = json.loads((studio.store.path_of(model) / "train_log.json").read_text())
    assert log["steps"] == 2 and len(log["losses"]) == 2
    assert report.per_policy and all(r.base and r.aligned for r in report.per_policy)
    assert {s.metric for s in report.summary["aligned"]} >= {"scenario_accuracy"}
    assert [e.kind for e in report.lineage] == ["document", "dataset", "model"]
    text = (studio.root / "reports" / "report.md").read_text()
    assert report.per_policy[0].policy_id in text
    # every suite of the audit ran on both models
    assert set(report.summary) == {"base", "base+prompt", "base+rag", "aligned", "aligned+rag"}
    assert set(report.general) == {"base", "aligned"}
    assert report.general["aligned"][0].n == 10
    assert report.redteam is not None and report.redteam.overall["aligned"].n == 9
    assert {o.strategy for o in report.redteam.outcomes["aligned"]} == {
        "direct", "role_play", "hypothetical", "authority", "obfuscation_leetspeak",
        "obfuscation_spaced", "obfuscation_base64", "multi_turn", "document_injection"}
    assert "input_auroc" in report.detector
    assert report.side_by_side is not None and sum(report.side_by_side.counts.values()) == 6
    assert [p["step"] for p in report.training_eval] == [1.0, 2.0]  # the training-time audit
    html = (studio.root / "reports" / "report.html").read_text()
    assert "<svg" in html and report.per_policy[0].policy_id in html
    for finding in report.findings:
        assert finding.policy_text  # traced to its clause


def test_rerun_reuses_every_artifact(studio: Workspace) -> None:
    before = [a.id for a in studio.store.all()]
    audit.report(Workspace(studio.root))
    assert [a.id for a in studio.store.all()] == before


def test_audit_as_a_ci_gate(studio: Workspace) -> None:
    from cli_run import cli, one_line_error

    report = audit.report(Workspace(studio.root))  # cached: the gate reads the same numbers
    accuracy = next(s.value for s in report.summary["aligned"] if s.metric == "scenario_accuracy")
    passed = cli("audit", studio.root, "--fail-under", f"scenario_accuracy={accuracy}",
                 "--fail-over", "attack_success_rate=1")
    assert passed.returncode == 0, passed.stderr
    assert f"ok: aligned:scenario_accuracy = {accuracy:.3f}" in passed.stdout
    failed = cli("audit", studio.root, "--fail-under", f"scenario_accuracy={accuracy + 0.01}")
    assert failed.returncode == 1
    assert "FAILED: aligned:scenario_accuracy" in failed.stdout
    one_line_error(cli("audit", studio.root, "--fail-under", "nonsense=1"), "no metric")
    one_line_error(cli("audit", studio.root, "--fail-under", "accuracy"), "METRIC=VALUE")


def test_teacher_items_came_from_the_real_model(studio: Workspace) -> None:
    dataset = studio.store.latest("dataset")
    assert dataset is not None
    bundle = frame.bundle(studio, dataset)
    journal_sources = {e.provenance.generator for e in bundle.examples
                       if e.provenance.source == "teacher"}
    assert journal_sources <= {"hf:embedded"}
    assert bundle.manifest.counts  # teacher outputs were kept or dropped with a reason
    assert sum(bundle.manifest.counts.values()) == len(bundle.examples)


def test_hf_backend_batches_with_left_padding(studio: Workspace) -> None:
    import asyncio

    from alignment_studio.backends.hf import HFBackend

    backend = HFBackend(batch_size=3)
    prompts = [[Message(role="user", content="Say hello.")],
               [Message(role="user", content="Name three colours of the rainbow, please, "
                                             "in a short list.")],
               [Message(role="user", content="Say hello.")]]
    outputs = asyncio.run(backend.generate_batch(prompts, GenerationConfig(max_new_tokens=12)))
    assert backend.tokenizer.padding_side == "left"
    assert outputs[0].text == outputs[2].text  # same prompt, same greedy answer in one batch
    assert all(o.text and o.completion_tokens <= 12 for o in outputs)
    single = asyncio.run(backend.generate(prompts[0], GenerationConfig(max_new_tokens=12)))
    assert single.text == outputs[0].text  # padding does not change the answer


def test_resume_from_checkpoint(studio: Workspace, tmp_path: Path) -> None:
    from alignment_studio.instructors.sft import train_sft

    dataset = studio.store.latest("dataset")
    assert dataset is not None
    rows = frame.bundle(studio, dataset).to_trl()[:8]
    settings = studio.config.train.model_copy(update={"max_steps": 1, "save_steps": 1})
    work = tmp_path / "work"
    train_sft(rows, "embedded", settings, work, tmp_path / "a", studio.config.cache_dir)
    assert (work / "checkpoint-1").is_dir()
    settings = settings.model_copy(update={"max_steps": 2})
    result = train_sft(rows, "embedded", settings, work, tmp_path / "b", studio.config.cache_dir)
    assert result.resumed_from == "checkpoint-1" and result.steps == 2


def test_a_human_review_retrains_without_the_rejected_item(studio: Workspace) -> None:

    fresh = Workspace(studio.root)
    first = instruct.model(fresh)
    path, _ = review_stage.export(fresh, studio.root / "review.jsonl", "jsonl")
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    dataset = frame.dataset(fresh)
    train_ids = {e.id for e in frame.bundle(fresh, dataset).examples if e.split.value == "train"}
    target = next(r for r in rows if r["id"] in train_ids)
    target.update(decision="reject", comment="cites the wrong rule")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    review, _ = review_stage.import_file(fresh, path, "alice")

    again = Workspace(studio.root)
    second = instruct.model(again)
    assert second.id != first.id and second.inputs == [dataset.id, review.id]
    kept = {e.id for e in review_stage.reviewed(again, dataset, [review.id]).examples}
    assert target["id"] not in kept and len(kept) == len(frame.bundle(fresh, dataset).examples) - 1
    assert instruct.model(Workspace(studio.root)).id == second.id  # the same review is reused


def test_export_adapter_and_merged_model_with_a_model_card(studio: Workspace,
                                                          tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from alignment_studio.backends.hf import load_model
    from alignment_studio.core.errors import StudioError

    fresh = Workspace(studio.root)
    audit.report(fresh)
    adapter = export_stage.export(fresh, tmp_path / "adapter", "adapter")
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= set(adapter.files)
    card = (tmp_path / "adapter" / "README.md").read_text()
    model = instruct.model(fresh)
    assert "library_name: peft" in card and model.id in card
    assert all(entry.artifact in card for entry in fresh.lineage(model.id))
    assert "## Audit (held-out policies)" in card and "scenario_accuracy" in card

    merged = export_stage.export(fresh, tmp_path / "merged", "merged")
    assert "model.safetensors" in merged.files and "tokenizer.json" in merged.files
    exported = AutoModelForCausalLM.from_pretrained(tmp_path / "merged", local_files_only=True)
    reference, _ = load_model("embedded", instruct.model_ref(fresh, model).adapters,
                              fresh.cache_dir)
    tokens = AutoTokenizer.from_pretrained(tmp_path / "merged")("Gifts from suppliers are",
                                                                 return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(exported(**tokens).logits, reference(**tokens).logits, atol=1e-4)
    with pytest.raises(StudioError, match="not empty"):
        export_stage.export(fresh, tmp_path / "merged", "merged")


def test_a_final_fit_on_every_policy_is_served_and_exported(studio: Workspace,
                                                             tmp_path: Path) -> None:
    from alignment_studio.stages import models

    audited = instruct.model(Workspace(studio.root))
    deployed = models.deployed_model(Workspace(studio.root))
    assert deployed is not None and deployed.id == audited.id  # final_fit off: audited served
    ws = Workspace(studio.root)
    ws.config.train.final_fit = True
    assert instruct.model(ws).id == audited.id  # the switch does not retrain the audited fit
    final = instruct.final_model(ws)
    assert final.id != audited.id and instruct.FINAL in final.inputs
    deployed = models.deployed_model(ws)
    assert instruct.deployed(ws).id == final.id and deployed is not None
    assert deployed.id == final.id
    backend, what = models.backend(ws, "aligned")
    backend.close()
    assert final.id in what
    card = export_stage.export(ws, tmp_path / "final", "adapter").card
    assert card.audited_model == audited.id
    assert "final fit on every policy" in (tmp_path / "final" / "README.md").read_text()
    notes = audit.variant_notes(ws, ["base", "aligned"])
    assert "final fit" in notes["aligned"] and "final fit" not in notes["base"]
