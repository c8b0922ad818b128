"""Audit results, tied to policy clauses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types.models import ModelRef


class Score(BaseModel):
    """A metric for one model; ``n`` items behind it."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    value: float
    n: int


class PolicyScores(BaseModel):
    """Base and aligned scores for one policy."""

    model_config = ConfigDict(extra="forbid")
    policy_id: str
    text: str
    base: list[Score] = Field(default_factory=list)
    aligned: list[Score] = Field(default_factory=list)


class Finding(BaseModel):
    """One item the aligned model got wrong (or worse than base), traced to its policy."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    policy_ids: list[str]
    kind: str
    expected: str
    base_output: str
    aligned_output: str
    note: str = ""


class ItemResult(BaseModel):
    """One test item answered by one model, scored."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    policy_ids: list[str]
    kind: str
    source: str = ""  # seed (expert-written reference) | structure | teacher
    expected: str
    output: str
    correct: bool | None = None
    rouge_l: float | None = None
    cited: bool = False


class LineageEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: str
    kind: str
    sha256: str
    inputs: list[str] = Field(default_factory=list)


class AuditReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: ModelRef
    baseline: ModelRef
    policy_version: str
    summary: dict[str, list[Score]] = Field(default_factory=dict)
    per_policy: list[PolicyScores] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    items: dict[str, list[ItemResult]] = Field(default_factory=dict)
    conflicts: dict[str, dict[str, list[Score]]] = Field(
        default_factory=dict, description="model -> context -> precedence_accuracy and "
        "cites_both on the held-out conflict items (the conflict test suite)")
    config: dict[str, object] = Field(default_factory=dict)
    lineage: list[LineageEntry] = Field(default_factory=list)
