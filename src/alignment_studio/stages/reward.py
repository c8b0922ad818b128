"""The reward stage: one reward model per value group, trained on its preference and scenario
pairs, as one artifact (``groups.json`` and a folder per group with its model and log)."""

from __future__ import annotations

import json

from rich.console import Console

from alignment_studio.core.errors import StudioError
from alignment_studio.instructors.reward import (
    RewardEnsemble,
    RewardResult,
    ValueGroup,
    default_groups,
    read_reward_log,
    reward_rows,
    train_reward_model,
)
from alignment_studio.stages import frame, parse
from alignment_studio.types import (
    Example,
    ItemResult,
    Kind,
    PolicyDocument,
    Score,
    expand_scopes,
)
from alignment_studio.workspace import Artifact, Workspace

GROUPS_FILE = "groups.json"
console = Console(stderr=True)


def models(ws: Workspace) -> Artifact:
    """The workspace's reward models, trained now or reused."""
    return ws.once("reward", lambda: _train(ws))


def for_rl(ws: Workspace) -> Artifact | None:
    """The reward models GRPO needs (rl.reward_models > 0), or None; a one-line error when
    they are asked for but reward models are off."""
    rl = ws.config.rl
    if not rl.enabled or rl.reward_models == 0:
        return None
    if not ws.config.reward.enabled:
        raise StudioError("rl.reward_models > 0 scores answers with the reward models: set "
                          "reward.enabled: true, or rl.reward_models: 0", ws.config_path)
    return models(ws)


def value_groups(ws: Workspace, documents: list[PolicyDocument]) -> list[ValueGroup]:
    """The declared values as reward groups, else one group per document (or section)."""
    declared = ws.config.values.values
    if declared:
        return [ValueGroup(name=v.name, policies=expand_scopes(v.policies, documents),
                           weight=v.weight) for v in declared]
    return default_groups(documents)


def _train(ws: Workspace) -> Artifact:
    dataset = frame.dataset(ws)
    bundle = frame.bundle(ws, dataset)
    groups = value_groups(ws, parse.documents_of(ws, dataset))
    config = {"reward": ws.config.reward.model_dump(), "student": ws.config.student.model,
              "groups": [g.model_dump() for g in groups]}
    key, found = ws.cached("reward", [dataset.id], config)
    if found:
        return found
    base = ws.model_name(ws.config.student.model)
    with ws.store.build("reward", key) as tmp:
        for group in groups:
            rows = reward_rows(bundle, group)
            if not rows:
                console.print(f"reward: no pairs for value {group.name!r}; skipped")
                continue
            console.print(f"reward: value {group.name!r} on {len(rows)} pairs")
            train_reward_model(rows, base, ws.config.reward,
                               ws.store.work_dir("reward", key) / group.name,
                               tmp / group.name, ws.cache_dir)
        (tmp / GROUPS_FILE).write_text(json.dumps([g.model_dump() for g in groups
                                                   if (tmp / g.name).is_dir()]), "utf-8")
        return ws.store.commit(tmp, "reward", key, [dataset.id], config)


def groups(ws: Workspace, artifact: Artifact) -> list[ValueGroup]:
    """The value groups a reward artifact has a trained model for."""
    text = (ws.store.path_of(artifact) / GROUPS_FILE).read_text("utf-8")
    return [ValueGroup.model_validate(g) for g in json.loads(text)]


def logs(ws: Workspace, artifact: Artifact) -> list[tuple[str, RewardResult]]:
    """(value name, its training log) of every trained reward model."""
    folder = ws.store.path_of(artifact)
    return [(g.name, read_reward_log(folder / g.name)) for g in groups(ws, artifact)]


def ensemble(ws: Workspace, artifact: Artifact) -> RewardEnsemble | None:
    """The trained reward models of an artifact, weighted by their groups (None if the data
    gave no group any pairs)."""
    found = groups(ws, artifact)
    if not found:
        return None
    return RewardEnsemble.load(found, ws.store.path_of(artifact),
                               ws.model_name(ws.config.student.model), ws.cache_dir)


def scores(ws: Workspace, artifact: Artifact | None, items: list[Example],
           results: list[ItemResult]) -> list[Score]:
    """Mean reward of a model's answers to the instruction items, per value and weighted
    (``reward:<value>``, ``reward:total``); nothing when reward models are off."""
    pairs = [(e, r) for e, r in zip(items, results, strict=True) if e.kind == Kind.instruction]
    if artifact is None or not pairs:
        return []
    models_ = ensemble(ws, artifact)
    if models_ is None:
        return []
    scored = models_.score([e.messages for e, _ in pairs], [r.output for _, r in pairs])
    n = len(pairs)
    out = [Score(metric=f"reward:{name}", value=sum(values) / n, n=n)
           for name, values in scored.per_value.items()]
    return out + [Score(metric="reward:total", value=sum(scored.total) / n, n=n)]
