"""Reward models per value: grouping and pair building on a real framed bundle, then one tiny
real training run of the embedded model shared by the slow tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alignment_studio.backends.base import GenerationConfig
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.generate import structure_preferences
from alignment_studio.framers.parse import read_document
from alignment_studio.instructors.reward import (
    ADAPTER_DIR,
    RewardEnsemble,
    RewardModel,
    RewardResult,
    ValueGroup,
    best_of_n,
    default_groups,
    pair_accuracy,
    read_reward_log,
    reward_rows,
    split_rows,
    train_reward_model,
)
from alignment_studio.types import (
    DatasetBundle,
    Kind,
    Label,
    Message,
    Policy,
    PolicyDocument,
    Split,
    expand_scopes,
)
from alignment_studio.workspace.config import FrameSettings, RewardSettings

SYSTEM = Message(role="system", content="Answer by Acme's policies.")
UNRELATED = ["The weather is sunny and warm today.", "Pizza tastes best with fresh basil.",
             "My cat likes to sleep on the sofa.", "The train leaves at nine in the morning."]
TINY = RewardSettings(max_length=128, lora_r=4, batch_size=4, max_steps=3, learning_rate=2e-3,
                      eval_fraction=0.25, seed=0)


@pytest.fixture(scope="module")
def doc(example_policy: Path) -> PolicyDocument:
    return read_document(example_policy)


@pytest.fixture(scope="module")
def bundle(doc: PolicyDocument, tmp_path_factory: pytest.TempPathFactory) -> DatasetBundle:
    journal = tmp_path_factory.mktemp("frame") / "teacher.jsonl"
    return frame_dataset([doc], [], None, FrameSettings(teacher_policies=0, closed_book=False),
                         "Acme",
                         Prompts(None), journal, "fake").bundle


def test_default_groups_one_per_top_level_section(doc: PolicyDocument) -> None:
    groups = default_groups([doc])
    assert [g.name for g in groups] == [s.id.split("/")[-1] for s in doc.sections]
    covered = [p.id for p in doc.policies() if any(g.covers(p.id) for g in groups)]
    assert covered == [p.id for p in doc.policies()]
    for policy in doc.policies():  # every policy in exactly one group
        assert sum(g.covers(policy.id) for g in groups) == 1
    two = default_groups([doc, doc.model_copy(update={"id": "other"})])
    assert [g.name for g in two] == [doc.id, "other"]


def test_prefixes_match_whole_path_segments() -> None:
    group = ValueGroup(name="gifts", policies=["guidelines/gifts"])
    assert group.covers("guidelines/gifts/p-1a2b3c")
    assert group.covers("guidelines/gifts")
    assert not group.covers("guidelines/gifts-and-entertainment/p-1a2b3c")


def test_reward_rows_take_only_the_groups_policies(doc: PolicyDocument,
                                                   bundle: DatasetBundle) -> None:
    section = next(s for s in doc.sections if s.id.endswith("gifts-and-entertainment"))
    group = ValueGroup(name="gifts", policies=expand_scopes([section.id], [doc]))
    own = {p.id for p in section.policies}
    train = bundle.split(Split.train)
    mine = [e for e in train if set(e.policy_ids) <= own]
    expected_pairs = [e for e in mine if e.kind == Kind.preference] + [
        e for e in mine if e.kind == Kind.scenario and e.label in (Label.compliant,
                                                                   Label.violating)]
    rows = reward_rows(bundle, group)
    assert len(rows) == len(expected_pairs) > 0
    prompts = [r["prompt"][-1]["content"] for r in rows]
    assert all(any(pid in text for pid in own) for text in prompts)
    others = [r["prompt"][-1]["content"] for g in default_groups([doc])
              if g.name != "gifts-and-entertainment" for r in reward_rows(bundle, g)]
    assert not set(prompts) & set(others)


def test_scenarios_become_pairs_with_the_opposite_verdict(doc: PolicyDocument,
                                                         bundle: DatasetBundle) -> None:
    rows = reward_rows(bundle, ValueGroup(name="all", policies=[doc.id]))
    scenario_rows = [r for r in rows if r["chosen"][0]["content"].startswith(("compliant:",
                                                                              "violating:"))]
    assert scenario_rows
    for row in scenario_rows:
        chosen, rejected = row["chosen"][0]["content"], row["rejected"][0]["content"]
        verdict, rest = chosen.split(":", 1)
        opposite = "violating" if verdict == "compliant" else "compliant"
        assert rejected == f"{opposite}:{rest}"
    needs_info = [e for e in bundle.split(Split.train) if e.label == Label.needs_info]
    assert needs_info
    assert not any(r["chosen"][0]["content"].startswith("needs_info") for r in rows)


def test_conflict_items_go_to_no_single_value(doc: PolicyDocument,
                                              bundle: DatasetBundle) -> None:
    conflicts = [e for e in bundle.examples if e.kind == Kind.conflict]
    assert conflicts
    item = conflicts[0]
    one = ValueGroup(name="one", policies=[item.policy_ids[0]])
    both = ValueGroup(name="both", policies=item.policy_ids)
    one_only = DatasetBundle(name="c", version="1", examples=[
        item.model_copy(update={"chosen": "a", "rejected": "b"})])
    assert reward_rows(one_only, one) == []
    assert len(reward_rows(one_only, both, item.split)) == 1


def test_training_without_pairs_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="no preference pairs"):
        train_reward_model([], "embedded", TINY, tmp_path / "w", tmp_path / "o")


def test_best_of_n_refuses_greedy_decoding() -> None:
    with pytest.raises(StudioError, match="temperature"):
        best_of_n(FakeBackend(), [SYSTEM], 2, RewardEnsemble({}), GenerationConfig())


# --- real model ----------------------------------------------------------------------------


def restating_pair(policy: Policy, unrelated: str) -> dict[str, Any]:
    question = structure_preferences(policy)[0][0]
    return {"prompt": [SYSTEM.model_dump(), {"role": "user", "content": question}],
            "chosen": [{"role": "assistant", "content": f"The policy says: {policy.text}"}],
            "rejected": [{"role": "assistant", "content": unrelated}]}


def short_rules(doc: PolicyDocument) -> list[Policy]:
    rules = [p for p in doc.policies() if structure_preferences(p) and len(p.text) < 100]
    return rules


@pytest.fixture(scope="module")
def pairs(doc: PolicyDocument) -> list[dict[str, Any]]:
    rules = short_rules(doc)[:16]
    assert len(rules) == 16
    return [restating_pair(p, UNRELATED[i % len(UNRELATED)]) for i, p in enumerate(rules)]


@pytest.fixture(scope="module")
def trained(pairs: list[dict[str, Any]],
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Accuracy on the training pairs before and after one tiny training run."""
    train, _ = split_rows(pairs, TINY.eval_fraction, TINY.seed)
    untrained = RewardModel.untrained("embedded", TINY)
    before = pair_accuracy(untrained, train)
    root = tmp_path_factory.mktemp("reward")
    result = train_reward_model(pairs, "embedded", TINY, root / "work", root / "rules")
    model = RewardModel.load(root / "rules", "embedded")
    return {"before": before, "after": pair_accuracy(model, train), "result": result,
            "model": model, "untrained": untrained, "out": root / "rules", "train": train}


@pytest.mark.slow
def test_training_ranks_chosen_above_rejected_more_often(trained: dict[str, Any]) -> None:
    result: RewardResult = trained["result"]
    assert trained["after"] > trained["before"], (trained["before"], trained["after"])
    assert result.steps == TINY.max_steps and len(result.losses) == TINY.max_steps
    assert result.train_pairs == len(trained["train"]) == 12 and result.eval_pairs == 4
    assert result.eval_accuracy_before is not None and result.eval_accuracy_after is not None
    assert read_reward_log(trained["out"]) == result


@pytest.mark.slow
def test_lora_and_score_weights_changed(trained: dict[str, Any]) -> None:
    from safetensors.torch import load_file

    saved = load_file(str(trained["out"] / ADAPTER_DIR / "adapter_model.safetensors"))
    lora_b = [t for name, t in saved.items() if "lora_B" in name]
    assert lora_b and all(float(t.abs().sum()) > 0 for t in lora_b)  # initialised at zero
    head = [t for name, t in saved.items() if name.endswith("score.weight")]
    assert len(head) == 1
    initial = trained["untrained"].net.score.weight.detach()
    assert head[0].shape == initial.shape and float((head[0] - initial).abs().max()) > 0


@pytest.mark.slow
def test_scores_are_deterministic(trained: dict[str, Any], pairs: list[dict[str, Any]]) -> None:
    model: RewardModel = trained["model"]
    prompts = [[Message.model_validate(m) for m in r["prompt"]] for r in pairs[:3]]
    answers = [r["chosen"][0]["content"] for r in pairs[:3]]
    first = model.score(prompts, answers)
    assert model.score(prompts, answers) == first
    assert model.score(prompts[:1], answers[:1]) == pytest.approx(first[:1], abs=1e-4)


@pytest.mark.slow
def test_ensemble_total_is_the_weighted_sum(trained: dict[str, Any],
                                            pairs: list[dict[str, Any]]) -> None:
    models = {"rules": trained["model"], "untrained": trained["untrained"]}
    ensemble = RewardEnsemble(models, {"rules": 2.0, "untrained": -0.5})
    prompts = [[Message.model_validate(m) for m in r["prompt"]] for r in pairs[:2]]
    answers = [r["rejected"][0]["content"] for r in pairs[:2]]
    scores = ensemble.score(prompts, answers)
    rules = trained["model"].score(prompts, answers)
    base = trained["untrained"].score(prompts, answers)
    assert scores.per_value == {"rules": rules, "untrained": base}
    for i in range(2):
        assert scores.total[i] == pytest.approx(2.0 * rules[i] - 0.5 * base[i])
    assert ensemble.score_one(prompts[1], answers[1]) == pytest.approx(scores.total[1], abs=1e-4)
    with pytest.raises(StudioError, match="without a reward model"):
        RewardEnsemble(models, {"honesty": 1.0})


@pytest.mark.slow
def test_best_of_n_picks_the_answer_that_restates_the_policy(
        trained: dict[str, Any], doc: PolicyDocument) -> None:
    held_out = short_rules(doc)[16]
    pair = restating_pair(held_out, "")
    messages = [Message.model_validate(m) for m in pair["prompt"]]
    restating = pair["chosen"][0]["content"]
    fake = FakeBackend(outputs=["I enjoy long walks along the river.", restating,
                                "Bananas are yellow when they are ripe."])
    ensemble = RewardEnsemble({"rules": trained["model"]})
    config = GenerationConfig(temperature=0.8, seed=1, max_new_tokens=64)
    picked = best_of_n(fake, messages, 3, ensemble, config)
    assert len(fake.history) == 3 and all(h == messages for h in fake.history)
    assert picked.candidates[1] == restating and picked.best == restating
    assert picked.chosen == 1
    assert picked.scores == pytest.approx(
        trained["model"].score([messages] * 3, picked.candidates))
