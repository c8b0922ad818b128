"""The leak check flags labels that can be read off the wording, and passes stories told
alike for every label."""

from __future__ import annotations

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.leak import leak_check
from alignment_studio.framers.narratives import narratives, verb_forms
from alignment_studio.types import Example, Label, Modality, Policy, Provenance

FACTORY = ExampleFactory(Prompts(None), "Acme")
ACTIONS = ["share their password", "accept cash from suppliers", "lock their screen",
           "report a lost laptop", "post client names online", "use a personal email account",
           "join the board of a supplier", "trade company shares", "invite a speaker",
           "store secrets in GitHub", "review the travel policy", "book a flight",
           "keep a gift card", "attend the security training", "disclose a conflict"]


def items(template: dict[Label, str]) -> list[Example]:
    out = []
    for i, action in enumerate(ACTIONS):
        policy = Policy(id=f"d/p-{i}", text=f"You must not {action}.", section_id="d",
                        modality=Modality.prohibition)
        for label, frame in template.items():
            out.append(FACTORY.scenario(policy, frame.format(a=action), label, "why",
                                        Provenance(source="structure")))
    return out


def test_a_frame_per_label_leaks() -> None:
    leak = leak_check(items({Label.violating: "Sam decided to {a}.",
                             Label.compliant: "Sam was asked to {a} and refused.",
                             Label.needs_info: "Sam did not say whether they would {a}."}))
    assert leak is not None and leak.leaks and leak.accuracy > 0.9
    assert leak.items == 45 and leak.policies == 15 and abs(leak.majority - 1 / 3) < 0.2


def test_stories_told_alike_for_every_label_do_not_leak() -> None:
    examples = []
    for i, action in enumerate(ACTIONS):
        for modality in (Modality.prohibition, Modality.obligation):
            policy = Policy(id=f"d/p-{i}-{modality.value}", section_id="d", modality=modality,
                            text=f"You must{' not' if modality == Modality.prohibition else ''}"
                                 f" {action}.")
            for label, situation, why in narratives(policy, action):
                examples.append(FACTORY.scenario(policy, situation, label, why,
                                                 Provenance(source="structure")))
    leak = leak_check(examples)
    assert leak is not None and not leak.leaks, leak
    assert leak_check(examples[:10]) is None  # too few to say


def test_verbs_are_told_in_the_past_coordinated_ones_too() -> None:
    assert verb_forms("disclose the gift and step away from the deal") == (
        "disclosed the gift and stepped away from the deal",
        "disclosed the gift and stepped away from the deal")
    assert verb_forms("take part in a hiring decision")[0] == "took part in a hiring decision"
    assert verb_forms("the report") is None
