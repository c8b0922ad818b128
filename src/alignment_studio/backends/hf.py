"""Local transformers models, with LoRA adapters from a ModelRef. Offline, always."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from alignment_studio.backends.base import (
    Done,
    GenerationConfig,
    ModelBackend,
    ModelOutput,
    Progress,
)
from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.backends.registry import BackendSpec
from alignment_studio.core.errors import StudioError
from alignment_studio.types import Message

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# rows per perplexity pass: it keeps every position's logits (8 x 256 x 49k floats = 400 MB
# for the embedded model), where generation keeps only the last position's
PERPLEXITY_ROWS = 8
# a batch's rows times its longest prompt, in characters (about 4,000 tokens): prompts with
# retrieved passages go in smaller batches; 16 of them at once took the full demo's audit to
# 3.5 GB
BATCH_CHARS = 16_000


class HFSpec(BackendSpec):
    """A local transformers model ('embedded' or a folder), with LoRA adapters applied."""

    backend: Literal["hf"] = Field("hf", description="hf: a local transformers model")
    # 16 answered the quick demo's audit 18 % faster than 8 on 2 CPU cores; 32 was no faster
    # and took 0.6 GB more memory (README, "Speed and memory")
    batch_size: int = Field(16, ge=1, description="prompts generated together")

    def calls_at_once(self) -> int:
        return self.batch_size


def build_hf(spec: HFSpec, adapters: Sequence[str], cache_dir: str | None) -> HFBackend:
    return HFBackend(spec.model, adapters, spec.batch_size, cache_dir)


def require_hf() -> None:
    """Fail with one line naming the missing package if the hf extra is not installed."""
    for module in ("torch", "transformers", "peft"):
        try:
            __import__(module)
        except ImportError as exc:
            raise StudioError(f"the hf backend needs the '{module}' package: "
                              "pip install 'alignment-studio[hf]'") from exc


def load_model(model: str, adapters: Sequence[str] = (), cache_dir: str | None = None,
               ) -> tuple[Any, Any]:
    """(model, tokenizer) from 'embedded' or a local folder, with LoRA adapters applied."""
    require_hf()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(model, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    net = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    for adapter in adapters:
        net = _apply_adapter(net, Path(adapter))
    net.eval()
    return net, tokenizer


def _apply_adapter(net: Any, adapter: Path) -> Any:
    from peft import PeftModel

    if not (adapter / "adapter_config.json").is_file():
        raise StudioError("not a LoRA adapter folder (no adapter_config.json)", adapter)
    merged = PeftModel.from_pretrained(net, adapter, local_files_only=True)
    return merged.merge_and_unload()


class HFBackend(ModelBackend):
    """Batched greedy or sampled generation with left padding and the model's chat template."""

    name = "hf"

    def __init__(self, model: str = "embedded", adapters: Sequence[str] = (),
                 batch_size: int = 16, cache_dir: str | None = None):
        self.net, self.tokenizer = load_model(model, adapters, cache_dir)
        self.batch_size = batch_size

    async def generate(self, messages: Sequence[Message], config: GenerationConfig) -> ModelOutput:
        return (await self.generate_batch([messages], config))[0]

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        return await self._by_length(batch, list(map(_chars, batch)),
                                     partial(self._generate_chunk, config=config), progress)

    async def score_choices(self, batch: Sequence[Sequence[Message]], options: Sequence[str]
                            ) -> list[list[float]]:
        """Summed token log-probabilities of each option right after the generation prompt;
        ``batch_size`` conversations of similar length at a time."""
        return await self._by_length(batch, list(map(_chars, batch)),
                                     partial(self._score_chunk, options=options))

    async def _by_length(self, items: Sequence[Any], lengths: Sequence[int],
                         run: Callable[[Sequence[Any]], list[Any]],
                         progress: Progress | None = None, size: int | None = None
                         ) -> list[Any]:
        """``run`` over chunks of at most ``size`` (else ``batch_size``) items taken shortest
        first, so a chunk's rows are padded to similar lengths (see ``_chunks``); the results
        come back in the items' order."""
        out: list[Any] = [None] * len(items)
        for chunk in _chunks(lengths, size or self.batch_size):
            done = await asyncio.to_thread(run, [items[i] for i in chunk])
            for i, result in zip(chunk, done, strict=True):
                out[i] = result
            if progress:
                progress(len(chunk))
        return out

    def _score_chunk(self, chunk: Sequence[Sequence[Message]], options: Sequence[str]
                     ) -> list[list[float]]:
        """The prompts run once, left-padded, keeping their key-value cache; each option then
        runs on a copy of that cache (a forward pass per option over the whole prompt took six
        times as long; one pass over the cache repeated for every option at once held six
        copies of it, 1.8 GB for 16 long prompts)."""
        import torch

        enc = self.tokenizer(self._chat_texts(chunk), return_tensors="pt", padding=True,
                             add_special_tokens=False)  # left-padded (see load_model)
        mask = enc["attention_mask"]
        tails = [self.tokenizer(o, add_special_tokens=False)["input_ids"] for o in options]
        with torch.inference_mode():
            out = self.net(input_ids=enc["input_ids"], attention_mask=mask,
                           position_ids=_positions(mask), use_cache=True, logits_to_keep=1)
            first = torch.log_softmax(out.logits[:, -1].float(), dim=-1)  # (prompts, vocab)
            columns = [first[:, tail[0]] + self._tail_log_prob(out.past_key_values, mask, tail)
                       for tail in tails]
        return torch.stack(columns, dim=1).tolist()

    def _tail_log_prob(self, cache: Any, mask: Any, tail: Sequence[int]) -> Any:
        """Per prompt, the summed log-probability of an option's tokens after its first, read
        on a copy of the prompts' cache (a forward pass appends to the cache it is given)."""
        import copy

        import torch

        if len(tail) < 2:
            return torch.zeros(mask.shape[0])
        prompts, steps = mask.shape[0], len(tail) - 1
        body = torch.tensor([list(tail[:-1])]).expand(prompts, steps)
        full_mask = torch.cat([mask, torch.ones(prompts, steps, dtype=mask.dtype)], dim=1)
        positions = mask.sum(-1, keepdim=True) + torch.arange(steps).unsqueeze(0)
        logits = self.net(input_ids=body, attention_mask=full_mask, position_ids=positions,
                          past_key_values=copy.deepcopy(cache)).logits
        taken = torch.log_softmax(logits.float(), dim=-1)[:, torch.arange(steps),
                                                          torch.tensor(list(tail[1:]))]
        return taken.sum(-1)

    def _log_probs(self, ids: Any, mask: Any) -> Any:
        """Log-softmax of the model's logits for left-padded rows, positions counted from each
        row's first real token (so padding changes nothing)."""
        import torch

        with torch.inference_mode():
            logits = self.net(input_ids=ids, attention_mask=mask,
                              position_ids=_positions(mask)).logits
        return torch.log_softmax(logits.float(), dim=-1)

    async def perplexity(self, texts: Sequence[str]) -> list[float]:
        """Per text, exp of the mean negative log-likelihood of its tokens after the first."""
        # every position's full-vocabulary logits: at most PERPLEXITY_ROWS rows per pass
        return await self._by_length(texts, list(map(len, texts)), self._perplexity_chunk,
                                     size=min(self.batch_size, PERPLEXITY_ROWS))

    def _perplexity_chunk(self, texts: Sequence[str]) -> list[float]:
        import math


        enc = self.tokenizer(list(texts), return_tensors="pt", padding=True,
                             add_special_tokens=False, truncation=True, max_length=256)
        mask = enc["attention_mask"]
        logp = self._log_probs(enc["input_ids"], mask)[:, :-1]
        taken = logp.gather(-1, enc["input_ids"][:, 1:, None])[..., 0]
        counted = mask[:, 1:] * mask[:, :-1]  # a predicted token whose context is real text
        nll = -(taken * counted).sum(-1) / counted.sum(-1).clamp(min=1)
        return [math.exp(float(v)) for v in nll]

    def _chat_texts(self, chunk: Sequence[Sequence[Message]]) -> list[str]:
        return [self.tokenizer.apply_chat_template([m.model_dump() for m in msgs],
                                                   tokenize=False, add_generation_prompt=True)
                for msgs in chunk]

    def _encode(self, chunk: Sequence[Sequence[Message]]) -> Any:
        texts = self._chat_texts(chunk)
        return self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)

    def _generate_ids(self, enc: Any, config: GenerationConfig, **extra: Any) -> Any:
        """The new token IDs, (B, T_new), of one ``generate`` call."""
        import torch

        if config.seed is not None:
            torch.manual_seed(config.seed)
        with torch.inference_mode():
            out = self.net.generate(**enc, **_decode_kwargs(config, self.tokenizer), **extra)
        return out[:, enc["input_ids"].shape[1]:]

    def _generate_chunk(self, chunk: Sequence[Sequence[Message]],
                        config: GenerationConfig) -> list[ModelOutput]:
        enc = self._encode(chunk)
        new = self._generate_ids(enc, config)
        return [self._output(row, int(mask.sum())) for row, mask in zip(new, enc["attention_mask"],
                                                                         strict=True)]

    async def stream(self, messages: Sequence[Message], config: GenerationConfig,
                     done: Done | None = None) -> AsyncIterator[str]:
        """Token streaming: ``generate`` runs in a worker thread and a TextIteratorStreamer
        hands over the text as it is decoded. Joined, the pieces are ``generate``'s (stripped)
        text. Closing the stream early stops the generation at the next token, and the close
        waits for the worker, so the model is never used by two threads at once."""
        from transformers import TextIteratorStreamer

        enc = self._encode([messages])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True,
                                        skip_special_tokens=True)
        stop = threading.Event()
        worker = asyncio.ensure_future(asyncio.to_thread(
            self._stream_worker, enc, config, streamer, stop))
        stripped = _Stripped()
        new: Any = None
        try:
            while (piece := await asyncio.to_thread(next, streamer, None)) is not None:
                if text := stripped.feed(piece):
                    yield text
            new = await worker
        finally:
            stop.set()
            if new is None:  # closed early (or failed): wait until the worker lets go
                with contextlib.suppress(Exception):
                    new = await worker
            if done is not None and new is not None:
                done(self._output(new[0], int(enc["attention_mask"][0].sum())))

    def _stream_worker(self, enc: Any, config: GenerationConfig, streamer: Any,
                       stop: threading.Event) -> Any:
        from transformers import StoppingCriteriaList

        try:
            return self._generate_ids(enc, config, streamer=streamer,
                                      stopping_criteria=StoppingCriteriaList([_until(stop)]))
        except BaseException:
            streamer.end()  # wake the reader, which would otherwise wait for text forever
            raise

    def _output(self, row: Any, prompt_tokens: int) -> ModelOutput:
        eos = self.tokenizer.eos_token_id
        pad = self.tokenizer.pad_token_id
        ids = [int(t) for t in row]
        finished = eos in ids
        ids = ids[: ids.index(eos)] if finished else [t for t in ids if t != pad]
        text = self.tokenizer.decode(ids, skip_special_tokens=True).strip()
        return ModelOutput(text=text, prompt_tokens=prompt_tokens, completion_tokens=len(ids),
                           finish_reason="stop" if finished else "length")

    def close(self) -> None:
        self.net = None
        release_memory()


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc), so the next stage of
    the same process starts from a low resident size."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Stripped:
    """Turns the pieces of a text into pieces of ``text.strip()``: leading space is dropped and
    trailing space held back until more text follows it (``generate`` strips its answers)."""

    def __init__(self) -> None:
        self.started = False
        self.held = ""

    def feed(self, piece: str) -> str:
        if not self.started:
            piece = piece.lstrip()
            if not piece:
                return ""
            self.started = True
        body = piece.rstrip()
        if not body:
            self.held += piece
            return ""
        out, self.held = self.held + body, piece[len(body):]
        return out


def _until(stop: threading.Event) -> Any:
    """A stopping criterion that ends generation once ``stop`` is set."""
    import torch
    from transformers import StoppingCriteria

    class Until(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool,
                              device=input_ids.device)

    return Until()


def _decode_kwargs(config: GenerationConfig, tokenizer: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"max_new_tokens": config.max_new_tokens,
                              "pad_token_id": tokenizer.pad_token_id}
    if config.temperature > 0:
        kwargs.update(do_sample=True, temperature=config.temperature, top_p=config.top_p)
    else:
        kwargs.update(do_sample=False)
    return kwargs


def _chunks(lengths: Sequence[int], size: int) -> list[list[int]]:
    """Indices in order of length, cut into chunks of at most ``size`` whose rows times the
    longest row stay within BATCH_CHARS (a single longer row goes alone)."""
    chunks: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if not chunks or len(chunks[-1]) >= size \
                or (len(chunks[-1]) + 1) * lengths[i] > BATCH_CHARS:
            chunks.append([])
        chunks[-1].append(i)
    return chunks


def _chars(messages: Sequence[Message]) -> int:
    """A conversation's length in characters: the order of its token count, without
    tokenizing."""
    return sum(len(m.content) for m in messages)


def _positions(mask: Any) -> Any:
    """Position ids of left-padded rows, counted from each row's first real token."""
    return (mask.cumsum(-1) - 1).clamp(min=0)
