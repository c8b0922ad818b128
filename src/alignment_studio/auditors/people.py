"""Scenarios people wrote, as audit items: the closed-book test of what the model knows.

A person writes situations the way employees ask about them (``audit.scenarios``: files in the
seed file's ``scenario:`` format, each naming its policy by section and quote). They are never
training data. On a policy the model was trained on, the item is asked closed book: the
situation alone, so the answer shows whether the model knows the rule. On a held-out policy it
cannot, so the item is asked with its clause (guardian), which tests applying an unseen rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.types import Example, Policy, Provenance, Split
from alignment_studio.types.seeds import ScenarioSeed

SOURCE = "person"  # provenance of items people wrote for the audit


def people_items(scenarios: Iterable[tuple[ScenarioSeed, Policy]], held_out: set[str],
                 factory: ExampleFactory) -> list[Example]:
    """One test item per scenario: closed book on trained policies, guardian on held-out."""
    items = []
    for seed, policy in scenarios:
        provenance = Provenance(source=SOURCE, seed_id=seed.id, task="scenario")
        if policy.id in held_out:
            item = factory.scenario(policy, seed.situation, seed.label, seed.rationale,
                                    provenance)
        else:
            item = factory.closed_scenario(policy, seed.situation, seed.label, seed.rationale,
                                           provenance)
        items.append(item.model_copy(update={"split": Split.test}))
    return items
