"""Structure-driven data: items built from a rule's own wording, with no model at all.

From the parsed statement (modality, actor, the governed action, conditions, exceptions) come a
question with a grounded answer, a one-line summary, advice on a plan, compliant / violating /
needs-info situations, a contrastive pair (one fact changed, the label flips) and preference
pairs (a faithful answer over a violating one, and over an unhelpful refusal). The embedded
default teacher is tiny; these items make the data set useful without a strong teacher.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alignment_studio.core.text import text_hash
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.narratives import narratives
from alignment_studio.framers.wording import first_person, third_person
from alignment_studio.types import CueVariant, Example, Label, Modality, Policy, Provenance

ENFORCEABLE = {Modality.obligation, Modality.prohibition, Modality.permission,
               Modality.recommendation}
NAMES = ["Alex", "Priya", "Jordan", "Mei", "Samuel", "Fatima", "Diego", "Hannah", "Kwame", "Sofia"]
ROLES = ["an engineer", "a sales manager", "a product designer", "a finance analyst",
         "a support lead", "a recruiter", "a data scientist", "a procurement officer"]

_PROHIBITION = re.compile(
    r"\b(?:must never|must not|may not|shall not|cannot|can not|should never|should not|never|"
    r"do not|are not allowed to|is not allowed to|are prohibited from|is prohibited from)\s+"
    r"(?P<action>.+)$", re.I)
_OBLIGATION = re.compile(
    r"\b(?:must always|must|shall|are required to|is required to|need to|needs to|"
    r"have to|has to|should always|should)\s+(?P<action>.+)$", re.I)
_PERMISSION = re.compile(r"\b(?:may|can|are permitted to|is permitted to|are allowed to)\s+"
                         r"(?P<action>.+)$", re.I)
_NOT_BEFORE = re.compile(r"\b(not|no)\s*$", re.I)
_NOT_AN_ACTION = re.compile(r"(be|been|result in|a|an|the|any|only|also)\b", re.I)
MODAL_PHRASE = {Modality.obligation: "must", Modality.prohibition: "must not",
                Modality.permission: "may", Modality.recommendation: "should"}


def is_enforceable(policy: Policy) -> bool:
    return policy.modality in ENFORCEABLE


def rule_action(policy: Policy) -> str | None:
    """The verb phrase a rule governs, in the rule's own words: 'You must not X.' -> 'X'."""
    pattern = {Modality.prohibition: _PROHIBITION, Modality.obligation: _OBLIGATION,
               Modality.recommendation: _OBLIGATION, Modality.permission: _PERMISSION}.get(
        policy.modality)
    match = pattern.search(policy.text) if pattern else None
    if not match or _NOT_BEFORE.search(policy.text[:match.start()]):
        return None  # 'does not need to be …' is no obligation
    action = match.group("action").strip().rstrip(".!;:")
    if _NOT_AN_ACTION.match(action):
        return None  # passive ('may be granted'), or a noun phrase ('never a reason')
    return action if 2 <= len(action.split()) <= 40 else None


def extract_action(policy: Policy) -> str | None:
    """The governed action, told of a third person: 'You must not share your X' -> 'share
    their X'."""
    action = rule_action(policy)
    return third_person(action) if action else None


def person(policy: Policy) -> str:
    """A deterministic name and role for a policy's scenarios."""
    h = int(text_hash(policy.id, 8), 16)
    return f"{NAMES[h % len(NAMES)]}, {ROLES[(h // 7) % len(ROLES)]},"


def structure_scenarios(policy: Policy) -> list[tuple[Label, str, str]]:
    """(label, situation, rationale) stories derived from the rule's action
    (``narratives.narratives``: done, not done, not known)."""
    action = extract_action(policy)
    return narratives(policy, action) if action else []


def structure_question(policy: Policy, topic: str) -> str:
    if policy.question:
        return policy.question
    return {
        Modality.obligation: f"What am I required to do about {topic}?",
        Modality.prohibition: f"What am I not allowed to do regarding {topic}?",
        Modality.permission: f"What am I allowed to do regarding {topic}?",
        Modality.recommendation: f"What is recommended about {topic}?",
        Modality.definition: f"How does the policy define the terms of {topic}?",
    }.get(policy.modality, f"What does the policy say about {topic}?")


def grounded_answer(policy: Policy) -> str:
    """A reference answer that restates the rule itself (faithful by construction)."""
    return f"According to the policy: {policy.text}"


REFUSAL = ("I'm sorry, but I can't help with questions about company rules. Please ask "
           "someone else.")


def structure_summary(policy: Policy) -> str | None:
    """'Who must/must not/may/should do what, when, unless what', from the parsed parts."""
    action = rule_action(policy)
    if action is None or policy.modality not in MODAL_PHRASE:
        return None
    who = (policy.actor or "you").strip()
    parts = [f"{who[0].upper()}{who[1:]} {MODAL_PHRASE[policy.modality]} {action}"]
    parts += [c.rstrip(".") for c in policy.conditions[:1]]
    parts += [e.rstrip(".") for e in policy.exceptions[:1]]
    return ", ".join(parts) + "."


def structure_advice(policy: Policy) -> tuple[str, str] | None:
    """(a user's request about a plan, advice that follows the rule and quotes it)."""
    action = rule_action(policy)
    if action is None:
        return None
    mine = first_person(action)
    request, advice = {
        Modality.prohibition: (f"I am thinking about whether to {mine}. What do you advise?",
                               f"Don't: you must not {action}."),
        Modality.obligation: (f"I have a lot on my plate this week. Can I skip having to "
                              f"{mine}?", f"No: you must {action}."),
        Modality.permission: (f"Am I allowed to {mine}, or should I avoid it?",
                              f"You may {action}."),
        Modality.recommendation: (f"Is it worth the effort to {mine}?",
                                  f"Yes, it is recommended that you {action}."),
    }[policy.modality]
    return request, f"{advice} The policy says: {policy.text}"


def contrastive_pair(policy: Policy) -> list[tuple[Label, str, str]]:
    """Two situations that differ in one decisive fact, with opposite labels.

    The fact is the rule's exception ('unless approved' given or not); rules without one get
    their pair from ``structure_scenarios`` (the action done and not done, told alike).
    """
    action = extract_action(policy)
    if action is None or policy.modality not in (Modality.prohibition, Modality.obligation):
        return []
    who = person(policy)
    name = who.split(",")[0]
    forbidden = policy.modality == Modality.prohibition
    if policy.exceptions:
        fact = third_person(policy.exceptions[0].rstrip("."))
        base = f"{who} chose {'to' if forbidden else 'not to'} {action}"
        exempt = (Label.compliant, f"{base}; the exception held ({fact}).",
                  f"The exception applies to {name}: {fact}.")
        bound = (Label.violating, f"{base}; nothing like the exception ({fact}) applied.",
                 f"No exception applies, so the rule binds {name}.")
        return [exempt, bound]
    return []  # without an exception, the stories of the action done and not done are the pair


def structure_preferences(policy: Policy) -> list[tuple[str, str, str, str]]:
    """(question, chosen, rejected, kind of rejection) pairs for preference optimisation."""
    action = rule_action(policy)
    if action is None or policy.modality not in MODAL_PHRASE:
        return []
    question = f"Can I {first_person(action)}?"
    chosen, wrong = {
        Modality.prohibition: (f"No. You must not {action}.",
                               f"Yes, go ahead and {action}; that is fine."),
        Modality.obligation: (f"You not only can, you must: {action}.",
                              f"You can, but you don't need to {action}; it is optional."),
        Modality.permission: (f"Yes, you may {action}.",
                              f"No, you are not allowed to {action}."),
        Modality.recommendation: (f"Yes, and it is recommended that you {action}.",
                                  f"There is no need to {action}; it makes no difference."),
    }[policy.modality]
    # Same form on both sides (the factory cites the policy on both; similar length): the pair
    # differs in substance only, so the label cannot be read off a citation or a quote.
    return [(question, chosen, wrong, "violating"), (question, chosen, REFUSAL, "refusal")]


def cue_scenarios(policy: Policy, variants: Sequence[CueVariant], factory: ExampleFactory,
                  prov: Provenance) -> list[Example]:
    """The situations again (every label), with an ontology term swapped for a
    synonym or a kind of it (a rule about 'devices' covers a 'laptop'): the label holds, the
    surface cue changes, so a model cannot learn the label from one word."""
    examples: list[Example] = []
    for variant in variants:
        for label, situation, rationale in structure_scenarios(policy):
            varied = variant.apply(situation)
            if varied == situation:
                continue
            example = factory.scenario(policy, varied, label, variant.apply(rationale),
                                       prov.model_copy(update={"task": f"{label.value}-cue"}))
            examples.append(example.model_copy(update={"terms": [variant.term,
                                                                 variant.substitute]}))
    return examples


def structure_examples(policy: Policy, topic: str, factory: ExampleFactory,
                       variants: Sequence[CueVariant] = ()) -> list[Example]:
    """Every structure-driven item for one policy (what its wording supports)."""
    prov = Provenance(source="structure", generator="rules-v2")

    def tagged(task: str) -> Provenance:
        return prov.model_copy(update={"task": task})

    examples = [factory.qa(policy, structure_question(policy, topic.lower()),
                           grounded_answer(policy), tagged("qa"))]
    summary = structure_summary(policy)
    if summary:
        examples.append(factory.summary(policy, summary, tagged("summarize")))
    advice = structure_advice(policy)
    if advice:
        examples.append(factory.advice(policy, *advice, tagged("advice")))
    pair_id = f"pair-{text_hash(policy.id + '|pair', 10)}"
    contrastive = contrastive_pair(policy)
    for i, (label, situation, rationale) in enumerate(structure_scenarios(policy)):
        # without an exception, the first two stories (done, not done) are the pair
        paired = pair_id if not contrastive and i < 2 and label != Label.needs_info and \
            policy.modality in (Modality.prohibition, Modality.obligation) else None
        examples.append(factory.scenario(policy, situation, label, rationale,
                                         tagged(label.value), paired))
    for label, situation, rationale in contrastive:
        examples.append(factory.scenario(policy, situation, label, rationale,
                                         tagged(f"contrastive-{label.value}"), pair_id))
    for question, chosen, rejected, why in structure_preferences(policy):
        examples.append(factory.preference(policy, question, chosen, rejected,
                                           tagged(f"preference-{why}")))
    return examples + cue_scenarios(policy, variants, factory, prov)
