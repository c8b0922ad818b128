"""Model backends: one async interface (``generate``, ``generate_batch``, ``stream``) and a
registry of providers (hf, openai, fake), each with its own options.

``get_backend(spec)`` builds one from a studio.yaml model spec; optional dependencies are
imported only when their provider is used.
"""

from __future__ import annotations

from alignment_studio.backends.base import GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.backends.fake import FakeBackend, FakeSpec, build_fake, echo_last_user
from alignment_studio.backends.hf import HFSpec, build_hf
from alignment_studio.backends.openai import OpenAISpec, build_openai
from alignment_studio.backends.registry import (
    BACKENDS,
    BackendKind,
    BackendSpec,
    backend_kind,
    get_backend,
    parse_spec,
    register_backend,
)

register_backend("hf", HFSpec, build_hf, local=True)
register_backend("openai", OpenAISpec, build_openai)
register_backend("fake", FakeSpec, build_fake)

__all__ = [
    "BACKENDS", "BackendKind", "BackendSpec", "FakeBackend", "FakeSpec", "GenerationConfig",
    "HFSpec", "ModelBackend", "ModelOutput", "OpenAISpec", "backend_kind", "echo_last_user",
    "get_backend", "parse_spec", "register_backend",
]
