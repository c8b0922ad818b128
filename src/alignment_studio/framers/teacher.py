"""Teacher generation: prompts out, validated items back, every call journaled for resumption.

A teacher is any backend. Each request asks for one JSON object of a task's schema; the reply is
parsed leniently (code fences, prose around the object, small syntax slips are repaired), and a
reply that still fails is asked again once with the error shown to the teacher. Small teachers
that ignore the JSON instruction still yield items for single-field tasks: their plain text is
taken as that field. Every finished call is one line of an append-only JSONL journal, so a run
killed at any point (even ``kill -9``) continues without redoing or duplicating calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.jsonrepair import parse_json
from alignment_studio.core.prompts import Prompts
from alignment_studio.core.text import text_hash
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import grounded_answer
from alignment_studio.types import Dropped, Example, Label, Message, Policy, Provenance


class TeacherTask(str, Enum):
    question = "question"
    advice = "advice"
    compliant = "compliant"
    violating = "violating"
    needs_info = "needs_info"


class QuestionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1)


class AdviceOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    request: str = Field(min_length=1)
    advice: str = Field(min_length=1)


class ScenarioOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    situation: str = Field(min_length=1)
    rationale: str = ""


SCHEMAS: dict[TeacherTask, type[BaseModel]] = {
    TeacherTask.question: QuestionOut, TeacherTask.advice: AdviceOut,
    TeacherTask.compliant: ScenarioOut, TeacherTask.violating: ScenarioOut,
    TeacherTask.needs_info: ScenarioOut}
TEMPLATES = {TeacherTask.question: "teacher_question", TeacherTask.advice: "teacher_advice"}


class TeacherRequest(BaseModel):
    """One teacher call: which policy, which task, the rendered prompt, which attempt."""

    model_config = ConfigDict(extra="forbid")
    key: str
    policy_id: str
    task: TeacherTask
    prompt: str
    attempt: int = 0
    cue: str | None = None


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


def build_request(policy: Policy, task: TeacherTask, prompts: Prompts, organization: str,
                  name: str, cue: str | None = None) -> TeacherRequest:
    """The first-attempt request of ``task`` for ``policy``, keyed by its prompt's hash."""
    template = TEMPLATES.get(task, "teacher_scenario")
    prompt = prompts.render(template, organization=organization, policy=policy,
                            label=task.value, name=name, cue=cue)
    return TeacherRequest(key=text_hash(prompt, 16), policy_id=policy.id, task=task,
                          prompt=prompt, cue=cue)


def retry_request(request: TeacherRequest, output: str, error: str,
                  prompts: Prompts) -> TeacherRequest:
    """The same request again, showing the teacher its reply and what was wrong with it."""
    prompt = prompts.render("teacher_repair", original=request.prompt, output=output[:1500],
                            error=error)
    return request.model_copy(update={"key": f"{request.key}~{request.attempt + 1}",
                                      "prompt": prompt, "attempt": request.attempt + 1})


async def run_teacher(requests: list[TeacherRequest], teacher: ModelBackend,
                      journal: TeacherJournal, config: GenerationConfig,
                      progress: Callable[[int], None], chunk: int = 8) -> None:
    """Ask the teacher for every request not yet in the journal, ``chunk`` calls at a time.

    A chunk goes to the backend as one batch: the hf backend generates it as one padded batch,
    the openai backend sends it as concurrent requests (bounded by its concurrency).
    """
    todo = [r for r in requests if r.key not in journal.done]
    progress(len(requests) - len(todo))
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        outputs = await teacher.generate_batch(
            [[Message(role="user", content=r.prompt)] for r in part], config)
        for request, output in zip(part, outputs, strict=True):
            journal.record(request.key, output.text)
        progress(len(part))


def parse_output(text: str, request: TeacherRequest, policy: Policy) -> tuple[BaseModel | None,
                                                                               str]:
    """The task's schema object from a teacher reply, or None and what is wrong with it."""
    schema = SCHEMAS[request.task]
    parsed, error = parse_json(text, schema)
    if parsed is None:
        parsed = _plain_text_fallback(text, request.task)
        if parsed is None:
            return None, error or "no JSON object"
    problem = _content_problem(parsed, request.task, policy)
    return (None, problem) if problem else (parsed, "")


def _plain_text_fallback(text: str, task: TeacherTask) -> BaseModel | None:
    """A small teacher's plain-text reply, taken as the one field a task needs most."""
    text = " ".join(text.replace('"', " ").split())
    if "{" in text:
        return None  # an attempt at JSON that failed: not plain text
    if task == TeacherTask.question:
        match = re.search(r"[^?.!]*\?", text)
        return QuestionOut(question=match.group(0).strip()) if match else None
    if task == TeacherTask.advice or not text:
        return None
    return ScenarioOut(situation=text)


def _content_problem(parsed: BaseModel, task: TeacherTask, policy: Policy) -> str:
    """Why a well-formed item is still unusable ('' if it is fine)."""
    main = (parsed.question if isinstance(parsed, QuestionOut) else
            parsed.request if isinstance(parsed, AdviceOut) else
            parsed.situation if isinstance(parsed, ScenarioOut) else "")
    words = main.split()
    if task == TeacherTask.question and not main.rstrip().endswith("?"):
        return "the question does not end with '?'"
    if len(words) < 6:
        return "too short"
    if len(words) > 120:
        return "too long"
    if re.search(r"\b(I'm sorry|I cannot|as an AI|I can't)\b", main, re.I):
        return "refusal"
    if text_hash(main) == text_hash(policy.text):
        return "copies the policy"
    return ""


class TeacherOutcome(BaseModel):
    """What the teacher's journaled replies became: examples, and drops with their reasons."""

    model_config = ConfigDict(extra="forbid")
    examples: list[Example] = Field(default_factory=list)
    dropped: list[Dropped] = Field(default_factory=list)
    retries: list[TeacherRequest] = Field(default_factory=list)


def collect(requests: list[TeacherRequest], journal: TeacherJournal,
            policies: dict[str, Policy], factory: ExampleFactory, generator: str,
            prompts: Prompts, max_attempts: int) -> TeacherOutcome:
    """Examples from journaled replies; a failed reply gets a retry request until attempts run
    out, then it is dropped with its reason and its raw text."""
    outcome = TeacherOutcome()
    for request in requests:
        policy = policies[request.policy_id]
        text = journal.done.get(request.key, "")
        parsed, error = parse_output(text, request, policy)
        if parsed is None:
            if request.attempt + 1 < max_attempts:
                outcome.retries.append(retry_request(request, text, error, prompts))
            else:
                outcome.dropped.append(Dropped(reason=f"teacher {request.task.value}: {error}",
                                               stage="teacher", policy_ids=[policy.id],
                                               text=text))
            continue
        prov = Provenance(source="teacher", generator=generator, task=request.task.value)
        outcome.examples.append(_example(parsed, request, policy, factory, prov))
    return outcome


def _example(parsed: BaseModel, request: TeacherRequest, policy: Policy,
             factory: ExampleFactory, prov: Provenance) -> Example:
    terms = [request.cue] if request.cue else []
    if isinstance(parsed, QuestionOut):
        return factory.qa(policy, parsed.question, grounded_answer(policy), prov)
    if isinstance(parsed, AdviceOut):
        return factory.advice(policy, parsed.request, parsed.advice, prov)
    assert isinstance(parsed, ScenarioOut)
    label = Label(request.task.value)
    why = parsed.rationale or {
        Label.violating: "The situation goes against the rule.",
        Label.compliant: "The situation follows the rule.",
        Label.needs_info: "A fact that decides whether the rule is met is missing."}[label]
    example = factory.scenario(policy, parsed.situation, label, why, prov)
    return example.model_copy(update={"terms": terms})
