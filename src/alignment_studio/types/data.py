"""Training and evaluation examples, and the bundle that carries them."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Kind(str, Enum):
    instruction = "instruction"
    scenario = "scenario"
    preference = "preference"
    conflict = "conflict"
    attack = "attack"


class Label(str, Enum):
    compliant = "compliant"
    violating = "violating"
    needs_info = "needs_info"


class Split(str, Enum):
    train = "train"
    test = "test"


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    content: str


class Provenance(BaseModel):
    """Where an example came from: a seed, the teacher model, or the document structure."""

    model_config = ConfigDict(extra="forbid")
    source: str  # seed | teacher | structure
    generator: str = ""
    seed_id: str | None = None
    task: str = ""
    review: str | None = Field(None, description="set when a human review edited the item: "
                               "who, in which review, what changed")


class Example(BaseModel):
    """One item of data. ``messages`` is the prompt; ``target`` the reference completion."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: Kind
    messages: list[Message]
    target: str | None = None
    chosen: str | None = None
    rejected: str | None = None
    label: Label | None = None
    policy_ids: list[str]
    provenance: Provenance
    split: Split = Split.train
    pair_id: str | None = Field(None, description="shared by the two halves of a contrastive "
                                "pair (same situation, one fact changed, opposite labels)")
    terms: list[str] = Field(default_factory=list,
                             description="ontology terms the item's wording uses as cues")
    book: Literal["guardian", "closed"] = Field(
        "guardian", description="guardian: the clause is in the prompt and the model answers by "
        "it; closed: the user's words alone (closed book), the model must know the rule")
    asked: str | None = Field(None, description="the user's own words (the situation or the "
                              "question) without any policy text, for closed-book twins")


class Dropped(BaseModel):
    """An item removed by a filter, kept with the reason so nothing is silently lost."""

    model_config = ConfigDict(extra="forbid")
    reason: str
    stage: str  # teacher | dedup | grounding | consistency | balance | seed | review
    policy_ids: list[str] = Field(default_factory=list)
    example: Example | None = None
    text: str | None = None  # raw teacher output when no example could be built


class LeakCheck(BaseModel):
    """Whether scenario labels can be read off the situations' wording: a bag-of-words
    classifier's accuracy on policies it was not fitted on, against the majority rate."""

    model_config = ConfigDict(extra="forbid")
    items: int
    policies: int
    accuracy: float
    majority: float
    margin: float
    leaks: bool = Field(description="accuracy beats the majority rate by more than margin")


class Manifest(BaseModel):
    """What produced the bundle and what is in it."""

    model_config = ConfigDict(extra="forbid")
    documents: list[str] = Field(default_factory=list)
    policy_count: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    test_policy_ids: list[str] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict)
    leak: LeakCheck | None = Field(None, description="the frame stage's leak check")


class BundleHeader(BaseModel):
    """A bundle's name, version and manifest: the file beside its examples."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    manifest: Manifest = Field(default_factory=Manifest)


class DatasetBundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    examples: list[Example]
    manifest: Manifest = Field(default_factory=Manifest)

    def split(self, split: Split) -> list[Example]:
        return [e for e in self.examples if e.split == split]

    def write_jsonl(self, path: Path, header_path: Path) -> None:
        """One example per line in ``path``, nothing else, so ``datasets.load_dataset("json")``
        and other JSONL readers take the file as it is; the name, version and manifest go to
        ``header_path`` (JSON) beside it."""
        header = BundleHeader(name=self.name, version=self.version, manifest=self.manifest)
        header_path.write_text(header.model_dump_json(indent=1) + "\n", encoding="utf-8")
        path.write_text("".join(e.model_dump_json() + "\n" for e in self.examples),
                        encoding="utf-8")

    @classmethod
    def read_jsonl(cls, path: Path, header_path: Path) -> DatasetBundle:
        """The bundle written by :meth:`write_jsonl`. Without ``header_path`` the file is of an
        older layout, whose first line is the header; it is still read."""
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        if header_path.is_file():
            head = BundleHeader.model_validate_json(header_path.read_text(encoding="utf-8"))
        else:
            head = BundleHeader.model_validate(json.loads(lines.pop(0)))
        examples = [Example.model_validate(json.loads(x)) for x in lines]
        return cls(name=head.name, version=head.version, examples=examples,
                   manifest=head.manifest)

    def to_trl(self, split: Split = Split.train, preference: bool = False) -> list[dict[str, Any]]:
        """TRL's conversational formats: prompt/completion rows for supervised fine-tuning, or
        (``preference=True``) prompt/chosen/rejected rows for DPO and reward models."""
        rows: list[dict[str, Any]] = []
        for ex in self.split(split):
            prompt = [m.model_dump() for m in ex.messages]
            if preference and ex.chosen is not None and ex.rejected is not None:
                rows.append({"prompt": prompt,
                             "chosen": [{"role": "assistant", "content": ex.chosen}],
                             "rejected": [{"role": "assistant", "content": ex.rejected}]})
            elif not preference and ex.target is not None:
                rows.append({"prompt": prompt,
                             "completion": [{"role": "assistant", "content": ex.target}]})
        return rows
