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


def test_bundled_seeds_resolve_to_one_policy_each(example_seeds: Path,
                                                  example_doc: PolicyDocument) -> None:
    seeds = load_seeds(example_seeds, [example_doc])
    assert len(seeds.instruction) >= 30 and len(seeds.scenario) >= 45
    labels = {s.label for s, _ in seeds.scenario}
    assert labels == {Label.compliant, Label.violating, Label.needs_info}
    for seed, policy in seeds.scenario:
        assert seed.quote and seed.quote.lower() in policy.text.lower()
    covered = {p.section_id for _, p in seeds.scenario}
    assert len(covered) >= 9


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds.yaml"
    path.write_text(text)
    return path


GOOD = """version: 1
scenario:
  - id: s1
    label: violating
    section: Gifts and Entertainment
    quote: "{quote}"
    situation: "Dana took cash."
    rationale: "Cash is never allowed."
"""


def test_unknown_quote_names_file_and_line(tmp_path: Path, example_doc: PolicyDocument) -> None:
    path = write(tmp_path, GOOD.format(quote="a phrase nobody wrote"))
    with pytest.raises(StudioError) as info:
        load_seeds(path, [example_doc])
    assert f"{path}:3:" in str(info.value) and "matches no policy" in str(info.value)


def test_ambiguous_quote_is_an_error(tmp_path: Path, example_doc: PolicyDocument) -> None:
    path = write(tmp_path, GOOD.format(quote="you"))
    with pytest.raises(StudioError, match="matches [0-9]+ policies"):
        load_seeds(path, [example_doc])


def test_bad_label_and_unknown_key_name_the_line(tmp_path: Path,
                                                 example_doc: PolicyDocument) -> None:
    path = write(tmp_path, GOOD.format(quote="x").replace("label: violating", "label: maybe"))
    with pytest.raises(StudioError, match=r"seeds.yaml:4: scenario.0.label"):
        load_seeds(path, [example_doc])
    path = write(tmp_path, GOOD.format(quote="x") + "    colour: red\n")
    with pytest.raises(StudioError, match=r"seeds.yaml:9: scenario.0.colour: unknown key"):
        load_seeds(path, [example_doc])


def test_malformed_yaml_names_the_line(tmp_path: Path, example_doc: PolicyDocument) -> None:
    path = write(tmp_path, "version: 1\nscenario:\n  - id: [unclosed\n")
    with pytest.raises(StudioError, match=r"seeds.yaml:\d+: not valid YAML"):
        load_seeds(path, [example_doc])


def test_qa_seed_needs_a_question(tmp_path: Path, example_doc: PolicyDocument) -> None:
    path = write(tmp_path, "instruction:\n  - id: q\n    task: qa\n    quote: x\n    answer: y\n")
    with pytest.raises(StudioError, match="needs a 'question'"):
        load_seeds(path, [example_doc])


def test_duplicate_ids(tmp_path: Path, example_doc: PolicyDocument) -> None:
    one = GOOD.format(quote="cash").split("scenario:\n")[1]
    path = write(tmp_path, "scenario:\n" + one + one)
    with pytest.raises(StudioError, match="duplicate seed id 's1'"):
        load_seeds(path, [example_doc])
