"""Context-based aggregation of value adapters, after Dognin et al. (arXiv 2403.12805).

The paper aligns one agent per moral value and lets an aggregator, looking at the input and its
context, decide how much each value's agent should shape the answer. Here a value's agent is a
LoRA adapter trained only on the data of that value's policies, and the aggregator is
deterministic and inspectable: a value's weight for an input is

    declared weight x the matching contexts' multipliers x relevance(input, value)

normalised to sum 1, where relevance is the Laplace-smoothed share of the input's policy words
that belong to the value's policies (an input about overtime leans on the value whose policies
talk about overtime; an input that mentions none falls back to the declared weights).

The weights then either (a) merge the value adapters into one adapter for that input through
PEFT's ``add_weighted_adapter`` ("linear" or "cat"), cached per rounded weight vector, or
(b) pick one of the candidate answers (one per value adapter) with a pluggable scorer.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from alignment_studio.backends.base import (
    GenerationConfig,
    ModelBackend,
    ModelOutput,
    Progress,
)
from alignment_studio.framers.conflicts import content_words
from alignment_studio.framers.values import (
    Context,
    context_in,
    resolve_context,
    value_of,
    weights,
    with_context,
)
from alignment_studio.types import DatasetBundle, Message, Policy, Split
from alignment_studio.workspace.config import TrainSettings, ValuesSettings

Combination = Literal["linear", "cat"]
Scorer = Callable[[Sequence[Message], str], float]


def rows_for_value(bundle: DatasetBundle, value: str, values: ValuesSettings,
                   split: Split = Split.train) -> list[dict[str, Any]]:
    """TRL prompt/completion rows of the examples that cite a policy of ``value``."""
    mine = [e for e in bundle.examples
            if any(value_of(pid, values) == value for pid in e.policy_ids)]
    return bundle.model_copy(update={"examples": mine}).to_trl(split)


def train_value_adapters(bundle: DatasetBundle, values: ValuesSettings, base_model: str,
                         settings: TrainSettings, out_dir: Path,
                         cache_dir: str | None = None,
                         work_dir: Path | None = None) -> dict[str, Path]:
    """One LoRA adapter per value with training rows, in ``out_dir/<value>/adapter``.

    Checkpoints go to ``work_dir/<value>`` (default ``out_dir/<value>/work``), so an interrupted
    run resumes each value where it stopped. Values without rows are skipped (they are missing
    from the result), so a caller can tell which values the data covers."""
    from alignment_studio.instructors.sft import ADAPTER_DIR, train_sft

    adapters: dict[str, Path] = {}
    for spec in values.values:
        rows = rows_for_value(bundle, spec.name, values)
        if not rows:
            continue
        folder = out_dir / safe_name(spec.name)
        work = work_dir / safe_name(spec.name) if work_dir else folder / "work"
        train_sft(rows, base_model, settings, work, folder, cache_dir)
        adapters[spec.name] = folder / ADAPTER_DIR
    return adapters


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)


class ContextualAggregator:
    """Per-input weights of the values from the input's words and its context."""

    def __init__(self, values: ValuesSettings, policies: Mapping[str, Policy],
                 alpha: float = 1.0, digits: int = 2):
        if not values.values:
            raise ValueError("aggregation needs declared values")
        self.values = values
        self.alpha = alpha
        self.digits = digits
        self.vocabulary = {v.name: set[str]() for v in values.values}
        for policy in policies.values():
            name = value_of(policy.id, values)
            if name is not None:
                self.vocabulary[name] |= content_words(policy.text) | {
                    t.lower() for t in policy.terms}

    def hits(self, text: str) -> dict[str, int]:
        """Per value: distinct words of its policies in the text, plus its prefixes named."""
        words = content_words(text)
        return {v.name: len(words & self.vocabulary[v.name])
                + sum(prefix in text for prefix in v.policies) for v in self.values.values}

    def relevance(self, text: str) -> dict[str, float]:
        """(hits_v + alpha) / (sum of hits + alpha x number of values)."""
        hits = self.hits(text)
        total = sum(hits.values()) + self.alpha * len(hits)
        return {name: (n + self.alpha) / total for name, n in hits.items()}

    def weights(self, messages: Sequence[Message], context: Context | None) -> dict[str, float]:
        """Normalised declared weight x context multipliers x relevance of the user turns."""
        text = "\n".join(m.content for m in messages if m.role == "user")
        base = weights(self.values, context)
        relevance = self.relevance(text)
        raw = {name: base[name] * relevance[name] for name in base}
        total = sum(raw.values())
        if total <= 0:
            raise ValueError("every value has weight 0 in this context")
        return {name: w / total for name, w in raw.items()}

    def key(self, weights: Mapping[str, float]) -> tuple[float, ...]:
        """The rounded weight vector (declared value order): inputs that share it share an
        adapter."""
        return tuple(round(weights[v.name], self.digits) for v in self.values.values)


def select_response(candidates: Mapping[str, str], weights: Mapping[str, float],
                    messages: Sequence[Message], scorer: Scorer) -> str:
    """Option (b): the candidate (one per value) with the largest weight x logistic(score);
    the logistic maps a scorer of any range (a reward model's logit) into (0, 1)."""
    def merit(value: str) -> float:
        score = scorer(messages, candidates[value])
        return weights.get(value, 0.0) / (1.0 + math.exp(-score))

    return candidates[max(candidates, key=merit)]


class AdapterMixer:
    """A base model with every value adapter loaded side by side (PEFT ``load_adapter``);
    ``activate`` makes, caches and switches to the weighted merge for a weight vector."""

    def __init__(self, base_model: str, adapters: Mapping[str, Path],
                 combination: Combination = "linear", cache_dir: str | None = None,
                 digits: int = 2, max_cached: int = 8):
        from peft import PeftModel

        from alignment_studio.backends.hf import load_model

        if not adapters:
            raise ValueError("no value adapters to aggregate")
        net, self.tokenizer = load_model(base_model, (), cache_dir)
        self.names = {value: f"value_{i}" for i, value in enumerate(adapters)}
        first = next(iter(adapters))
        self.model: Any = PeftModel.from_pretrained(net, str(adapters[first]),
                                                    adapter_name=self.names[first])
        for value, path in adapters.items():
            if value != first:
                self.model.load_adapter(str(path), adapter_name=self.names[value])
        self.model.eval()
        self.combination: Combination = combination
        self.digits = digits
        self.max_cached = max_cached
        self.cached: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._made = 0

    def activate(self, weights: Mapping[str, float],
                 combination: Combination | None = None) -> str:
        """Name of the active merged adapter for these weights (made once per rounded vector);
        the least recently used merge is deleted beyond ``max_cached``."""
        how = combination or self.combination
        values = list(self.names)
        vector = [round(weights.get(v, 0.0), self.digits) for v in values]
        key: tuple[object, ...] = (how, *vector)
        if key not in self.cached:
            name = f"mix_{self._made}"
            self._made += 1
            self.model.add_weighted_adapter([self.names[v] for v in values], vector, name,
                                            combination_type=how)
            self.cached[key] = name
            if len(self.cached) > self.max_cached:
                _, old = self.cached.popitem(last=False)
                self.model.delete_adapter(old)
        self.cached.move_to_end(key)
        self.model.set_adapter(self.cached[key])
        return self.cached[key]

    def use_value(self, value: str) -> None:
        """Answer with one value's adapter alone (for candidate responses)."""
        self.model.set_adapter(self.names[value])

    def generate(self, batch: Sequence[Sequence[Message]], max_new_tokens: int = 64) -> list[str]:
        """Greedy answers with the active adapter, left-padded like the hf backend."""
        import torch

        texts = [self.tokenizer.apply_chat_template([m.model_dump() for m in msgs],
                                                    tokenize=False, add_generation_prompt=True)
                 for msgs in batch]
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                      pad_token_id=self.tokenizer.pad_token_id)
        new = out[:, enc["input_ids"].shape[1]:]  # (B, T_new)
        return [self.tokenizer.decode(row, skip_special_tokens=True).strip() for row in new]


def _prepared(aggregator: ContextualAggregator, messages_batch: Sequence[Sequence[Message]],
              contexts: Sequence[Context | None]
              ) -> list[tuple[list[Message], dict[str, float]]]:
    if len(messages_batch) != len(contexts):
        raise ValueError("one context per conversation")
    out = []
    for messages, context in zip(messages_batch, contexts, strict=True):
        actual = resolve_context(aggregator.values, context)
        out.append((with_context(messages, actual), aggregator.weights(messages, actual)))
    return out


def generate_aggregated(base_model: str | AdapterMixer, adapters: Mapping[str, Path],
                        aggregator: ContextualAggregator,
                        messages_batch: Sequence[Sequence[Message]],
                        contexts: Sequence[Context | None],
                        combination: Combination | None = None, max_new_tokens: int = 64,
                        cache_dir: str | None = None) -> list[str]:
    """Option (a): each input answered by the merge of the value adapters with its own weights
    (inputs with the same rounded weights share one merge and one batch); prompts carry the
    same context line as the training rows. ``base_model`` may be a ready AdapterMixer (then
    ``adapters`` is ignored); ``combination`` None means the mixer's own."""
    mixer = base_model if isinstance(base_model, AdapterMixer) else AdapterMixer(
        base_model, adapters, combination or "linear", cache_dir, aggregator.digits)
    prepared = _prepared(aggregator, messages_batch, contexts)
    groups: dict[tuple[float, ...], list[int]] = {}
    for i, (_, w) in enumerate(prepared):
        groups.setdefault(aggregator.key(w), []).append(i)
    answers: dict[int, str] = {}
    for indexes in groups.values():
        mixer.activate(prepared[indexes[0]][1], combination)
        texts = mixer.generate([prepared[i][0] for i in indexes], max_new_tokens)
        answers.update(zip(indexes, texts, strict=True))
    return [answers[i] for i in range(len(prepared))]


def generate_selected(mixer: AdapterMixer, aggregator: ContextualAggregator,
                      messages_batch: Sequence[Sequence[Message]],
                      contexts: Sequence[Context | None], scorer: Scorer,
                      max_new_tokens: int = 64) -> list[str]:
    """Option (b): every value adapter answers every input; ``select_response`` picks one."""
    prepared = _prepared(aggregator, messages_batch, contexts)
    prompts = [p for p, _ in prepared]
    candidates: dict[str, list[str]] = {}
    for value in mixer.names:
        mixer.use_value(value)
        candidates[value] = mixer.generate(prompts, max_new_tokens)
    return [select_response({v: c[i] for v, c in candidates.items()}, w, prompts[i], scorer)
            for i, (_, w) in enumerate(prepared)]


class AggregatedBackend(ModelBackend):
    """The value adapters behind the ModelBackend interface, so the audit and the ``ask``
    command use the aggregator like any model. A conversation's context is read back from the
    ``Context:`` line of its system prompt (``with_context`` wrote it), its weights come from the
    aggregator, and it is answered by the weighted merge ("linear"/"cat") or, with a scorer, by
    the best of the value adapters' candidates ("select"). Decoding is greedy."""

    name = "aggregated"

    def __init__(self, mixer: AdapterMixer, aggregator: ContextualAggregator,
                 combination: Combination | Literal["select"] = "linear",
                 scorer: Scorer | None = None):
        if combination == "select" and scorer is None:
            raise ValueError("selection among value answers needs a scorer (reward models)")
        self.mixer = mixer
        self.aggregator = aggregator
        self.combination = combination
        self.scorer = scorer

    def weights_for(self, messages: Sequence[Message]) -> dict[str, float]:
        context = resolve_context(self.aggregator.values, context_in(messages))
        return self.aggregator.weights(messages, context)

    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        return (await self.generate_batch([messages], config))[0]

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        texts = await asyncio.to_thread(self._answer, batch, config.max_new_tokens)
        if progress:
            progress(len(batch))
        return [ModelOutput(text=t) for t in texts]

    def _answer(self, batch: Sequence[Sequence[Message]], max_new_tokens: int) -> list[str]:
        weights = [self.weights_for(m) for m in batch]
        if self.combination == "select":
            assert self.scorer is not None
            candidates: dict[str, list[str]] = {}
            for value in self.mixer.names:
                self.mixer.use_value(value)
                candidates[value] = self.mixer.generate(batch, max_new_tokens)
            return [select_response({v: c[i] for v, c in candidates.items()}, weights[i],
                                    batch[i], self.scorer) for i in range(len(batch))]
        groups: dict[tuple[float, ...], list[int]] = {}
        for i, w in enumerate(weights):
            groups.setdefault(self.aggregator.key(w), []).append(i)
        answers: dict[int, str] = {}
        for indexes in groups.values():
            self.mixer.activate(weights[indexes[0]], self.combination)
            texts = self.mixer.generate([batch[i] for i in indexes], max_new_tokens)
            answers.update(zip(indexes, texts, strict=True))
        return [answers[i] for i in range(len(batch))]

    def close(self) -> None:
        from alignment_studio.backends.hf import release_memory

        self.mixer.model = None
        release_memory()
