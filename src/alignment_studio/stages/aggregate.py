"""Context-based aggregation as a stage: one LoRA adapter per declared value, trained on the
data of that value's policies (``adapters.json`` names each value's folder), and the backend
that merges them per input from its context."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from alignment_studio.backends import ModelBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.launch import world_size
from alignment_studio.framers.values import scoped
from alignment_studio.instructors.aggregate import (
    AdapterMixer,
    AggregatedBackend,
    ContextualAggregator,
    train_value_adapters,
)
from alignment_studio.stages import frame, instruct, parse, review
from alignment_studio.stages import reward as reward_stage
from alignment_studio.workspace import Artifact, Workspace

ADAPTERS_FILE = "adapters.json"
console = Console(stderr=True)


def value_adapters(ws: Workspace) -> Artifact:
    """One LoRA adapter per declared value, trained now or reused."""
    return ws.once("value-adapters", lambda: _train(ws))


def _train(ws: Workspace) -> Artifact:
    values = ws.config.values
    if not values.values:
        raise StudioError("aggregate.enabled needs declared values: list them under "
                          "values.values", ws.config_path)
    if world_size() > 1:
        raise StudioError("value adapters train in one process: run 'alignment-studio "
                          "instruct DIR' without accelerate", ws.config_path)
    dataset = frame.dataset(ws)
    reviews = review.reviews_of(ws, dataset)
    config = {"train": ws.config.train.model_dump(exclude={"save_steps",
                                                           "gradient_checkpointing"}),
              "values": values.model_dump(include={"values"}),
              "student": ws.config.student.model, "version": instruct.VERSION}
    inputs = [dataset.id, *sorted(reviews)]
    key, found = ws.cached("value-adapters", inputs, config)
    if found:
        return found
    bundle = review.reviewed(ws, dataset, reviews)
    values = scoped(values, parse.documents_of(ws, dataset))
    console.print(f"instruct: one LoRA adapter per value ({len(values.values)} values)")
    with ws.store.build("value-adapters", key) as tmp:
        adapters = train_value_adapters(bundle, values, ws.model_name(ws.config.student.model),
                                         ws.config.train, tmp, ws.cache_dir,
                                         work_dir=ws.store.work_dir("value-adapters", key))
        if not adapters:
            raise StudioError("no training item cites a policy of any declared value; check "
                              "the prefixes under values.values", ws.config_path)
        (tmp / ADAPTERS_FILE).write_text(json.dumps(
            {v: str(a.relative_to(tmp)) for v, a in adapters.items()}), "utf-8")
        return ws.store.commit(tmp, "value-adapters", key, inputs, config)


def adapters(ws: Workspace, artifact: Artifact) -> dict[str, Path]:
    """Each value's adapter folder in a value-adapters artifact."""
    folder = ws.store.path_of(artifact)
    return {value: folder / rel for value, rel in
            json.loads((folder / ADAPTERS_FILE).read_text("utf-8")).items()}


def backend(ws: Workspace, artifact: Artifact) -> ModelBackend:
    """The value adapters of ``artifact`` behind the contextual aggregator, as a backend."""
    docs = parse.documents_of(ws, ws.store.get(artifact.inputs[0]))
    aggregator = ContextualAggregator(scoped(ws.config.values, docs), parse.policies(docs),
                                      alpha=ws.config.aggregate.alpha)
    combination = ws.config.aggregate.combination
    scorer = None
    if combination == "select":
        if not ws.config.reward.enabled:
            raise StudioError("aggregate.combination 'select' picks answers with the reward "
                              "models: set reward.enabled: true", ws.config_path)
        ensemble = reward_stage.ensemble(ws, reward_stage.models(ws))
        if ensemble is None:
            raise StudioError("no reward model could be trained for selection", ws.config_path)
        scorer = ensemble.score_one
    mixer = AdapterMixer(ws.model_name(ws.config.student.model), adapters(ws, artifact),
                         "linear" if combination == "select" else combination,
                         ws.cache_dir, aggregator.digits)
    return AggregatedBackend(mixer, aggregator, combination, scorer)
