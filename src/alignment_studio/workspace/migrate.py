"""Old studio.yaml layouts, brought to the current one.

A workspace made by an earlier version keeps working: ``load_config`` runs these steps on the
raw YAML mapping, and when one changed something the file is rewritten once (the old one kept
beside it as ``studio.yaml.bak``) and one line says what moved. Each step is a plain function
of the mapping that returns the keys it changed, so a new layout change is one more step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alignment_studio.backends import BACKENDS

Step = Callable[[dict[str, Any]], list[str]]
MODEL_SECTIONS = ("student", "teacher", "judge")
# audit keys that became groups: old flat key -> (group, key in the group)
AUDIT_GROUPS: dict[str, tuple[str, str]] = {
    "general": ("general", "enabled"),
    "general_max_items": ("general", "max_items"),
    "general_max_new_tokens": ("general", "max_new_tokens"),
    "redteam": ("redteam", "enabled"),
    "redteam_strategies": ("redteam", "strategies"),
    "redteam_per_policy": ("redteam", "per_policy"),
    "redteam_max_attacks": ("redteam", "max_attacks"),
    "redteam_max_new_tokens": ("redteam", "max_new_tokens"),
    "detector": ("detector", "enabled"),
    "detector_embedder": ("detector", "embedder"),
    "judge": ("judge", "enabled"),
    "judge_max_items": ("judge", "max_items"),
    "judge_max_new_tokens": ("judge", "max_new_tokens"),
}


def backend_options(data: dict[str, Any]) -> list[str]:
    """Model sections once carried every backend's options (``base_url`` under an hf model,
    ``batch_size`` under an openai one); each backend now has only its own. Options of another
    backend are dropped; unknown keys stay, to be refused as typos."""
    changed: list[str] = []
    for section in MODEL_SECTIONS:
        spec = data.get(section)
        if not isinstance(spec, dict):
            continue
        kind = BACKENDS.get(str(spec.get("backend", "hf")))
        if kind is None:
            continue
        own = set(kind.options.model_fields)
        foreign = {k for other in BACKENDS.values() for k in other.options.model_fields} - own
        for key in sorted(k for k in spec if k in foreign):
            del spec[key]
            changed.append(f"{section}.{key} (not a {kind.name} option)")
    return changed


def audit_groups(data: dict[str, Any]) -> list[str]:
    """``audit.redteam_strategies`` and its kin became ``audit.redteam.strategies``: the
    general benchmark, red teaming, the detector and the judge each have a group."""
    audit = data.get("audit")
    if not isinstance(audit, dict):
        return []
    changed: list[str] = []
    for old, (group, key) in AUDIT_GROUPS.items():
        if old not in audit or isinstance(audit.get(old), dict):
            continue
        value = audit.pop(old)
        target = audit.setdefault(group, {}) if old != group else {}
        if old == group:  # the flag itself: the group replaces it
            audit[group] = target
        if isinstance(target, dict):
            target[key] = value
        changed.append(f"audit.{old} -> audit.{group}.{key}")
    return changed


STEPS: list[Step] = [backend_options, audit_groups]


def migrate(data: dict[str, Any]) -> list[str]:
    """Bring ``data`` (changed in place) to the current layout; what changed, for one line."""
    return [change for step in STEPS for change in step(data)]
