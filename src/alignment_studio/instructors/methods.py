"""The training methods, registered as (settings, train) pairs, and the chain config makes.

Each method is TRL's pairing of a config and a trainer: a settings section of studio.yaml and a
``train`` function. ``chain(config)`` lists the methods config turns on, in registry order:
SFT always, then DPO or ORPO (``preference.enabled``), then GRPO (``rl.enabled``). Each link
continues the adapter the one before it left. A new method is one ``register_method`` call and
its settings section; the instruct stage, the CLI and the model card follow the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from alignment_studio.framers.split import sample_mix, sample_rows
from alignment_studio.instructors.preference import (
    PREFERENCE_LOG,
    read_preference_log,
    train_preference,
)
from alignment_studio.instructors.rl import RL_LOG, EnsembleScorer, read_rl_log, rl_rows, train_rl
from alignment_studio.instructors.sft import TRAIN_LOG, CallbackHook, read_train_log, train_sft
from alignment_studio.types import DatasetBundle, Split
from alignment_studio.workspace.config import (
    PreferenceSettings,
    RLSettings,
    StudioConfig,
    TrainSettings,
)


@dataclass(frozen=True)
class TrainingJob:
    """What one link of the chain works with."""

    bundle: DatasetBundle  # the reviewed data set
    base: str  # the base model: 'embedded' or a folder
    train: TrainSettings  # the shared training settings: a fresh adapter's LoRA shape
    adapter: Path | None  # the adapter the previous link left; None for the first link
    work: Path  # checkpoints, so an interrupted run resumes
    out: Path  # where the adapter (out/adapter) and the method's log go
    cache_dir: str | None = None
    hooks: Sequence[CallbackHook] = ()  # extra trainer callbacks, made from the tokenizer
    rewards: EnsembleScorer | None = None  # reward models, for methods that sample answers
    say: Callable[[str], None] = field(default=lambda line: None)


class Train(Protocol):
    def __call__(self, job: TrainingJob, settings: Any) -> None: ...


@dataclass(frozen=True)
class TrainingMethod:
    """One registered method: its settings (a studio.yaml section), its train function, when
    config turns it on, where its result stays when a later link continues it, and the one
    line its log gives."""

    name: str
    settings: type[BaseModel]
    section: str
    train: Train
    enabled: Callable[[StudioConfig], bool]
    folder: str
    log: str
    summary: Callable[[Path], str]
    title: str = ""  # what 'instruct --help' calls it, for example "LoRA SFT"
    when: str = ""  # the studio.yaml setting that turns it on, for 'instruct --help'

    def settings_of(self, config: StudioConfig) -> Any:
        return getattr(config, self.section)


METHODS: dict[str, TrainingMethod] = {}


def register_method(method: TrainingMethod) -> None:
    """Add a method at the end of the chain order."""
    if not issubclass(method.settings, BaseModel) or method.section not in \
            StudioConfig.model_fields:
        raise ValueError(f"method {method.name!r}: settings must be the studio.yaml section "
                         f"{method.section!r}")
    METHODS[method.name] = method


def chain(config: StudioConfig) -> list[TrainingMethod]:
    """The methods config turns on, in order; each continues the one before it."""
    return [m for m in METHODS.values() if m.enabled(config)]


def described() -> list[str]:
    """One line per registered method, in chain order: its name and what turns it on."""
    return [f"{m.title or m.name}: {m.when or 'registered'}" for m in METHODS.values()]


# -- the built-in methods ----------------------------------------------------------------------

def _train_sft(job: TrainingJob, settings: TrainSettings) -> None:
    rows = sft_rows(job.bundle, settings)
    job.say(f"instruct: LoRA SFT of {job.base} on {len(rows)} examples")
    train_sft(rows, job.base, settings, job.work, job.out, job.cache_dir, hooks=job.hooks)


def sft_rows(bundle: DatasetBundle, settings: TrainSettings) -> list[dict[str, Any]]:
    """The training split as TRL rows, capped at ``max_train_examples``: a plain seeded sample,
    or one with the configured shares of scenarios and closed-book items."""
    limit = settings.max_train_examples
    if limit is None or (settings.scenario_share is None and settings.closed_share is None):
        return sample_rows(bundle.to_trl(Split.train), limit, settings.seed)
    usable = [e for e in bundle.split(Split.train) if e.target is not None]
    mixed = sample_mix(usable, limit, settings.seed, settings.scenario_share,
                       settings.closed_share)
    return bundle.model_copy(update={"examples": mixed}).to_trl(Split.train)


def _sft_summary(folder: Path) -> str:
    log = read_train_log(folder)
    loss = f"loss {log.losses[0]:.3f} → {log.losses[-1]:.3f}" if log.losses else "no loss logged"
    return (f"LoRA adapter, {log.steps} steps on {log.examples} examples, {loss}, "
            f"{log.train_tokens} tokens in {log.runtime_s:.0f} s")


def _train_preference(job: TrainingJob, settings: PreferenceSettings) -> None:
    pairs = sample_rows(job.bundle.to_trl(Split.train, preference=True), settings.max_pairs,
                        settings.seed)
    job.say(f"instruct: {settings.method.upper()} on {len(pairs)} preference pairs, "
            f"from the {'SFT' if job.adapter else 'base'} adapter")
    train_preference(pairs, job.base, job.adapter, settings, job.work, job.out, job.cache_dir,
                     train=job.train)


def _preference_summary(folder: Path) -> str:
    pref = read_preference_log(folder)
    margin = f", margin {pref.rewards_margins[-1]:+.3f}" if pref.rewards_margins else ""
    return f"{pref.method.upper()}: {pref.steps} steps on {pref.pairs} pairs{margin}"


def _train_grpo(job: TrainingJob, settings: RLSettings) -> None:
    rows = rl_rows(job.bundle, Split.train)
    start = job.adapter.parent.name if job.adapter else "base"
    job.say(f"instruct: GRPO on up to {settings.max_prompts or len(rows)} of {len(rows)} "
            f"prompts, from the {start} adapter")
    train_rl(rows, job.base, job.adapter, settings, job.work, job.out, job.cache_dir,
             ensemble=job.rewards, train=job.train)


def _grpo_summary(folder: Path) -> str:
    rl = read_rl_log(folder)
    reward = (f", mean reward {rl.rewards[0]:.3f} → {rl.rewards[-1]:.3f}" if rl.rewards
              else "")
    return f"GRPO: {rl.steps} steps on {rl.prompts} prompts{reward}"


def _preference_on(name: str) -> Callable[[StudioConfig], bool]:
    return lambda config: config.preference.enabled and config.preference.method == name


register_method(TrainingMethod(
    name="sft", settings=TrainSettings, section="train", train=_train_sft,
    enabled=lambda config: True, folder="sft", log=TRAIN_LOG, summary=_sft_summary,
    title="LoRA SFT (TRL SFTTrainer + PEFT)", when="always; settings under train"))
for _name in ("dpo", "orpo"):
    register_method(TrainingMethod(
        name=_name, settings=PreferenceSettings, section="preference", train=_train_preference,
        enabled=_preference_on(_name), folder="preference", log=PREFERENCE_LOG,
        summary=_preference_summary, title=_name.upper(),
        when=f"preference.enabled with preference.method: {_name}"))
register_method(TrainingMethod(
    name="grpo", settings=RLSettings, section="rl", train=_train_grpo,
    enabled=lambda config: config.rl.enabled, folder="rl", log=RL_LOG, summary=_grpo_summary,
    title="GRPO (TRL GRPOTrainer)", when="rl.enabled; rewards: the verdict and citation checks "
    "and, with rl.reward_models > 0, the reward models (reward.enabled), trained first"))
