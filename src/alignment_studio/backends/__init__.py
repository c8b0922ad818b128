"""Model backends: one async interface (``generate`` + ``generate_batch``), three providers.

``get_backend(spec)`` builds one from a studio.yaml ``BackendSpec``; optional dependencies are
imported only when their provider is used.
"""

from __future__ import annotations

from collections.abc import Sequence

from alignment_studio.backends.base import GenerationConfig, ModelBackend, ModelOutput
from alignment_studio.backends.fake import FakeBackend, echo_last_user
from alignment_studio.workspace.config import BackendSpec


def get_backend(spec: BackendSpec, adapters: Sequence[str] = (),
                cache_dir: str | None = None) -> ModelBackend:
    """The backend a spec names; adapters apply to local (hf) models only."""
    if spec.backend == "fake":  # model "echo" repeats the last user turn (load tests)
        return FakeBackend(responder=echo_last_user) if spec.model == "echo" else FakeBackend()
    if spec.backend == "openai":
        from alignment_studio.backends.openai import OpenAIBackend

        return OpenAIBackend(spec.model, spec.base_url, spec.api_key_env, spec.concurrency,
                             spec.timeout_s, spec.max_retries)
    from alignment_studio.backends.hf import HFBackend

    return HFBackend(spec.model, adapters, spec.batch_size, cache_dir)


__all__ = ["FakeBackend", "GenerationConfig", "ModelBackend", "ModelOutput", "get_backend"]
