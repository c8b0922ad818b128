"""Turn (policy, content) into chat Examples with prompts from the templates."""

from __future__ import annotations

from alignment_studio.core.prompts import Prompts
from alignment_studio.core.text import text_hash
from alignment_studio.types import Example, Kind, Label, Message, Policy, Provenance


class ExampleFactory:
    """Builds the example shapes every source (seeds, structure, teacher) shares."""

    def __init__(self, prompts: Prompts, organization: str):
        self.prompts = prompts
        self.organization = organization

    def _messages(self, template: str, **values: object) -> list[Message]:
        system = self.prompts.render("system", organization=self.organization)
        user = self.prompts.render(template, organization=self.organization, **values)
        return [Message(role="system", content=system), Message(role="user", content=user)]

    def scenario(self, policy: Policy, situation: str, label: Label, rationale: str,
                 provenance: Provenance, pair_id: str | None = None) -> Example:
        messages = self._messages("scenario_user", policy=policy, situation=situation)
        target = self.prompts.render("scenario_target", policy=policy, label=label.value,
                                     rationale=rationale)
        return Example(id=_example_id("scn", policy, situation + label.value), kind=Kind.scenario,
                       messages=messages, target=target, label=label, policy_ids=[policy.id],
                       provenance=provenance, pair_id=pair_id)

    def qa(self, policy: Policy, question: str, answer: str, provenance: Provenance) -> Example:
        messages = self._messages("qa_user", policy=policy, question=question)
        target = self.prompts.render("qa_target", policy=policy, answer=answer)
        return Example(id=_example_id("qa", policy, question), kind=Kind.instruction,
                       messages=messages, target=target, policy_ids=[policy.id],
                       provenance=provenance)

    def summary(self, policy: Policy, summary: str, provenance: Provenance) -> Example:
        messages = self._messages("summarize_user", policy=policy)
        target = self.prompts.render("qa_target", policy=policy, answer=summary)
        return Example(id=_example_id("sum", policy, summary), kind=Kind.instruction,
                       messages=messages, target=target, policy_ids=[policy.id],
                       provenance=provenance)

    def advice(self, policy: Policy, request: str, advice: str,
               provenance: Provenance) -> Example:
        messages = self._messages("advice_user", policy=policy, request=request)
        target = self.prompts.render("qa_target", policy=policy, answer=advice)
        return Example(id=_example_id("adv", policy, request), kind=Kind.instruction,
                       messages=messages, target=target, policy_ids=[policy.id],
                       provenance=provenance)

    def preference(self, policy: Policy, question: str, chosen: str, rejected: str,
                   provenance: Provenance) -> Example:
        """A question with a policy-faithful answer (chosen) and a worse one (rejected)."""
        messages = self._messages("qa_user", policy=policy, question=question)
        return Example(id=_example_id("pref", policy, question + rejected), kind=Kind.preference,
                       messages=messages,
                       chosen=self.prompts.render("qa_target", policy=policy, answer=chosen),
                       rejected=rejected, policy_ids=[policy.id], provenance=provenance)

    def conflict(self, policies: list[Policy], situation: str, resolution: str,
                 provenance: Provenance) -> Example:
        """A situation where several policies pull in different directions, and the ruling."""
        messages = self._messages("conflict_user", policies=policies, situation=situation)
        target = self.prompts.render("conflict_target", policies=policies, resolution=resolution)
        return Example(id=_example_id("cfl", policies[0], policies[1].id + situation),
                       kind=Kind.conflict, messages=messages, target=target,
                       policy_ids=[p.id for p in policies], provenance=provenance)


def _example_id(prefix: str, policy: Policy, content: str) -> str:
    return f"{prefix}-{text_hash(policy.id + '|' + content, 10)}"
