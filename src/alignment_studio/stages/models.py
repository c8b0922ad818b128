"""The models a workspace serves: 'base' (the student as it came), 'aligned' (the newest trained
model) and 'aggregated' (the newest value adapters under the contextual aggregator); ``ask``
puts one question to any of them as training framed its prompts. Nothing is trained here."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends import GenerationConfig, ModelBackend, get_backend
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.values import resolve_context, with_context
from alignment_studio.stages import aggregate, instruct
from alignment_studio.stages import best_of as best_of_stage
from alignment_studio.types import Message
from alignment_studio.workspace import Artifact, Workspace

NAMES = ("base", "aligned", "aggregated")
ARTIFACT_KINDS = {"aligned": "model", "aggregated": "value-adapters"}
HINTS = {"aligned": "instruct DIR", "aggregated": "instruct DIR with aggregate.enabled"}


def backend(ws: Workspace, name: str) -> tuple[ModelBackend, str]:
    """A backend for a served name, and what it is (for people to read)."""
    if name not in NAMES:
        raise StudioError(f"unknown model {name!r}: use base, aligned or aggregated")
    student = ws.resolve(ws.config.student)
    if name == "base":
        return get_backend(student, (), ws.cache_dir), student.model
    artifact = (deployed_model(ws) if name == "aligned"
                else ws.store.latest(ARTIFACT_KINDS[name]))
    if artifact is None:
        raise StudioError(f"no {name} model in this workspace yet: run 'alignment-studio "
                          f"{HINTS[name]}' first", ws.root)
    if name == "aggregated":
        return aggregate.backend(ws, artifact), f"value adapters {artifact.id}"
    ref = instruct.model_ref(ws, artifact)
    return get_backend(student, ref.adapters, ws.cache_dir), f"{ref.base} + {artifact.id}"


def deployed_model(ws: Workspace) -> Artifact | None:
    """The newest aligned model of the kind the config deploys: a final fit on every policy
    when ``train.final_fit`` is on (the audited fit until one exists), else an audited fit."""
    fits = [a for a in ws.store.all() if a.kind == "model"]
    final = [a for a in fits if instruct.FINAL in a.inputs]
    audited = [a for a in fits if instruct.FINAL not in a.inputs]
    if ws.config.train.final_fit and final:
        return final[-1]
    return audited[-1] if audited else None


def system_message(ws: Workspace) -> Message:
    """The system prompt training used: what a served model is given when a request has none."""
    return Message(role="system", content=ws.prompts.render(
        "system", organization=ws.config.organization))


def ask(ws: Workspace, question: str, model: str = "aligned",
        context: dict[str, str] | None = None,
        max_new_tokens: int = 128, best_of: int = 1) -> tuple[str, str, list[Message]]:
    """(answer, which model, the messages sent): the question with the training system
    prompt and the context line, answered greedily, or the best of ``best_of`` samples by
    reward (``stages.best_of``)."""
    messages = with_context([system_message(ws), Message(role="user", content=question)],
                            resolve_context(ws.config.values, context), ws.prompts)
    rank = best_of_stage.newest_ranker(ws) if best_of > 1 else None
    served, label = backend(ws, model)
    served = best_of_stage.best_of(served, best_of, rank)
    label += f", best of {best_of} by reward" if rank is not None else ""
    try:
        out = asyncio.run(served.generate(messages, GenerationConfig(
            max_new_tokens=max_new_tokens)))
    finally:
        served.close()
    return out.text, label, messages


class ServedModel(BaseModel):
    """A served name and what answers to it: the base model, or a trained artifact on it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the served name: base, aligned or aggregated")
    base: str = Field(description="the student model (backend:model)")
    artifact: str | None = Field(None, description="the trained artifact (None for base)")
    created: int = Field(0, description="when the artifact was made (Unix time; 0 for base)")
    available: bool = Field(description="False when the workspace has no such model yet")


def served(ws: Workspace, names: Sequence[str]) -> list[ServedModel]:
    """What each served name stands for now: the newest artifact of its kind, read from the
    catalog (nothing is loaded)."""
    student = ws.config.student
    base = f"{student.backend}:{student.model}"
    out: list[ServedModel] = []
    for name in names:
        kind = ARTIFACT_KINDS.get(name)
        artifact = ws.store.latest(kind) if kind else None
        out.append(ServedModel(id=name, base=base, artifact=artifact.id if artifact else None,
                               created=int(artifact.created_at) if artifact else 0,
                               available=kind is None or artifact is not None))
    return out
