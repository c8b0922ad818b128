"""Helpers the parsing tests share: a document parsed from text, a statement found by its
opening words, and a bench script loaded as a module (its scorer is what the tests check)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from alignment_studio.framers.parse import read_document
from alignment_studio.types import Policy, PolicyDocument

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def parse(tmp_path: Path, text: str, name: str = "policy.md") -> PolicyDocument:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def by_text(doc: PolicyDocument, start: str) -> Policy:
    return next(p for p in doc.policies() if p.text.startswith(start))


def load_bench(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module
