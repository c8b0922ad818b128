"""People's comparison grades from the web studio as data: a grade that prefers one answer
becomes a human preference example in the next frame (traced to the policies the grader named).
"""

from __future__ import annotations

from collections import Counter

from alignment_studio.core.text import text_hash
from alignment_studio.framers.frame import FrameResult
from alignment_studio.framers.split import split_by_policy
from alignment_studio.types import Example, Kind, Provenance
from alignment_studio.workspace.db import ComparisonGrade
from alignment_studio.workspace.store import sha256_bytes


def grade_examples(grades: list[ComparisonGrade], known: set[str]) -> list[Example]:
    """Comparison grades as preference examples: the graded messages as the prompt, the
    preferred answer chosen and the other rejected. A tie, two identical answers or a grade
    naming no policy of ``known`` teaches no preference (and could not be traced to a clause),
    so it is left out; policy IDs the documents no longer have are dropped."""
    out: list[Example] = []
    for grade in grades:
        policy_ids = [p for p in grade.policy_ids if p in known]
        if grade.preference == "tie" or not policy_ids or grade.answer_a == grade.answer_b:
            continue
        chosen, rejected = ((grade.answer_a, grade.answer_b) if grade.preference == "a"
                            else (grade.answer_b, grade.answer_a))
        content = "".join(m.content for m in grade.messages) + chosen + rejected
        out.append(Example(
            id=f"grade-{grade.id}-{text_hash(content, 8)}", kind=Kind.preference,
            messages=grade.messages, chosen=chosen, rejected=rejected, policy_ids=policy_ids,
            provenance=Provenance(source="human", generator="studio-grade",
                                  task=f"comparison grade {grade.id} by {grade.grader}")))
    return out


def grades_input(examples: list[Example]) -> list[str]:
    """The frame stage's input naming the human preference examples: a ``file:`` input (read
    from the workspace database, not an artifact) whose hash changes with any grade that
    counts. No grades, no input, so a workspace without grades keeps its data set."""
    if not examples:
        return []
    digest = sha256_bytes("".join(e.model_dump_json() for e in examples).encode("utf-8"))
    return [f"file:studio.sqlite:grades@{digest[:12]}"]


def with_examples(result: FrameResult, extra: list[Example]) -> FrameResult:
    """The framed data with human items added after the quality filters (people's judgements
    are not filtered away), split like the rest: an item citing a held-out policy is test."""
    if not extra:
        return result
    bundle = result.bundle
    examples = bundle.examples + split_by_policy(extra, set(bundle.manifest.test_policy_ids))
    counts = Counter(f"{e.split.value}/{e.kind.value}/{e.provenance.source}" for e in examples)
    manifest = bundle.manifest.model_copy(update={"counts": dict(sorted(counts.items()))})
    return result.model_copy(update={"bundle": bundle.model_copy(update={
        "examples": examples, "manifest": manifest,
        "version": text_hash("".join(e.id for e in examples), 12)})})
