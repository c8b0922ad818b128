"""GRPO against the studio's rewards: the reward functions and their combination on hand-made
completions, the prompt rows, config errors, and (slow) two GRPO steps of the real embedded model
continuing a fresh SFT adapter, then a rerun that resumes from the checkpoint."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.parse import read_document
from alignment_studio.instructors.reward import ValueScores
from alignment_studio.instructors.rl import (
    RL_LOG,
    RLResult,
    RLSettings,
    citation_reward,
    combined_rewards,
    completion_text,
    ensemble_reward,
    read_rl_log,
    rl_rows,
    train_rl,
    verdict_reward,
)
from alignment_studio.instructors.sft import ADAPTER_DIR, load_tokenizer, train_sft
from alignment_studio.types import (
    DatasetBundle,
    Example,
    Kind,
    Label,
    Message,
    Provenance,
    Split,
)
from alignment_studio.workspace.config import FrameSettings, TrainSettings

PID = "guidelines/gifts/p-1a2b3c"


def answer(text: str) -> list[dict[str, str]]:
    """A completion as TRL passes it for conversational prompts."""
    return [{"role": "assistant", "content": text}]


PROMPT = [{"role": "system", "content": "Cite the policy ID."},
          {"role": "user", "content": "May I accept a gift?"}]


class FixedEnsemble:
    """A test double of ``RewardEnsemble.score``: fixed per-value rewards, weighted total."""

    def __init__(self, per_value: dict[str, list[float]], weights: dict[str, float]):
        self.per_value = per_value
        self.weights = weights
        self.calls: list[tuple[list[list[Message]], list[str]]] = []

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores:
        self.calls.append(([list(m) for m in messages_batch], list(responses)))
        total = [sum(self.weights[v] * self.per_value[v][i] for v in self.per_value)
                 for i in range(len(responses))]
        return ValueScores(total=total, per_value=self.per_value)


# --- reward functions ------------------------------------------------------------------------


def test_completion_text_reads_every_form_trl_passes() -> None:
    assert completion_text("plain") == "plain"
    assert completion_text(answer("chat")) == "chat"
    assert completion_text([{"role": "assistant",
                             "content": [{"type": "text", "text": "a"},
                                         {"type": "text", "text": "b"}]}]) == "ab"


def test_verdict_reward_is_one_only_for_the_expected_verdict() -> None:
    completions = [answer("compliant: a token gift is fine"),
                   answer("Violating: cash gifts are banned"),
                   answer("This is not compliant with the rule"),  # parse_label: violating
                   answer("I would ask my manager"),  # no verdict at all
                   answer("violating: anything")]
    labels: list[str | None] = ["compliant", "compliant", "violating", "needs_info", None]
    rewards = verdict_reward([PROMPT] * 5, completions, label=labels)
    assert rewards == [1.0, 0.0, 1.0, 0.0, None]  # None: an instruction item has no label


def test_verdict_reward_accepts_plain_text_completions_and_no_label_column() -> None:
    assert verdict_reward(["q", "q"], ["needs_info: who paid?", "compliant"],
                          label=["needs_info", "violating"]) == [1.0, 0.0]
    assert verdict_reward(["q"], ["compliant"]) == [None]


def test_citation_reward_needs_one_of_the_item_s_policy_ids() -> None:
    other = "guidelines/gifts/p-9z9z9z"
    completions = [answer(f"compliant: fine [{PID}]"), answer(f"see {other}"),
                   answer("no citation"), answer(f"[{PID}]")]
    ids = [[PID], [PID, other], [PID], []]
    assert citation_reward([PROMPT] * 4, completions, policy_ids=ids) == [1.0, 1.0, 0.0, None]


def test_ensemble_reward_gives_the_weighted_total_and_logs_each_value() -> None:
    ensemble = FixedEnsemble({"privacy": [1.0, -2.0], "honesty": [0.5, 3.0]},
                             {"privacy": 2.0, "honesty": 1.0})
    logged: dict[str, float] = {}
    func = ensemble_reward(ensemble)
    rewards = func([PROMPT, "plain question"], [answer("first"), "second"],
                   log_metric=logged.__setitem__, label=[None, None])
    assert rewards == [2.0 * 1.0 + 0.5, 2.0 * -2.0 + 3.0]
    assert logged == {"ensemble/privacy": -0.5, "ensemble/honesty": 1.75}
    messages, responses = ensemble.calls[0]
    assert responses == ["first", "second"]
    assert messages[0] == [Message(role="system", content="Cite the policy ID."),
                           Message(role="user", content="May I accept a gift?")]
    assert messages[1] == [Message(role="user", content="plain question")]
    assert func.__name__ == "ensemble_reward"  # TRL names its reward log keys after it


def test_combined_rewards_keep_the_functions_with_weight_and_their_weights() -> None:
    ensemble = FixedEnsemble({"v": [0.0]}, {"v": 1.0})
    funcs, weights = combined_rewards(RLSettings(), ensemble)
    assert [f.__name__ for f in funcs] == ["ensemble_reward", "verdict_reward",
                                           "citation_reward"]
    assert weights == [1.0, 1.0, 0.5]
    funcs, weights = combined_rewards(RLSettings(reward_models=0, citation=2.0), None)
    assert funcs == [verdict_reward, citation_reward] and weights == [1.0, 2.0]
    funcs, weights = combined_rewards(RLSettings(reward_models=0, verdict=0), ensemble)
    assert funcs == [citation_reward] and weights == [0.5]


def test_combined_total_of_one_answer_by_hand() -> None:
    """What GRPO adds per completion: the weighted rewards, a non-applicable one (None)
    counting as nothing. Ensemble 0.25 x 2, verdict right x 1, cited x 0.5 = 2.0; a wrong
    verdict without citation leaves 0.5 (ensemble -1.5 x 2 + 0 + 0 = -3.0 for the second)."""
    ensemble = FixedEnsemble({"v": [0.25, -1.5]}, {"v": 1.0})
    settings = RLSettings(reward_models=2.0, verdict=1.0, citation=0.5)
    funcs, weights = combined_rewards(settings, ensemble)
    completions = [answer(f"violating: cash is never allowed [{PID}]"), answer("compliant")]
    columns: dict[str, Any] = {"label": ["violating", "violating"], "policy_ids": [[PID], [PID]]}
    per_func = [f([PROMPT] * 2, completions, **columns) for f in funcs]
    totals = [sum(w * r for w, r in zip(weights, column, strict=True) if r is not None)
              for column in zip(*per_func, strict=True)]
    assert totals == [2.0, -3.0]


def test_reward_models_without_trained_models_is_a_one_line_error() -> None:
    with pytest.raises(StudioError) as info:
        combined_rewards(RLSettings(reward_models=0.5), None)
    assert "no reward models were trained" in str(info.value) and "\n" not in str(info.value)


def test_every_weight_zero_is_a_one_line_error() -> None:
    settings = RLSettings(reward_models=0, verdict=0, citation=0)
    with pytest.raises(StudioError) as info:
        combined_rewards(settings, FixedEnsemble({"v": [0.0]}, {"v": 1.0}))
    assert "nothing to train towards" in str(info.value) and "\n" not in str(info.value)


# --- settings and rows -----------------------------------------------------------------------


def test_settings_defaults_and_validation() -> None:
    settings = RLSettings()
    assert not settings.enabled and settings.method == "grpo" and settings.num_generations >= 2
    assert (settings.batch_size * settings.grad_accum) % settings.num_generations == 0
    with pytest.raises(ValidationError, match="multiple of num_generations"):
        RLSettings(batch_size=3, grad_accum=1, num_generations=2)
    with pytest.raises(ValidationError):
        RLSettings(num_generations=1, batch_size=2, grad_accum=1)
    with pytest.raises(ValidationError):
        RLSettings(kl_coef=0.1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        RLSettings(verdict=-1.0)


def _example(name: str, kind: Kind, label: Label | None = None, split: Split = Split.train,
             policy_ids: list[str] | None = None) -> Example:
    return Example(id=name, kind=kind, messages=[Message(role="user", content=name)],
                   target="t", label=label, policy_ids=policy_ids or [PID],
                   provenance=Provenance(source="seed"), split=split,
                   chosen="c" if kind == Kind.preference else None,
                   rejected="r" if kind == Kind.preference else None)


def test_rl_rows_take_labelled_scenarios_and_instructions_of_the_split() -> None:
    bundle = DatasetBundle(name="b", version="1", examples=[
        _example("s1", Kind.scenario, Label.violating),
        _example("s2", Kind.scenario),  # no label: nothing to verify
        _example("i1", Kind.instruction, policy_ids=[PID, "guidelines/gifts/p-2"]),
        _example("c1", Kind.conflict),
        _example("p1", Kind.preference),
        _example("t1", Kind.scenario, Label.compliant, split=Split.test),
    ])
    rows = rl_rows(bundle)
    assert rows == [
        {"prompt": [{"role": "user", "content": "s1"}], "kind": "scenario",
         "label": "violating", "policy_ids": [PID]},
        {"prompt": [{"role": "user", "content": "i1"}], "kind": "instruction", "label": None,
         "policy_ids": [PID, "guidelines/gifts/p-2"]},
    ]
    assert [r["prompt"][0]["content"] for r in rl_rows(bundle, Split.test)] == ["t1"]


def test_rl_rows_limit_is_a_seeded_sample() -> None:
    bundle = DatasetBundle(name="b", version="1", examples=[
        _example(f"s{i}", Kind.scenario, Label.compliant) for i in range(20)])
    sample = rl_rows(bundle, limit=5, seed=3)
    names = [r["prompt"][0]["content"] for r in sample]
    assert len(set(names)) == 5 and set(names) <= {f"s{i}" for i in range(20)}
    assert rl_rows(bundle, limit=5, seed=3) == sample
    assert len(rl_rows(bundle, limit=50)) == 20


def test_no_rows_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(StudioError) as info:
        train_rl([], "embedded", None, RLSettings(reward_models=0), tmp_path / "w", tmp_path)
    assert "no prompts" in str(info.value) and "\n" not in str(info.value)


def test_bad_weights_fail_before_any_model_is_loaded(tmp_path: Path) -> None:
    rows = [{"prompt": PROMPT, "kind": "scenario", "label": "compliant", "policy_ids": [PID]}]
    with pytest.raises(StudioError, match="no reward models were trained"):
        train_rl(rows, "no-such-model", None, RLSettings(), tmp_path / "w", tmp_path)
    assert not (tmp_path / "w").exists()


def test_prompts_longer_than_max_prompt_length_are_refused(tmp_path: Path) -> None:
    rows = [{"prompt": PROMPT, "kind": "scenario", "label": "compliant", "policy_ids": [PID]}]
    settings = RLSettings(reward_models=0, max_prompt_length=16)
    with pytest.raises(StudioError) as info:
        train_rl(rows, "embedded", None, settings, tmp_path / "w", tmp_path)
    assert "longer than rl.max_prompt_length (16 tokens)" in str(info.value)


# --- the real model --------------------------------------------------------------------------


def prompt_tokens(tokenizer: Any, prompt: list[dict[str, str]]) -> int:
    return len(tokenizer.apply_chat_template(prompt, tokenize=True, add_generation_prompt=True,
                                             return_dict=True)["input_ids"])


@pytest.fixture(scope="module")
def scenario_bundle(example_policy: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> DatasetBundle:
    """The bundled example framed without a teacher, its train split's guardian scenarios
    only (the clause in the prompt: the short SFT below learns their verdict form)."""
    journal = tmp_path_factory.mktemp("frame") / "teacher.jsonl"
    framed = frame_dataset([read_document(example_policy)], [], None, FrameSettings(),
                           "Meridian Harbor", Prompts(), journal, "none")
    scenarios = [e for e in framed.bundle.split(Split.train) if e.kind == Kind.scenario
                 and e.book == "guardian"]
    return DatasetBundle(name="scenarios", version="1", examples=scenarios)


@pytest.fixture(scope="module")
def grpo_runs(scenario_bundle: DatasetBundle, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, RLResult, RLResult, Path]:
    """SFT for 2 steps on the 8 shortest scenarios, GRPO from that adapter for 2 steps (one
    prompt x 4 answers each, verdict reward only, checkpoint at step 2), then a rerun to step 3
    that must resume. The prompts are the shortest compliant scenarios: after this little SFT
    the model starts about half of its sampled answers with a verdict, nearly always
    "compliant", so a group's answers usually differ in reward; a group of 4 (not 2) makes a
    step without any signal unlikely (about 1 in 8 per step)."""
    tokenizer = load_tokenizer(resolve_model_path("embedded"))
    sft_rows = sorted(scenario_bundle.to_trl(),
                      key=lambda r: prompt_tokens(tokenizer, r["prompt"]))[:8]
    root = tmp_path_factory.mktemp("grpo")
    train_sft(sft_rows, "embedded",
              TrainSettings(max_steps=2, batch_size=4, grad_accum=1, max_length=192, lora_r=4,
                            lora_alpha=8, learning_rate=2e-3, validation_fraction=0.0,
                            gradient_checkpointing=False), root / "sft-work", root / "sft")
    rows = sorted((r for r in rl_rows(scenario_bundle) if r["label"] == Label.compliant.value),
                  key=lambda r: prompt_tokens(tokenizer, r["prompt"]))[:4]
    settings = RLSettings(max_steps=2, batch_size=4, grad_accum=1, num_generations=4,
                          max_completion_length=12, learning_rate=1e-3, reward_models=0,
                          citation=0, save_steps=2, max_prompt_length=160)
    start = root / "sft" / ADAPTER_DIR
    first = train_rl(rows, "embedded", start, settings, root / "work", root / "a")
    second = train_rl(rows, "embedded", start, settings.model_copy(update={"max_steps": 3}),
                      root / "work", root / "b")
    return start, first, second, root


def lora_weights(adapter: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(adapter / "adapter_model.safetensors"))


@pytest.mark.slow
def test_grpo_logs_rewards_per_step_and_moves_the_start_adapter(
        grpo_runs: tuple[Path, RLResult, RLResult, Path]) -> None:
    start, first, _, root = grpo_runs
    assert first.steps == 2 and first.resumed_from is None and first.prompts == 4
    assert first.reward_weights == {"verdict_reward": 1.0}
    assert len(first.rewards) == 2 and len(first.losses) == 2
    # one function of weight 1: the step's mean total is that function's mean
    assert first.rewards_per_function["verdict_reward"] == pytest.approx(first.rewards)
    assert all(0.0 <= r <= 1.0 for r in first.rewards)
    assert read_rl_log(root / "a") == first and (root / "a" / RL_LOG).is_file()
    # a step learns only from a group whose answers got different verdict rewards
    assert min(first.groups_without_signal) < 1.0, first
    before, after = lora_weights(start), lora_weights(root / "a" / ADAPTER_DIR)
    assert before.keys() == after.keys() and not any(".ref." in k for k in after)
    changed = [k for k in before if not before[k].equal(after[k])]
    assert len(changed) == len(before)  # every LoRA matrix moved


@pytest.mark.slow
def test_kl_is_measured_against_the_frozen_start_adapter(
        grpo_runs: tuple[Path, RLResult, RLResult, Path]) -> None:
    """Step 1 samples from the start adapter itself: KL 0. By step 3 the policy has moved and
    the reference (restored from the checkpoint) has not, so the KL is above 0."""
    _, first, second, _ = grpo_runs
    assert first.beta > 0 and len(second.kl) == 3
    assert abs(second.kl[0]) < 1e-6 and second.kl[-1] > 0, second.kl
    assert all(math.isfinite(x) for x in second.kl)


@pytest.mark.slow
def test_grpo_resumes_from_its_checkpoint(
        grpo_runs: tuple[Path, RLResult, RLResult, Path]) -> None:
    _, first, second, root = grpo_runs
    assert (root / "work" / "checkpoint-2").is_dir()
    assert second.resumed_from == "checkpoint-2" and second.steps == 3
    assert second.rewards[:2] == first.rewards  # steps 1-2 came from the checkpoint
    assert len(second.rewards) == 3 and read_rl_log(root / "b") == second
