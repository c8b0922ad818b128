"""Data generation: deterministic items from the parsed structure, and teacher-written items.

Structure-driven generation needs no model: it turns a rule's own wording into a question and
into compliant / violating / needs-info situations. Teacher generation asks any backend for new
questions and situations; outputs are filtered, and every request's result is appended to a
JSONL journal so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.structure import text_hash
from alignment_studio.types import Example, Label, Message, Modality, Policy, Provenance

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
_PRONOUNS = [(r"\byour\b", "their"), (r"\byou\b", "they"), (r"\byourself\b", "themselves"),
             (r"\bwe\b", "the company"), (r"\bour\b", "the company's"), (r"\bus\b", "the company")]


def is_enforceable(policy: Policy) -> bool:
    return policy.modality in ENFORCEABLE


def third_person(text: str) -> str:
    for pattern, repl in _PRONOUNS:
        text = re.sub(pattern, repl, text, flags=re.I)
    return text


def extract_action(policy: Policy) -> str | None:
    """The verb phrase a rule governs: 'Employees must not X.' -> 'X'."""
    pattern = {Modality.prohibition: _PROHIBITION, Modality.obligation: _OBLIGATION,
               Modality.recommendation: _OBLIGATION, Modality.permission: _PERMISSION}.get(
        policy.modality)
    match = pattern.search(policy.text) if pattern else None
    if not match:
        return None
    action = third_person(match.group("action").strip().rstrip(".!;:"))
    return action if 2 <= len(action.split()) <= 40 else None


def person(policy: Policy) -> str:
    """A deterministic name and role for a policy's scenarios."""
    h = int(text_hash(policy.id, 8), 16)
    return f"{NAMES[h % len(NAMES)]}, {ROLES[(h // 7) % len(ROLES)]},"


def structure_scenarios(policy: Policy) -> list[tuple[Label, str, str]]:
    """(label, situation, rationale) triples derived from the rule's wording."""
    action = extract_action(policy)
    if action is None:
        return []
    who = person(policy)
    name = who.split(",")[0]
    undecided = (Label.needs_info, f"{who} asked for advice on a plan but did not say whether "
                 f"they would {action}.",
                 f"The decisive fact is missing: whether {name} would {action}.")
    if policy.modality == Modality.prohibition:
        return [(Label.violating, f"{who} decided to {action}.",
                 f"The policy forbids this: {name} chose to {action}."),
                (Label.compliant, f"{who} was asked to {action} and refused.",
                 f"{name} did not {action}, as the policy requires."), undecided]
    if policy.modality in (Modality.obligation, Modality.recommendation):
        return [(Label.compliant, f"{who} made sure to {action}.",
                 f"{name} did what the policy asks: {action}."),
                (Label.violating, f"{who} knew the rule but chose not to {action}.",
                 f"The policy requires this and {name} did not {action}."), undecided]
    return [(Label.compliant, f"{who} chose to {action}.",
             f"The policy permits this: {name} may {action}.")]


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


def structure_examples(policy: Policy, topic: str, factory: ExampleFactory) -> list[Example]:
    prov = Provenance(source="structure", generator="rules-v1")
    examples = [factory.qa(policy, structure_question(policy, topic.lower()),
                           grounded_answer(policy), prov.model_copy(update={"task": "qa"}))]
    for label, situation, rationale in structure_scenarios(policy):
        examples.append(factory.scenario(policy, situation, label, rationale,
                                         prov.model_copy(update={"task": label.value})))
    return examples


class TeacherRequest(BaseModel):
    """One teacher call: which policy, which task, and the rendered prompt."""

    model_config = ConfigDict(extra="forbid")
    key: str
    policy_id: str
    task: str  # question | violating | compliant
    prompt: str


class TeacherJournal:
    """Append-only JSONL of finished teacher calls; survives kill -9 (one line per call)."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, str] = {}
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # a line cut short by a crash: end it
                with path.open("a", encoding="utf-8") as handle:
                    handle.write("\n")
            for line in text.splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: redo that call
                self.done[row["key"]] = row["text"]

    def record(self, key: str, text: str) -> None:
        if not text.strip():
            return  # an empty answer is asked again on the next run, not kept
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "text": text}) + "\n")
            handle.flush()
        self.done[key] = text


def clean_teacher_text(text: str, task: str, policy: Policy) -> tuple[str | None, str]:
    """The usable part of a teacher output, or None with the reason it was dropped."""
    text = " ".join(text.replace('"', " ").split())
    if task == "question":
        match = re.search(r"[^?.!]*\?", text)
        text = match.group(0).strip() if match else ""
        if not text:
            return None, "no question in output"
    words = text.split()
    if len(words) < 6:
        return None, "too short"
    if len(words) > 80:
        return None, "too long"
    if re.search(r"\b(I'm sorry|I cannot|as an AI|I can't)\b", text, re.I):
        return None, "refusal"
    if text_hash(text) == text_hash(policy.text):
        return None, "copies the policy"
    return text, ""


async def run_teacher(requests: list[TeacherRequest], teacher: ModelBackend,
                      journal: TeacherJournal, config: GenerationConfig,
                      progress: Callable[[int], None], chunk: int = 8) -> None:
    """Ask the teacher for every request not yet in the journal, a chunk at a time."""
    todo = [r for r in requests if r.key not in journal.done]
    progress(len(requests) - len(todo))
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        outputs = await teacher.generate_batch(
            [[Message(role="user", content=r.prompt)] for r in part], config)
        for request, output in zip(part, outputs, strict=True):
            journal.record(request.key, output.text)
        progress(len(part))


def teacher_examples(requests: list[TeacherRequest], journal: TeacherJournal,
                     policies: dict[str, Policy], factory: ExampleFactory, generator: str,
                     dropped: Counter[str]) -> list[Example]:
    """Examples from journaled teacher outputs; rejected outputs are counted by reason."""
    examples: list[Example] = []
    for request in requests:
        policy = policies[request.policy_id]
        text, reason = clean_teacher_text(journal.done.get(request.key, ""), request.task, policy)
        if text is None:
            dropped[f"teacher {request.task}: {reason}"] += 1
            continue
        prov = Provenance(source="teacher", generator=generator, task=request.task)
        if request.task == "question":
            examples.append(factory.qa(policy, text, grounded_answer(policy), prov))
        else:
            label = Label(request.task)
            why = ("The situation goes against the rule." if label == Label.violating
                   else "The situation follows the rule.")
            examples.append(factory.scenario(policy, text, label, why, prov))
    return examples
