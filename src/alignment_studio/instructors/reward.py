"""Reward models, one per value (a group of policies), and best-of-n sampling with them.

Each group gets its own scalar scorer: the base model with a one-output classification head
(``num_labels=1``) and a LoRA adapter, trained by TRL's ``RewardTrainer`` on prompt/chosen/rejected
pairs with the pairwise loss ``-log sigmoid(r_chosen - r_rejected)``. Separate models keep values
apart, so an audit can say which value an answer serves and the weights can change without
retraining. Rewards are raw logits: only differences between answers to the same prompt mean
anything, and models of different groups are not calibrated against each other.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.base import GenerationConfig, ModelBackend, ModelOutput, Progress
from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.hf import release_memory, require_hf
from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.progress import rich_progress
from alignment_studio.instructors.sft import mixed_bf16
from alignment_studio.types import Example, Kind, Label, Message, PolicyDocument, Section, Split
from alignment_studio.types.data import DatasetBundle
from alignment_studio.workspace.config import RewardSettings

ADAPTER_DIR = "adapter"
LOG_NAME = "reward_log.json"
SCORE_BATCH = 16
BEST_OF_N_TEMPERATURE = 0.8  # candidates of a greedy request are sampled at this temperature
_OPPOSITE = {Label.compliant: Label.violating, Label.violating: Label.compliant}

Row = dict[str, Any]


class ValueGroup(BaseModel):
    """A value: a name, the policies it covers (document, section or policy IDs used as
    prefixes) and its weight when the rewards of several values are added up."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, description="the value's name; also its model folder")
    policies: list[str] = Field(min_length=1, description="document, section or policy IDs; a "
                                "policy belongs to the group when its ID is one of them or starts "
                                "with one of them followed by '/'")
    weight: float = Field(1.0, description="multiplier of this value's reward in the ensemble")

    def covers(self, policy_id: str) -> bool:
        return any(policy_id == p or policy_id.startswith(p.rstrip("/") + "/")
                   for p in self.policies)


class RewardResult(BaseModel):
    """What a reward training run did, written beside the adapter as ``reward_log.json``."""

    model_config = ConfigDict(extra="forbid")
    base_model: str
    max_length: int = Field(description="token limit used in training; scoring uses it too")
    steps: int
    train_pairs: int
    eval_pairs: int
    epochs: float
    losses: list[float] = Field(default_factory=list)
    train_accuracy: list[float] = Field(
        default_factory=list, description="per logged step, on that step's batch (TRL's metric)")
    eval_accuracy_before: float | None = Field(
        None, description="held-out pairs ranked right by the untrained head (chance level)")
    eval_accuracy_after: float | None = Field(None, description="the same pairs after training")
    runtime_s: float = 0.0
    device: str = "cpu"


class ValueScores(BaseModel):
    """Rewards of a batch of answers: the weighted total and each value's own score."""

    model_config = ConfigDict(extra="forbid")
    total: list[float]
    per_value: dict[str, list[float]]


class BestOfN(BaseModel):
    """Sampled candidates, their rewards, and the one with the highest weighted reward."""

    model_config = ConfigDict(extra="forbid")
    candidates: list[str]
    scores: list[float] = Field(description="weighted total reward of each candidate")
    per_value: dict[str, list[float]] = Field(default_factory=dict)
    chosen: int = Field(description="index of the best candidate")

    @property
    def best(self) -> str:
        return self.candidates[self.chosen]


# --- groups and data -------------------------------------------------------------------------


def default_groups(documents: Sequence[PolicyDocument]) -> list[ValueGroup]:
    """Groups for a workspace that declares none: one per document, or, with a single
    document, one per top-level section (a lone title heading is looked through)."""
    if len(documents) != 1:
        return [ValueGroup(name=d.id, policies=[d.id]) for d in documents if d.policies()]
    sections = documents[0].sections
    direct: list[str] = []
    while len(sections) == 1 and sections[0].children:
        direct += [p.id for p in sections[0].policies]
        sections = sections[0].children
    groups = [_section_group(s) for s in sections]
    if direct:
        groups.insert(0, ValueGroup(name=f"{documents[0].id}-general", policies=direct))
    return [g for g in groups if g is not None]


def _section_group(section: Section) -> ValueGroup | None:
    """The policies of a section and its subsections (policy IDs do not contain sections)."""
    ids = [p.id for s in section.walk() for p in s.policies]
    if not ids:
        return None
    return ValueGroup(name=section.id.split("/")[-1], policies=ids)


def reward_rows(bundle: DatasetBundle, group: ValueGroup, split: Split = Split.train) -> list[Row]:
    """TRL prompt/chosen/rejected rows for one group, from the items of ``split``.

    An item belongs to the group only when every policy it cites does: a conflict item ranks one
    value above another, which is the ensemble's weights' job, not one value's reward model.
    Preference items give their own pair. A scenario labelled compliant or violating gives the
    reference verdict as chosen and the same text with the opposite verdict as rejected, so the
    pair differs only in the judgement; needs_info scenarios (no single opposite) and targets
    that do not name their label are skipped.
    """
    rows: list[Row] = []
    for ex in bundle.split(split):
        if not ex.policy_ids or not all(group.covers(p) for p in ex.policy_ids):
            continue
        pair = _pair(ex)
        if pair is not None:
            rows.append({"prompt": [m.model_dump() for m in ex.messages],
                         "chosen": [{"role": "assistant", "content": pair[0]}],
                         "rejected": [{"role": "assistant", "content": pair[1]}]})
    return rows


def _pair(ex: Example) -> tuple[str, str] | None:
    if ex.chosen is not None and ex.rejected is not None:
        return ex.chosen, ex.rejected
    if ex.kind != Kind.scenario or ex.target is None or ex.label not in _OPPOSITE:
        return None
    pattern = re.compile(rf"\b{ex.label.value}\b", re.IGNORECASE)
    if not pattern.search(ex.target):
        return None
    return ex.target, pattern.sub(_OPPOSITE[ex.label].value, ex.target, count=1)


def split_rows(rows: list[Row], eval_fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    """(train, held out): a seeded shuffle, at least one pair on each side when there are two."""
    order = list(rows)
    random.Random(seed).shuffle(order)
    held = round(len(order) * eval_fraction)
    if eval_fraction > 0 and len(order) >= 2:
        held = min(max(held, 1), len(order) - 1)
    return order[held:], order[:held]


# --- the model ------------------------------------------------------------------------------


def _load_classifier(base_model: str, cache_dir: str | None,
                     seed: int | None) -> tuple[Any, Any]:
    """(sequence classifier with a fresh one-output head, tokenizer); the head's initial
    weights depend only on ``seed``, so the untrained state can be rebuilt for comparison
    (``None``: the head is about to be replaced by a trained one, leave the global RNG alone)."""
    require_hf()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_model_path(base_model, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if seed is not None:
        torch.manual_seed(seed)
    net = AutoModelForSequenceClassification.from_pretrained(
        path, local_files_only=True, num_labels=1, dtype=torch.float32)
    net.config.pad_token_id = tokenizer.pad_token_id
    return net, tokenizer


def encode(tokenizer: Any, conversation: list[dict[str, str]], max_length: int) -> list[int]:
    """Chat-template token IDs; too long keeps the end, because the score is read at the last
    token and the answer is what is judged. Training and scoring both go through here."""
    ids = tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=True)["input_ids"]
    return list(ids[-max_length:])


class RewardModel:
    """A trained (or, for comparison, untrained) reward model that scores answers."""

    def __init__(self, net: Any, tokenizer: Any, max_length: int):
        self.net = net.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length

    @classmethod
    def load(cls, out_dir: Path, base_model: str = "embedded",
             cache_dir: str | None = None) -> RewardModel:
        """The base model with the adapter and score head saved by ``train_reward_model``."""
        from peft import PeftModel

        adapter = out_dir / ADAPTER_DIR
        if not (adapter / "adapter_config.json").is_file():
            raise StudioError("not a reward model folder (no adapter/adapter_config.json)",
                              out_dir)
        log = read_reward_log(out_dir)
        net, tokenizer = _load_classifier(base_model, cache_dir, seed=None)
        net = PeftModel.from_pretrained(net, adapter, local_files_only=True).merge_and_unload()
        return cls(net, tokenizer, log.max_length)

    @classmethod
    def untrained(cls, base_model: str, settings: RewardSettings,
                  cache_dir: str | None = None) -> RewardModel:
        """The state training starts from (same seed, so the same random head): a baseline."""
        net, tokenizer = _load_classifier(base_model, cache_dir, settings.seed)
        return cls(net, tokenizer, settings.max_length)

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> list[float]:
        """One reward per (conversation, answer), in input order."""
        if len(messages_batch) != len(responses):
            raise ValueError("one response per conversation")
        seqs = [encode(self.tokenizer, [m.model_dump() for m in msgs]
                       + [{"role": "assistant", "content": r}], self.max_length)
                for msgs, r in zip(messages_batch, responses, strict=True)]
        out: list[float] = []
        for start in range(0, len(seqs), SCORE_BATCH):
            out += self._score_ids(seqs[start:start + SCORE_BATCH])
        return out

    def score_one(self, messages: Sequence[Message], response: str) -> float:
        """One reward; the bound method fits ``instructors.aggregate.Scorer``."""
        return self.score([messages], [response])[0]

    def score_rows(self, rows: Sequence[Row]) -> list[tuple[float, float]]:
        """(chosen, rejected) rewards of TRL preference rows."""
        prompts = [[Message.model_validate(m) for m in r["prompt"]] for r in rows]
        chosen = self.score(prompts, [r["chosen"][-1]["content"] for r in rows])
        rejected = self.score(prompts, [r["rejected"][-1]["content"] for r in rows])
        return list(zip(chosen, rejected, strict=True))

    def _score_ids(self, seqs: list[list[int]]) -> list[float]:
        import torch

        width = max(len(s) for s in seqs)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([s + [pad] * (width - len(s)) for s in seqs])  # (B, T), right padded
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
        with torch.inference_mode():
            logits = self.net(input_ids=ids, attention_mask=mask).logits  # (B, 1)
        return [float(x) for x in logits[:, 0]]


def pair_accuracy(model: RewardModel, rows: Sequence[Row]) -> float:
    """Share of pairs whose chosen answer gets the higher reward (ties count as wrong)."""
    if not rows:
        return 0.0
    return sum(c > r for c, r in model.score_rows(rows)) / len(rows)


# --- training -------------------------------------------------------------------------------


def lora_config(settings: RewardSettings) -> Any:
    from peft import LoraConfig

    return LoraConfig(r=settings.lora_r, lora_alpha=2 * settings.lora_r, lora_dropout=0.0,
                      target_modules="all-linear", task_type="SEQ_CLS", modules_to_save=["score"])


def reward_config(settings: RewardSettings, output_dir: Path, cuda: bool) -> Any:
    from trl import RewardConfig

    return RewardConfig(
        output_dir=str(output_dir), num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size, learning_rate=settings.learning_rate,
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1, save_strategy="no",
        report_to=[], seed=settings.seed, data_seed=settings.seed, max_length=None,
        bf16=mixed_bf16(settings.precision, cuda), use_cpu=not cuda, dataloader_num_workers=0,
        disable_tqdm=True, eval_strategy="no", gradient_checkpointing=False)


def train_reward_model(rows: list[Row], base_model: str, settings: RewardSettings,
                       work_dir: Path, out_dir: Path,
                       cache_dir: str | None = None) -> RewardResult:
    """LoRA-train a reward model on preference rows; save adapter, head and log in ``out_dir``.

    Rows are tokenized here (not by TRL, which drops over-long pairs) with ``encode``, the same
    function scoring uses. ``eval_fraction`` of the pairs is held out and ranked before and after.
    """
    if not rows:
        raise StudioError("no preference pairs for this reward model: its policies have no "
                          "preference items or compliant/violating scenarios in the train split")
    import torch
    from datasets import Dataset
    from trl import RewardTrainer

    train, held = split_rows(rows, settings.eval_fraction, settings.seed)
    net, tokenizer = _load_classifier(base_model, cache_dir, settings.seed)
    cuda = torch.cuda.is_available()
    before = pair_accuracy(RewardModel(net, tokenizer, settings.max_length), held) if held else None
    trainer = rich_progress(RewardTrainer(
        model=net, args=reward_config(settings, work_dir, cuda),
        train_dataset=Dataset.from_list(_tokenized(tokenizer, train, settings)),
        processing_class=tokenizer, peft_config=lora_config(settings)), "reward model")
    start = time.perf_counter()
    trainer.train()
    runtime = time.perf_counter() - start
    peft_model: Any = trainer.model
    out_dir.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(out_dir / ADAPTER_DIR)
    scorer = RewardModel(peft_model, tokenizer, settings.max_length)
    history = trainer.state.log_history
    result = RewardResult(
        base_model=base_model, max_length=settings.max_length, steps=trainer.state.global_step,
        train_pairs=len(train), eval_pairs=len(held), epochs=float(trainer.state.epoch or 0),
        losses=[float(h["loss"]) for h in history if "loss" in h],
        train_accuracy=[float(h["accuracy"]) for h in history if "accuracy" in h],
        eval_accuracy_before=before,
        eval_accuracy_after=pair_accuracy(scorer, held) if held else None,
        runtime_s=runtime, device="cuda" if cuda else "cpu")
    (out_dir / LOG_NAME).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    (out_dir / "reward_settings.json").write_text(settings.model_dump_json(indent=2),
                                                  encoding="utf-8")
    del trainer, net, peft_model, scorer
    release_memory()
    return result


def _tokenized(tokenizer: Any, rows: list[Row], settings: RewardSettings) -> list[Row]:
    return [{"chosen_ids": encode(tokenizer, r["prompt"] + r["chosen"], settings.max_length),
             "rejected_ids": encode(tokenizer, r["prompt"] + r["rejected"], settings.max_length)}
            for r in rows]


def read_reward_log(out_dir: Path) -> RewardResult:
    return RewardResult.model_validate(json.loads((out_dir / LOG_NAME).read_text("utf-8")))


# --- several values together ----------------------------------------------------------------


class RewardEnsemble:
    """Reward models of several values; the total is the weighted sum of their rewards."""

    def __init__(self, models: dict[str, RewardModel], weights: dict[str, float] | None = None):
        unknown = sorted(set(weights or {}) - set(models))
        if unknown:
            raise StudioError(f"weights name values without a reward model: {', '.join(unknown)}")
        self.models = models
        self.weights = {name: (weights or {}).get(name, 1.0) for name in models}

    @classmethod
    def load(cls, groups: Sequence[ValueGroup], root: Path, base_model: str = "embedded",
             cache_dir: str | None = None) -> RewardEnsemble:
        """Each group's model from ``root/<group name>``, weighted by the group's weight."""
        models = {g.name: RewardModel.load(root / g.name, base_model, cache_dir) for g in groups}
        return cls(models, {g.name: g.weight for g in groups})

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores:
        per_value = {name: m.score(messages_batch, responses) for name, m in self.models.items()}
        total = [sum(self.weights[name] * per_value[name][i] for name in per_value)
                 for i in range(len(responses))]
        return ValueScores(total=total, per_value=per_value)

    def score_one(self, messages: Sequence[Message], response: str) -> float:
        """The weighted total for one answer; fits ``instructors.aggregate.Scorer``."""
        return self.score([messages], [response]).total[0]


class Ranker(Protocol):
    """What ranks candidate answers: ``RewardEnsemble`` and the detector reward both fit."""

    def score(self, messages_batch: Sequence[Sequence[Message]],
              responses: Sequence[str]) -> ValueScores: ...


def sampled(config: GenerationConfig) -> GenerationConfig:
    """``config`` for drawing candidates: greedy decoding would give n equal answers, so a
    greedy request is sampled at ``BEST_OF_N_TEMPERATURE``."""
    if config.temperature > 0:
        return config
    return config.model_copy(update={"temperature": BEST_OF_N_TEMPERATURE})


def pick(messages: Sequence[Message], candidates: Sequence[str], ranker: Ranker) -> BestOfN:
    """The candidate with the highest total reward (ties go to the earliest)."""
    scores = ranker.score([list(messages)] * len(candidates), list(candidates))
    chosen = max(range(len(candidates)), key=lambda i: (scores.total[i], -i))
    return BestOfN(candidates=list(candidates), scores=scores.total,
                   per_value=scores.per_value, chosen=chosen)


def best_of_n(backend: ModelBackend, messages: Sequence[Message], n: int,
              ensemble: Ranker, config: GenerationConfig) -> BestOfN:
    """Sample ``n`` answers to one conversation and keep the one with the highest total reward.

    Sampling needs ``temperature > 0`` (greedy decoding would give ``n`` equal answers); one
    ``generate_batch`` call with the conversation repeated keeps the backend's batching. Ties go
    to the earliest candidate.
    """
    if n < 1:
        raise StudioError("best-of-n needs at least one candidate")
    if config.temperature <= 0:
        raise StudioError("best-of-n needs sampling: set a temperature above 0")
    outputs = asyncio.run(backend.generate_batch([list(messages)] * n, config))
    return pick(messages, [o.text for o in outputs], ensemble)


class BestOfNBackend(ModelBackend):
    """A backend whose every answer is the best of ``n`` samples of ``inner`` by ``ranker``.

    What ``ask --best-of``, the audit (``audit.best_of_n``) and serving hand their model to:
    each conversation is repeated ``n`` times in one ``generate_batch`` call of the inner
    backend (greedy requests sampled, see ``sampled``), and the ranker's scoring runs in a
    worker thread so a server's event loop keeps going. Likelihood scoring of closed answers
    (``score_choices``) is the inner model's own."""

    def __init__(self, inner: ModelBackend, ranker: Ranker, n: int):
        if n < 1:
            raise StudioError("best-of-n needs at least one candidate")
        self.inner, self.ranker, self.n = inner, ranker, n
        self.name = f"{inner.name} best-of-{n}"

    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        return (await self.generate_batch([messages], config))[0]

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        repeated = [list(m) for m in batch for _ in range(self.n)]
        outputs = await self.inner.generate_batch(repeated, sampled(config))
        best: list[ModelOutput] = []
        for i, messages in enumerate(batch):
            group = outputs[i * self.n:(i + 1) * self.n]
            chosen = await asyncio.to_thread(pick, messages, [o.text for o in group],
                                             self.ranker)
            best.append(group[chosen.chosen])
            if progress:
                progress(1)
        return best

    async def score_choices(self, batch: Sequence[Sequence[Message]], options: Sequence[str]
                            ) -> list[list[float]] | None:
        return await self.inner.score_choices(batch, options)

    def close(self) -> None:
        self.inner.close()
