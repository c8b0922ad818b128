"""Which held-out items the audit picks when capped."""

from __future__ import annotations

from alignment_studio.auditors.evaluate import select_items
from alignment_studio.types import Example, Kind, Label, Message, Provenance


def item(i: int, policy: str, kind: Kind) -> Example:
    return Example(id=f"e{i}", kind=kind, messages=[Message(role="user", content=str(i))],
                   target="t", label=Label.compliant if kind == Kind.scenario else None,
                   policy_ids=[policy], provenance=Provenance(source="structure"))


def test_a_cap_keeps_every_policy_and_both_kinds() -> None:
    examples = [item(i, p, Kind.instruction) for p in "ab" for i in range(4)]
    examples += [item(10 + i, p, Kind.scenario) for p in "ab" for i in range(3)]
    examples.append(Example(id="pref", kind=Kind.preference, messages=[], chosen="c",
                            rejected="r", policy_ids=["a"], provenance=Provenance(source="x")))
    picked = select_items(examples, 4)
    assert {(e.policy_ids[0], e.kind) for e in picked} == {
        ("a", Kind.scenario), ("a", Kind.instruction), ("b", Kind.scenario),
        ("b", Kind.instruction)}
    assert all(e.kind != Kind.preference for e in select_items(examples, None))


def test_a_cap_of_one_item_per_policy_still_keeps_both_kinds() -> None:
    examples = [item(i, p, kind) for p in "abcd" for i, kind in
                enumerate([Kind.scenario, Kind.instruction])]
    picked = select_items(examples, 4)
    assert {e.policy_ids[0] for e in picked} == set("abcd")
    assert {e.kind for e in picked} == {Kind.scenario, Kind.instruction}
