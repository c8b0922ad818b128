from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.generate import extract_action, structure_scenarios
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.types import Kind, Label, Message, Modality, Policy, PolicyDocument, Split
from alignment_studio.workspace.config import FrameSettings


@pytest.fixture(scope="module")
def doc(example_policy: Path) -> PolicyDocument:
    return read_document(example_policy)


def teacher_reply(messages: Sequence[Message]) -> str:
    if "Write one question" in messages[-1].content:
        return "Can I accept a gift card from a supplier at the end of the year?"
    return "Dana accepted an envelope of cash from a supplier and told nobody about it."


def frame(doc: PolicyDocument, seeds: Path, tmp_path: Path, teacher: FakeBackend | None,
          **settings: object):
    resolved = [load_seeds(seeds, [doc])]
    return frame_dataset([doc], resolved, teacher, FrameSettings(**settings), "Acme",
                         Prompts(None), tmp_path / "teacher.jsonl", "fake").bundle


def test_split_is_by_policy_and_nothing_leaks(doc: PolicyDocument, example_seeds: Path,
                                              tmp_path: Path) -> None:
    bundle = frame(doc, example_seeds, tmp_path, FakeBackend(responder=teacher_reply),
                   teacher_policies=6)
    test_ids = set(bundle.manifest.test_policy_ids)
    train = bundle.split(Split.train)
    test = bundle.split(Split.test)
    assert train and test and test_ids
    assert not any(test_ids & set(e.policy_ids) for e in train)
    assert all(test_ids & set(e.policy_ids) for e in test)
    sources = {e.provenance.source for e in bundle.examples}
    assert sources == {"seed", "structure", "teacher"}
    assert {e.label for e in bundle.examples if e.kind == Kind.scenario} == set(Label)


def test_every_example_cites_a_policy_and_shows_it_in_the_prompt_unless_closed_book(
        doc: PolicyDocument, example_seeds: Path, tmp_path: Path) -> None:
    bundle = frame(doc, example_seeds, tmp_path, None, teacher_policies=0)
    policies = {p.id: p for p in doc.policies()}
    for example in bundle.examples:
        for pid in example.policy_ids:  # conflicts cite two policies, the others one
            shown = policies[pid].text in example.messages[-1].content
            assert shown == (example.book == "guardian"), example.id
            assert not any(policies[pid].text in m.content for m in example.messages
                           if example.book == "closed")
            reference = example.target or example.chosen
            assert reference and f"[{pid}]" in reference
            if example.kind == Kind.preference:  # both sides in the same form
                assert example.rejected and f"[{pid}]" in example.rejected
    closed = [e for e in bundle.examples if e.book == "closed"]
    twins = {e.asked for e in bundle.examples if e.book == "guardian" and e.asked
             and e.split == Split.train}
    assert closed and all(e.split == Split.train for e in closed)
    assert {e.asked for e in closed} == twins
    for example in closed:  # the reference names the rule, so the model learns it
        if example.kind == Kind.scenario:
            assert example.target and example.label
            assert example.target.startswith(example.label.value)
            assert policies[example.policy_ids[0]].text in example.target


def test_test_fraction_zero_trains_every_policy(doc: PolicyDocument, example_seeds: Path,
                                                tmp_path: Path) -> None:
    bundle = frame(doc, example_seeds, tmp_path, None, teacher_policies=0, test_fraction=0.0)
    assert bundle.examples and not bundle.split(Split.test)
    assert bundle.manifest.test_policy_ids == []


def test_teacher_journal_resumes_without_redoing_calls(doc: PolicyDocument,
                                                       example_seeds: Path,
                                                       tmp_path: Path) -> None:
    calls = 0

    def flaky(messages: Sequence[Message]) -> str:
        nonlocal calls
        calls += 1
        if calls == 9:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second chunk
        return teacher_reply(messages)

    with pytest.raises(KeyboardInterrupt):
        frame(doc, example_seeds, tmp_path, FakeBackend(responder=flaky), teacher_policies=8)
    journal = (tmp_path / "teacher.jsonl").read_text().splitlines()
    assert len(journal) == 8  # the first chunk was written, the broken one was not
    second = FakeBackend(responder=teacher_reply)
    resolved = [load_seeds(example_seeds, [doc])]
    result = frame_dataset([doc], resolved, second, FrameSettings(teacher_policies=8), "Acme",
                           Prompts(None), tmp_path / "teacher.jsonl", "fake")
    assert len(second.history) == 16 - 8
    assert len((tmp_path / "teacher.jsonl").read_text().splitlines()) == 16
    kept = [e for e in result.bundle.examples if e.provenance.source == "teacher"
            and e.book == "guardian"]
    filtered = [d for d in result.dropped
                if d.example and d.example.provenance.source == "teacher"]
    assert kept and len(kept) + len(filtered) == 16  # every reply is an item or a named drop
    assert all(d.stage in ("dedup", "consistency", "grounding", "balance") for d in filtered)


def test_bad_teacher_outputs_are_dropped_with_reasons(doc: PolicyDocument, example_seeds: Path,
                                                      tmp_path: Path) -> None:
    teacher = FakeBackend(default="I'm sorry, no.")
    bundle = frame(doc, example_seeds, tmp_path, teacher, teacher_policies=3)
    assert sum(e.provenance.source == "teacher" for e in bundle.examples) == 0
    assert len(teacher.history) == 12  # 6 calls, each asked once more with its error
    retries = [h[-1].content for h in teacher.history[6:]]
    assert all("Your previous reply could not be used" in r for r in retries)
    teacher_drops = {k: v for k, v in bundle.manifest.dropped.items() if k.startswith("teacher")}
    assert teacher_drops == {
        "teacher: teacher question: no JSON object found: reply with one JSON object only": 3,
        "teacher: teacher violating: too short": 3}


def test_structure_scenarios_from_the_rule_wording() -> None:
    policy = Policy(id="d/gifts/p-1", text="You must not accept cash from suppliers.",
                    modality=Modality.prohibition, section_id="d/gifts")
    assert extract_action(policy) == "accept cash from suppliers"
    triples = structure_scenarios(policy)
    assert [t[0] for t in triples] == [Label.violating, Label.compliant]
    assert "accepted cash from suppliers" in triples[0][1]  # told in the past, as a story
    assert "not accept cash from suppliers" in triples[1][1].replace("not to", "not")
    qualified = policy.model_copy(update={
        "text": "You must not accept cash from suppliers without written approval."})
    done, _, unknown = structure_scenarios(qualified)
    assert "without written approval" in done[1] and unknown[0] == Label.needs_info
    assert "accepted cash from suppliers" in unknown[1] and "approval" not in unknown[1]
    assert "without written approval" in unknown[2]  # the rationale names what is missing
    info = Policy(id="d/x/p-2", text="The code was adopted in 2020.",
                  modality=Modality.informational, section_id="d/x")
    assert structure_scenarios(info) == []


def test_teacher_items_the_student_finds_broken_are_dropped(doc: PolicyDocument,
                                                            example_seeds: Path,
                                                            tmp_path: Path) -> None:
    def reply(messages: Sequence[Message]) -> str:
        if "Write one question" in messages[-1].content:
            return "Can I accept a gift card from a supplier at the end of the year?"
        return "Dana the the accepted accepted an envelope of cash cash from a supplier."

    def student(texts: Sequence[str]) -> list[float]:  # repeated words read as broken
        return [500.0 if any(a == b for a, b in zip(t.split(), t.split()[1:], strict=False))
                else 30.0 for t in texts]

    resolved = [load_seeds(example_seeds, [doc])]
    result = frame_dataset([doc], resolved, FakeBackend(responder=reply),
                           FrameSettings(teacher_policies=4, closed_book=False), "Acme",
                           Prompts(None), tmp_path / "teacher.jsonl", "fake",
                           perplexity=student)
    teacher = [e for e in result.bundle.examples if e.provenance.source == "teacher"]
    assert teacher and all(e.kind == Kind.instruction for e in teacher)
    fluency = [d for d in result.dropped if d.stage == "fluency"]
    assert fluency and all(d.example and d.example.kind == Kind.scenario for d in fluency)
    assert result.bundle.manifest.dropped.get("fluency: not fluent") == len(fluency)
