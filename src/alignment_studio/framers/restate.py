"""A rule stated several ways: questions asked both ways, and answers in other words.

A small model recalls a rule closed book only when it has met it phrased more than one way
("May I …?", "Do I have to …?", "What does the policy say about …?", "Are there exceptions?").
Each restatement is a (question, answer) pair built from the clause analysis: the governed
action in the asker's own words (first person) and the answer's verdict follows the rule's
modality. The answers restate the rule; they never copy it whole (the reference the factory
renders quotes it once, for grounding).
"""

from __future__ import annotations

import re

from alignment_studio.framers.generate import rule_action, structure_summary
from alignment_studio.framers.wording import first_person
from alignment_studio.types import Modality, Policy

QA = tuple[str, str]


def restatements(policy: Policy, topic: str, count: int) -> list[QA]:
    """Up to ``count`` (question, answer) pairs about one rule, the yes/no forms first."""
    action = rule_action(policy)
    if action is None or count <= 0:
        return []
    pairs = [] if _PRONOUN_OBJECT.match(action) else [
        (_as_actor(policy.actor, question), answer)
        for question, answer in _asked_both_ways(policy.modality, first_person(action), action)]
    summary = structure_summary(policy)
    if summary:
        pairs.append((f"What does the policy say about {topic}?", summary))
    if policy.exceptions:
        pairs.append((f"Are there exceptions to the rule on {topic}?",
                      f"Yes: {policy.exceptions[0].rstrip('.')}. Otherwise the rule applies."))
    condition = next((c for c in policy.conditions if _WHEN.match(c)), None)
    if condition:
        pairs.append((f"When does the rule on {topic} apply?",
                      f"It applies {condition.rstrip('.')}."))
    return pairs[:count]


# "forward it to …": the object is a pronoun whose noun is in another sentence, so a question
# about the action alone would not say what it is about.
_PRONOUN_OBJECT = re.compile(r"^\S+\s+(?:it|them|this|that|these|those)\b", re.I)
# a condition that reads as "it applies <condition>": 'when …', 'if …', 'during …'
_WHEN = re.compile(r"^(?:if|when|whenever|where|before|after|during|while|once|for|in|on|at|"
                   r"within|until)\b", re.I)
# a head noun that names people ('managers', 'contractors', 'staff'), not things ('total gifts')
_PERSON = re.compile(r"(?:er|or|ist|ee|ian|staff|people|personnel|member|team|official|agent|"
                     r"consultant|applicant|resident|student|client|tenant|participant)s?$")
_EVERYONE = {"you", "employees", "all employees", "staff", "everyone", "we", "all staff"}


def _as_actor(actor: str | None, question: str) -> str:
    """The question asked as the rule's actor when the rule binds someone in particular:
    'Managers must …' -> 'As one of the managers, do I have to …?'."""
    who = (actor or "").strip().lower()
    if not who or who in _EVERYONE or len(who.split()) > 6 or not _PERSON.search(who):
        return question
    return f"As one of the {who.removeprefix('the ')}, {question[0].lower()}{question[1:]}"


def _asked_both_ways(modality: Modality | None, mine: str, action: str) -> list[QA]:
    """The action asked about as allowed and as required, answered by the rule's modality."""
    forms: dict[Modality, list[QA]] = {
        Modality.prohibition: [
            (f"May I {mine}?", f"No. That is not allowed: you must not {action}."),
            (f"Do I have to {mine}?", f"No, and you must not: it is forbidden to {action}."),
            (f"Is it fine if I {mine}, just this once?",
             f"No. The rule has no 'just this once': you must not {action}.")],
        Modality.obligation: [
            (f"Do I have to {mine}?", f"Yes. It is required: you must {action}."),
            (f"Is it OK if I don't {mine}?", f"No. You are required to {action}."),
            (f"May I skip it and not {mine} when I am busy?",
             f"No. Being busy does not change it: you must {action}.")],
        Modality.permission: [
            (f"May I {mine}?", f"Yes. It is allowed: you may {action}."),
            (f"Is it forbidden to {mine}?", f"No. The policy allows it: you may {action}."),
            (f"Do I have to {mine}?", f"No, it is your choice: you may {action}.")],
        Modality.recommendation: [
            (f"Should I {mine}?", f"Yes. It is recommended that you {action}."),
            (f"Do I have to {mine}?",
             f"It is not a strict requirement, but it is recommended that you {action}."),
            (f"Is it pointless to {mine}?", f"No. The policy recommends that you {action}.")],
    }
    return list(forms.get(modality, [])) if modality else []
