"""The learned second reading: training, the shipped model, and what it changes in a document."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from parsed import load_bench

from alignment_studio.framers.parse import read_document
from alignment_studio.framers.second_reading import (
    CLASSES,
    Example,
    NormModel,
    bundled,
    read_again,
    save,
    train,
)
from alignment_studio.framers.statements import Settings
from alignment_studio.types import Modality, Policy, PolicyDocument, Section

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _toy() -> list[Example]:
    """Statements with 'must' are obligations, with 'may' permissions, the rest no norm."""
    out = []
    for i in range(60):
        noise = [f"w:n{i % 7}", f"w:m{i % 5}"]
        out.append(Example(features=["w:must", *noise], gold="obligation"))
        out.append(Example(features=["w:may", *noise], gold="permission"))
        out.append(Example(features=["w:is", *noise], gold="none"))
    return out


def test_training_separates_the_classes_it_is_shown() -> None:
    model = train(_toy(), min_count=2)
    probs = model.probabilities([["w:must"], ["w:may"], ["w:is"], ["w:unseen"]])
    assert probs.shape == (4, len(CLASSES))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert [CLASSES[i] for i in probs[:3].argmax(axis=1)] == ["obligation", "permission", "none"]
    assert probs[0, CLASSES.index("obligation")] > 0.9


def test_rare_features_are_dropped() -> None:
    examples = [*_toy(), Example(features=["w:once"], gold="prohibition")]
    assert "w:once" not in train(examples, min_count=2).weights
    assert "w:must" in train(examples, min_count=2).weights


def test_the_same_training_writes_the_same_bytes(tmp_path: Path) -> None:
    save(train(_toy()), tmp_path / "a.json.gz")
    save(train(_toy()), tmp_path / "b.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    back = NormModel.model_validate_json(gzip.decompress((tmp_path / "a.json.gz").read_bytes()))
    assert back.probabilities([["w:must"]]).argmax() == CLASSES.index("obligation")


def _document(*texts: str, modality: Modality = Modality.informational) -> PolicyDocument:
    policies = [Policy(id=f"d/p-{i}", text=t, modality=modality, section_id="d/s")
                for i, t in enumerate(texts)]
    return PolicyDocument(id="d", title="D", version="1", source="d.md", sha256="0" * 64,
                          sections=[Section(id="d/s", title="Duties", level=2, policies=policies)])


def _word_model(word: str, modality: str, threshold: float = 0.3) -> NormModel:
    """A model that reads ``word`` as ``modality`` with high confidence and nothing else."""
    weights = {f"w:{word}": [0.0] * len(CLASSES)}
    weights[f"w:{word}"][CLASSES.index(modality)] = 10.0
    return NormModel(weights=weights, bias=[3.0, 0, 0, 0, 0, 0], threshold=threshold)


def test_an_informational_statement_takes_the_models_norm() -> None:
    doc = _document("Staff badge in at the front desk.", "The office opens at nine.")
    changed = read_again(doc, _word_model("badge", "obligation"))
    first, second = doc.policies()
    assert changed == [first]
    assert first.modality == Modality.obligation and not first.negated
    assert second.modality == Modality.informational


def test_negation_is_read_when_the_model_gives_a_norm() -> None:
    doc = _document("Visitors never badge in alone.")
    read_again(doc, _word_model("badge", "prohibition"))
    assert doc.policies()[0].modality == Modality.prohibition
    assert doc.policies()[0].negated


def test_a_definition_the_model_adds_gets_its_terms(tmp_path: Path) -> None:
    path = tmp_path / "doors.md"
    path.write_text('# Office\n\n## Doors\n\n"Badge" opens the doors of the office.\n')
    model = _word_model("opens", "definition")
    rules = read_document(path, settings=Settings(second_reading=False)).policies()[0]
    both = read_document(path, settings=Settings(norm_model=model)).policies()[0]
    assert rules.modality == Modality.informational and rules.terms == []
    assert both.modality == Modality.definition and both.terms == ["Badge"]


def test_a_feature_counts_once_however_often_it_occurs() -> None:
    """The model is trained on which features a statement has, so a repeated word or a second
    punctuation mark weighs no more at run time."""
    model = train(_toy(), min_count=2)
    assert np.allclose(model.probabilities([["w:must", "w:must", "w:must"]]),
                       model.probabilities([["w:must"]]))


def test_the_rules_norms_are_left_alone() -> None:
    doc = _document("Staff badge in at the front desk.", modality=Modality.permission)
    read_again(doc, _word_model("badge", "obligation"))
    assert doc.policies()[0].modality == Modality.permission


def test_the_threshold_decides() -> None:
    doc = _document("Staff badge in at the front desk.")
    read_again(doc, _word_model("badge", "obligation", threshold=0.0))
    assert doc.policies()[0].modality == Modality.informational


def test_the_shipped_model_was_not_trained_on_held_out_rounds() -> None:
    """Every document of a group the structure bench holds out (rounds 8, 28, 30 and any
    added later) is absent from the model's training set."""
    bench = load_bench("bench_structure")
    model = bundled()
    assert model is not None and len(model.weights) > 1000
    held_out = set()
    for path in bench.label_files():
        name, _ = bench.load_labels(path)
        if bench.group_of(name) in bench.HELD_OUT_GROUPS:
            held_out.add(name)
    assert len(held_out) >= 14 and not held_out & set(model.trained_on)
    assert len(model.trained_on) >= 100


def test_the_second_reading_can_be_switched_off() -> None:
    """A real document: the model adds norms the rules left informational and changes none of
    the rules' own norms."""
    path = FIXTURES / "round-30" / "documents" / "breezy-release-cycles.txt"
    rules = read_document(path, settings=Settings(second_reading=False)).policies()
    both = read_document(path).policies()
    assert [p.text for p in rules] == [p.text for p in both]
    changed = [(a, b) for a, b in zip(rules, both, strict=True) if a.modality != b.modality]
    assert changed
    assert all(a.modality == Modality.informational for a, _ in changed)


@pytest.mark.parametrize("word", ["must", "shall"])
def test_the_shipped_model_reads_modal_sentences_as_norms(word: str) -> None:
    model = bundled()
    assert model is not None
    probs = model.probabilities([[f"w:{word}", f"md:{word}", "w:you", "subj:you"]])
    assert CLASSES[int(probs.argmax())] == "obligation"


def test_the_resource_is_gzipped_json() -> None:
    from importlib import resources

    data = (resources.files("alignment_studio") / "resources" / "norm_model.json.gz").read_bytes()
    assert set(json.loads(gzip.decompress(data))) >= {"weights", "bias", "threshold", "trained_on"}


def test_a_definition_the_model_adds_is_negated_only_by_its_main_verb() -> None:
    """"X is not a security problem" is a negated definition; "A problem that does not
    reproduce is a bug" is not (its "not" sits in a relative clause)."""
    doc = _document("A funny looking command line is not a security problem.")
    read_again(doc, _word_model("funny", "definition"))
    assert doc.policies()[0].modality == Modality.definition and doc.policies()[0].negated
    doc = _document("A funny report that does not reproduce is a bug.")
    read_again(doc, _word_model("funny", "definition"))
    assert doc.policies()[0].modality == Modality.definition and not doc.policies()[0].negated
