"""The shared types survive JSON (and JSONL) round trips, and reject unknown fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from alignment_studio.types import (
    AuditReport,
    DatasetBundle,
    Example,
    Finding,
    Form,
    ItemResult,
    Kind,
    Label,
    LineageEntry,
    Manifest,
    Message,
    Modality,
    ModelRef,
    Policy,
    PolicyDocument,
    PolicyScores,
    Provenance,
    Score,
    Section,
    Span,
    Split,
)


def make_document() -> PolicyDocument:
    gifts = Policy(id="P-1.1-1", text="Employees must not accept cash gifts.",
                   modality=Modality.prohibition, section_id="1.1", form=Form.list_item,
                   span=Span(start_line=4, end_line=5), refs=["P-2-1"],
                   terms=["cash gift", "employee"])
    faq = Policy(id="P-2-1", text="Gifts under 50 EUR may be accepted.",
                 modality=Modality.permission, section_id="2", form=Form.qa,
                 question="May I accept a small gift?")
    child = Section(id="1.1", title="Cash", level=2, policies=[gifts])
    return PolicyDocument(id="gifts", title="Gifts policy", version="3", source="gifts.md",
                          sha256="ab" * 32,
                          sections=[Section(id="1", title="Gifts", level=1, children=[child]),
                                    Section(id="2", title="FAQ", level=1, policies=[faq])])


def scenario(split: Split = Split.train) -> Example:
    return Example(id=f"sc-{split.value}", kind=Kind.scenario,
                   messages=[Message(role="system", content="judge"),
                             Message(role="user", content="A vendor offers 200 EUR cash.")],
                   target="violating", label=Label.violating, policy_ids=["P-1.1-1"],
                   provenance=Provenance(source="teacher", generator="smollm2", task="scenario"),
                   split=split)


def preference() -> Example:
    return Example(id="pref-1", kind=Kind.preference,
                   messages=[Message(role="user", content="Can I keep the cash?")],
                   chosen="No, cash gifts are prohibited.", rejected="Sure.",
                   policy_ids=["P-1.1-1"],
                   provenance=Provenance(source="seed", seed_id="seed-7"))


def make_bundle() -> DatasetBundle:
    return DatasetBundle(name="gifts", version="1", examples=[scenario(), preference(),
                                                              scenario(Split.test)],
                         manifest=Manifest(documents=["gifts.md"], policy_count=2,
                                           counts={"scenario": 2, "preference": 1},
                                           test_policy_ids=["P-2-1"], dropped={"dup": 1}))


def test_policy_document_roundtrip() -> None:
    doc = make_document()
    back = PolicyDocument.model_validate_json(doc.model_dump_json())
    assert back == doc
    assert [p.id for p in back.policies()] == ["P-1.1-1", "P-2-1"]
    assert back.section("1.1").policies[0].span == Span(start_line=4, end_line=5)
    assert back.section("1.1").policies[0].terms == ["cash gift", "employee"]


@pytest.mark.parametrize("example", [scenario(), preference()], ids=["scenario", "preference"])
def test_example_roundtrip(example: Example) -> None:
    back = Example.model_validate_json(example.model_dump_json())
    assert back == example
    assert back.kind is example.kind and back.label is example.label


def test_bundle_jsonl_roundtrip(tmp_path: Path) -> None:
    """One example per line and nothing else (JSONL readers take the file as it is); the
    manifest is in its own file."""
    bundle = make_bundle()
    path, header = tmp_path / "bundle.jsonl", tmp_path / "manifest.json"
    bundle.write_jsonl(path, header)
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [e.id for e in bundle.examples]
    assert json.loads(header.read_text(encoding="utf-8"))["manifest"]["counts"] == (
        bundle.manifest.counts)
    assert DatasetBundle.read_jsonl(path, header) == bundle


def test_bundle_of_the_older_layout_still_reads(tmp_path: Path) -> None:
    """Artifacts written before the manifest moved out hold it as dataset.jsonl's first line."""
    bundle = make_bundle()
    head = {"name": bundle.name, "version": bundle.version,
            "manifest": bundle.manifest.model_dump()}
    path = tmp_path / "dataset.jsonl"
    path.write_text("\n".join([json.dumps(head)] + [e.model_dump_json()
                                                    for e in bundle.examples]) + "\n")
    assert DatasetBundle.read_jsonl(path, tmp_path / "manifest.json") == bundle


def test_bundle_json_roundtrip() -> None:
    bundle = make_bundle()
    assert DatasetBundle.model_validate_json(bundle.model_dump_json()) == bundle


def test_to_trl_rows_for_requested_split_only() -> None:
    bundle = make_bundle()

    train = bundle.to_trl(Split.train)
    assert train == [
        {"prompt": [{"role": "system", "content": "judge"},
                    {"role": "user", "content": "A vendor offers 200 EUR cash."}],
         "completion": [{"role": "assistant", "content": "violating"}]},
    ]
    assert bundle.to_trl(Split.train, preference=True) == [
        {"prompt": [{"role": "user", "content": "Can I keep the cash?"}],
         "chosen": [{"role": "assistant", "content": "No, cash gifts are prohibited."}],
         "rejected": [{"role": "assistant", "content": "Sure."}]},
    ]

    test = bundle.to_trl(Split.test)
    assert len(test) == 1
    assert set(test[0]) == {"prompt", "completion"}


def test_model_ref_label_and_roundtrip() -> None:
    ref = ModelRef(base="embedded", adapters=["runs/a1", "runs/a2"], revision="r1")
    assert ref.label == "embedded + runs/a1 + runs/a2"
    assert ModelRef().label == "embedded"
    assert ModelRef.model_validate_json(ref.model_dump_json()) == ref


def test_audit_report_roundtrip() -> None:
    acc_base = Score(metric="accuracy", value=0.5, n=10)
    acc_aligned = Score(metric="accuracy", value=0.8, n=10)
    item = ItemResult(example_id="sc-test", policy_ids=["P-1.1-1"], kind="scenario",
                      expected="violating", output="violating", correct=True, rouge_l=1.0,
                      cited=True)
    report = AuditReport(
        model=ModelRef(adapters=["runs/a1"]), baseline=ModelRef(), policy_version="3",
        summary={"base": [acc_base], "aligned": [acc_aligned]},
        per_policy=[PolicyScores(policy_id="P-1.1-1", text="No cash gifts.", base=[acc_base],
                                 aligned=[acc_aligned])],
        findings=[Finding(example_id="sc-test", policy_ids=["P-1.1-1"], kind="scenario",
                          expected="violating", base_output="compliant",
                          aligned_output="compliant", note="still wrong")],
        items={"aligned": [item], "base": [item.model_copy(update={"correct": False})]},
        config={"temperature": 0.0, "metrics": ["accuracy"]},
        lineage=[LineageEntry(artifact="bundle.jsonl", kind="dataset", sha256="cd" * 32,
                              inputs=["gifts.md"])],
    )
    back = AuditReport.model_validate_json(report.model_dump_json())
    assert back == report
    assert back.items["base"][0].correct is False


def test_unknown_fields_are_rejected() -> None:
    policy = make_document().policies()[0].model_dump()
    with pytest.raises(ValidationError):
        Policy.model_validate({**policy, "severity": "high"})

    example = scenario().model_dump()
    with pytest.raises(ValidationError):
        Example.model_validate({**example, "score": 1})
    with pytest.raises(ValidationError):
        Example.model_validate_json(scenario().model_dump_json()[:-1] + ', "extra": 1}')
