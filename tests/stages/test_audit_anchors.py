"""The anchored choice's training questions: closed-book scenarios of the training split only."""

from __future__ import annotations

from typing import Literal

from alignment_studio.stages.audit import anchors
from alignment_studio.types import DatasetBundle, Example, Kind, Label, Message, Provenance, Split


def item(i: int, kind: Kind, split: Split, book: Literal["guardian", "closed"]) -> Example:
    return Example(id=f"e{i}", kind=kind, split=split, book=book,
                   label=Label.violating if kind == Kind.scenario else None, target="t",
                   messages=[Message(role="user", content=str(i))], policy_ids=[f"d/p-{i}"],
                   provenance=Provenance(source="structure"))


def test_anchors_are_a_seeded_sample_of_training_closed_book_scenarios() -> None:
    examples = [item(i, kind, split, book) for i, (kind, split, book) in enumerate(
        [(Kind.scenario, Split.train, "closed")] * 6 + [
            (Kind.scenario, Split.test, "closed"), (Kind.scenario, Split.train, "guardian"),
            (Kind.instruction, Split.train, "closed")])]
    bundle = DatasetBundle(name="d", version="1", examples=examples)
    picked = anchors(bundle, 4)
    assert len(picked) == 4 and {e.id for e in picked} <= {f"e{i}" for i in range(6)}
    assert [e.id for e in picked] == [e.id for e in anchors(bundle, 4)]  # seeded
    assert [e.id for e in anchors(bundle, 20)] == [f"e{i}" for i in range(6)]
    assert anchors(bundle, 0) == []
