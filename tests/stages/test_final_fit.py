"""The final fit's data: the test split trained too, with closed-book twins for it."""

from __future__ import annotations

from alignment_studio.stages.instruct import every_policy
from alignment_studio.types import (
    DatasetBundle,
    Example,
    Kind,
    Manifest,
    Message,
    Provenance,
    Split,
)


def item(i: int, split: Split) -> Example:
    return Example(id=f"e{i}", kind=Kind.instruction, target="t", split=split,
                   messages=[Message(role="user", content=str(i))], policy_ids=[f"d/p-{i}"],
                   provenance=Provenance(source="structure"))


def test_every_policy_trains_the_held_out_items_and_their_twins() -> None:
    bundle = DatasetBundle(name="d", version="1", manifest=Manifest(),
                           examples=[item(1, Split.train), item(2, Split.test),
                                     item(3, Split.test)])
    seen: list[str] = []

    def twins(examples: list[Example]) -> list[Example]:
        seen.extend(e.id for e in examples)
        return [e.model_copy(update={"id": f"{e.id}-closed", "book": "closed"})
                for e in examples]

    final = every_policy(bundle, twins)
    assert seen == ["e2", "e3"]  # twins only for the items that were held out
    assert {e.split for e in final.examples} == {Split.train}
    assert [e.id for e in final.examples] == ["e1", "e2", "e3", "e2-closed", "e3-closed"]
    assert [e.split for e in bundle.examples] == [Split.train, Split.test, Split.test]
