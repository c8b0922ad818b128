"""Turn (policy, content) into chat Examples with prompts from the templates."""

from __future__ import annotations

import re

from alignment_studio.core.prompts import Prompts
from alignment_studio.core.text import text_hash
from alignment_studio.types import Example, Kind, Label, Message, Policy, Provenance


class ExampleFactory:
    """Builds the example shapes every source (seeds, structure, teacher) shares."""

    def __init__(self, prompts: Prompts, organization: str):
        self.prompts = prompts
        self.organization = organization

    def _system(self) -> Message:
        return Message(role="system",
                       content=self.prompts.render("system", organization=self.organization))

    def _messages(self, template: str, **values: object) -> list[Message]:
        user = self.prompts.render(template, organization=self.organization, **values)
        return [self._system(), Message(role="user", content=user)]

    def scenario(self, policy: Policy, situation: str, label: Label, rationale: str,
                 provenance: Provenance, pair_id: str | None = None) -> Example:
        messages = self._messages("scenario_user", policy=policy, situation=situation)
        target = self.prompts.render("scenario_target", policy=policy, label=label.value,
                                     rationale=rationale)
        return Example(id=_example_id("scn", policy, situation + label.value), kind=Kind.scenario,
                       messages=messages, target=target, label=label, policy_ids=[policy.id],
                       provenance=provenance, pair_id=pair_id, asked=situation)

    def qa(self, policy: Policy, question: str, answer: str, provenance: Provenance) -> Example:
        messages = self._messages("qa_user", policy=policy, question=question)
        target = self.prompts.render("qa_target", policy=policy, answer=answer)
        return Example(id=_example_id("qa", policy, question), kind=Kind.instruction,
                       messages=messages, target=target, policy_ids=[policy.id],
                       provenance=provenance, asked=question)

    def closed_scenario(self, policy: Policy, situation: str, label: Label, rationale: str,
                        provenance: Provenance) -> Example:
        """The situation alone, as an employee asks it (no policy text): the model must know
        the rule; the reference gives the verdict, the reason, the rule and its ID."""
        messages = self._messages("closed_scenario_user", situation=situation)
        target = self.prompts.render("closed_scenario_target", policy=policy, label=label.value,
                                     rationale=rationale)
        return Example(id=_example_id("cbs", policy, situation + label.value),
                       kind=Kind.scenario, messages=messages, target=target, label=label,
                       policy_ids=[policy.id], provenance=provenance, book="closed",
                       asked=situation)

    def closed_twin(self, example: Example, policy: Policy) -> Example | None:
        """The closed-book form of a guardian item (same words, same label, no clause in the
        prompt), or None for shapes that have none (summaries, conflicts, preferences)."""
        if example.asked is None or example.book == "closed":
            return None
        if example.kind == Kind.scenario and example.label is not None:
            rationale = _reason_of(example.target or "", example.label)
            twin = self.closed_scenario(policy, example.asked, example.label, rationale,
                                        example.provenance)
        elif example.kind == Kind.instruction:
            answer = _reason_of(example.target or "", None)
            messages = [self._system(), Message(role="user", content=example.asked)]
            twin = Example(id=_example_id("cbq", policy, example.asked), kind=Kind.instruction,
                           messages=messages, policy_ids=[policy.id],
                           target=self.prompts.render("closed_qa_target", policy=policy,
                                                      answer=answer),
                           provenance=example.provenance, book="closed", asked=example.asked)
        else:
            return None
        return twin.model_copy(update={"split": example.split, "terms": example.terms})

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
                       provenance=provenance, asked=request)

    def preference(self, policy: Policy, question: str, chosen: str, rejected: str,
                   provenance: Provenance) -> Example:
        """A question with a policy-faithful answer (chosen) and a worse one (rejected), both
        in the same form: each cites the policy, so only the substance tells them apart."""
        messages = self._messages("qa_user", policy=policy, question=question)
        return Example(id=_example_id("pref", policy, question + rejected), kind=Kind.preference,
                       messages=messages,
                       chosen=self.prompts.render("qa_target", policy=policy, answer=chosen),
                       rejected=self.prompts.render("qa_target", policy=policy,
                                                    answer=rejected),
                       policy_ids=[policy.id], provenance=provenance)

    def conflict(self, policies: list[Policy], situation: str, resolution: str,
                 provenance: Provenance) -> Example:
        """A situation where several policies pull in different directions, and the ruling."""
        messages = self._messages("conflict_user", policies=policies, situation=situation)
        target = self.prompts.render("conflict_target", policies=policies, resolution=resolution)
        return Example(id=_example_id("cfl", policies[0], policies[1].id + situation),
                       kind=Kind.conflict, messages=messages, target=target,
                       policy_ids=[p.id for p in policies], provenance=provenance)


def _reason_of(target: str, label: Label | None) -> str:
    """A guardian reference without its leading verdict and trailing citation."""
    text = re.sub(r"\s*\[[^\[\]]+\]\s*$", "", target.strip())
    if label is not None and text.lower().startswith(label.value):
        text = text[len(label.value):].lstrip(" :.-")
    return text


def _example_id(prefix: str, policy: Policy, content: str) -> str:
    return f"{prefix}-{text_hash(policy.id + '|' + content, 10)}"
