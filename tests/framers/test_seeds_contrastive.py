"""Advice seeds and contrastive pair seeds: the bundled ones, and malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.types import Label, PolicyDocument


@pytest.fixture(scope="module")
def example_doc(example_policy: Path) -> PolicyDocument:
    return read_document(example_policy)


def test_bundled_advice_and_contrastive_seeds_resolve(example_seeds: Path,
                                                      example_doc: PolicyDocument) -> None:
    seeds = load_seeds(example_seeds, [example_doc])
    assert 3 <= len(seeds.advice) <= 5 and 2 <= len(seeds.contrastive) <= 3
    assert all(s.task == "advice" and s.question for s, _ in seeds.advice)
    assert all(s.task in ("qa", "summarize") for s, _ in seeds.instruction)  # frame reads these
    for seed, policy in seeds.advice + seeds.contrastive:
        assert seed.quote and seed.quote.lower() in policy.text.lower()
    texts = {seed.id: policy.text for seed, policy in seeds.contrastive}
    assert "within 24 hours" in texts["assets-contrast-1"]


def test_a_pair_becomes_two_scenarios_sharing_the_base(example_seeds: Path,
                                                       example_doc: PolicyDocument) -> None:
    seeds = load_seeds(example_seeds, [example_doc])
    pair, _ = next((s, p) for s, p in seeds.contrastive if s.id == "gifts-contrast-1")
    a, b = pair.scenarios()
    assert (a.id, a.label, b.id, b.label) == ("gifts-contrast-1-a", Label.compliant,
                                              "gifts-contrast-1-b", Label.violating)
    assert a.situation.startswith(pair.situation) and b.situation.startswith(pair.situation)
    assert a.situation != b.situation
    assert a.rationale == pair.compliant.rationale and b.quote == pair.quote


PAIR = """version: 1
contrastive:
  - id: p1
    section: Company Assets and Information Technology
    quote: "report a lost or stolen device"
    situation: "Omar's laptop is stolen."
    compliant:
      situation: "{a}"
      rationale: "Reported in time."
    violating:
      situation: "He reports it a week later."
      rationale: "Too late."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds.yaml"
    path.write_text(text)
    return path


def test_malformed_pairs_name_file_and_line(tmp_path: Path, example_doc: PolicyDocument) -> None:
    path = write(tmp_path, PAIR.format(a="He reports it the same day."))
    assert len(load_seeds(path, [example_doc]).contrastive) == 1
    path = write(tmp_path, PAIR.format(a="He reports it a week later."))
    with pytest.raises(StudioError, match=r"seeds.yaml:3: contrastive.0: .*must differ"):
        load_seeds(path, [example_doc])
    path = write(tmp_path, PAIR.format(a="x").replace("    violating:\n", "    violated:\n"))
    with pytest.raises(StudioError, match=r"seeds.yaml:3: contrastive.0.violating: Field"):
        load_seeds(path, [example_doc])
    path = write(tmp_path, PAIR.format(a="x").replace('"Reported in time."',
                                                      '"ok"\n      label: compliant'))
    with pytest.raises(StudioError, match=r"seeds.yaml:10: contrastive.0.compliant.label: "
                                          "unknown key"):
        load_seeds(path, [example_doc])
    path = write(tmp_path, PAIR.format(a="x").replace("lost or stolen", "lost and found"))
    with pytest.raises(StudioError, match=r"seeds.yaml:3: seed 'p1': quote .* matches no"):
        load_seeds(path, [example_doc])


def test_advice_needs_a_question_and_summarize_has_none(tmp_path: Path,
                                                        example_doc: PolicyDocument) -> None:
    path = write(tmp_path, "instruction:\n  - id: a\n    task: advice\n    quote: x\n"
                           "    answer: y\n")
    with pytest.raises(StudioError, match=r"seeds.yaml:2: .*an advice seed needs a 'question'"):
        load_seeds(path, [example_doc])
    path = write(tmp_path, "instruction:\n  - id: s\n    task: summarize\n    quote: x\n"
                           "    question: q\n    answer: y\n")
    with pytest.raises(StudioError, match="a summarize seed has no 'question'"):
        load_seeds(path, [example_doc])
