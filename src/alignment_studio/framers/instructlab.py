"""Import InstructLab taxonomy ``qna.yaml`` files as expert qa seeds.

Every schema version of the instructlab/schema JSON schemas is read; as there, a file without
``version`` is version 1:

- knowledge, version 3: ``created_by``, ``domain``, ``document_outline``, ``document``
  (``repo``, ``commit``, ``patterns``, optional ``folder``) and ``seed_examples``, each a
  ``context`` copied from the document with a list of ``questions_and_answers``;
- knowledge, version 1 (no ``version``) or 2, which InstructLab itself no longer accepts but
  many contributed files still use: ``created_by``, ``domain``, ``task_description``,
  ``document`` (``repo``, ``commit``, ``patterns``) and flat ``seed_examples``, each a
  ``question`` and an ``answer`` (no context);
- compositional skills, version 1 (no ``version``), 2 or 3: ``created_by``,
  ``task_description`` and ``seed_examples``, each a ``question``, an ``answer`` and an optional
  ``context``.

InstructLab ties a knowledge file to its documents by git repository and glob; here the policy
documents are the workspace's, so each Q&A is tied to one policy by token overlap: first the
policies (nearly) contained in the Q&A's ``context``, the one closest to the question and answer
winning; without a usable context, the policy closest to the question and answer anywhere, above
a threshold. A Q&A that matches no policy is skipped and listed in ``ResolvedSeeds.skipped``
with its file:line (an imported taxonomy often covers more than the policies at hand); a file
where no Q&A matches is an error. The counts InstructLab's own checks demand (at least 5 seed
examples, 3 Q&A each) are not enforced: they are about synthetic-data volume, not meaning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.errors import StudioError
from alignment_studio.core.text import content_words
from alignment_studio.core.yamlio import line_of, read_yaml, validate_yaml
from alignment_studio.framers.structure import slugify
from alignment_studio.types import Dropped, Policy, PolicyDocument
from alignment_studio.types.seeds import InstructionSeed, ResolvedSeeds

CONTEXT_CONTAINMENT = 0.8  # share of a policy's words that must appear in the context
ANSWER_SIMILARITY = 0.35  # cosine of word sets (policy vs question + answer) without a context


class QuestionAnswer(BaseModel):
    # The schema leaves a Q&A item open (no unevaluatedProperties: false), so extra keys pass.
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class KnowledgeExample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    context: str = Field(min_length=1)
    questions_and_answers: list[QuestionAnswer] = Field(min_length=1)


class KnowledgeSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str | None = None
    commit: str | None = None
    folder: str | None = None
    patterns: list[str] = Field(min_length=1)


class KnowledgeFile(BaseModel):
    """A knowledge ``qna.yaml`` (InstructLab schema version 3)."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[3]
    created_by: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    document_outline: str = Field(min_length=1)
    document: KnowledgeSource
    seed_examples: list[KnowledgeExample] = Field(min_length=1)


class FlatQuestionAnswer(BaseModel):
    """A seed example of a version 1 or 2 knowledge file: closed, unlike version 3's."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class LegacyKnowledgeSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str = Field(min_length=1)
    commit: str = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)


class LegacyKnowledgeFile(BaseModel):
    """A knowledge ``qna.yaml`` of schema version 1 (``version`` absent or 1): flat Q&A pairs
    without contexts; ``task_description`` may be empty."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    created_by: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    task_description: str
    document: LegacyKnowledgeSource
    seed_examples: list[FlatQuestionAnswer] = Field(min_length=1)


class KnowledgeFileV2(LegacyKnowledgeFile):
    """A knowledge ``qna.yaml`` of schema version 2: version 1 with a non-empty
    ``task_description``."""

    version: Literal[2] = 2  # type: ignore[assignment]
    task_description: str = Field(min_length=1)


class SkillExample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    context: str | None = Field(None, min_length=1)


class SkillFile(BaseModel):
    """A compositional-skills ``qna.yaml`` (InstructLab schema version 2 or 3)."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[2, 3]
    created_by: str = Field(min_length=1)
    task_description: str = Field(min_length=1)
    seed_examples: list[SkillExample] = Field(min_length=1)


class LegacySkillFile(BaseModel):
    """A compositional-skills ``qna.yaml`` of schema version 1 (``version`` absent or 1);
    ``task_description`` may be empty."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    created_by: str = Field(min_length=1)
    task_description: str
    seed_examples: list[SkillExample] = Field(min_length=1)


KNOWLEDGE_SCHEMAS: dict[int, type[BaseModel]] = {
    1: LegacyKnowledgeFile, 2: KnowledgeFileV2, 3: KnowledgeFile}
SKILL_SCHEMAS: dict[int, type[BaseModel]] = {1: LegacySkillFile, 2: SkillFile, 3: SkillFile}


class _Item(BaseModel):
    """One Q&A to import, with where it sits in the file."""

    model_config = ConfigDict(extra="forbid")
    seed_id: str
    keys: list[str | int]
    question: str
    answer: str
    context: str | None = None


def load_instructlab_qna(path: Path, documents: list[PolicyDocument]) -> ResolvedSeeds:
    """Each Q&A of a taxonomy ``qna.yaml`` as a qa seed tied to its best-matching policy."""
    data, text = read_yaml(path)
    if not isinstance(data, dict):
        raise StudioError("a qna.yaml file must be a mapping with 'seed_examples'", path, 1)
    items = _items(path, data, text)
    policies = [p for d in documents for p in d.policies()]
    resolved = ResolvedSeeds()
    for item in items:
        policy = match_policy(item.question, item.answer, item.context, policies)
        if policy is None:
            line = line_of(text, item.keys)
            resolved.skipped.append(Dropped(
                stage="seed", text=item.question,
                reason=f"{path}:{line}: Q&A {item.seed_id!r} matches no policy "
                       f"({'context' if item.context else 'question'} and answer share too few "
                       "words with every policy)"))
            continue
        seed = InstructionSeed(id=item.seed_id, task="qa", policy=policy.id,
                               question=item.question, answer=item.answer)
        resolved.instruction.append((seed, policy))
    if not resolved.instruction:
        raise StudioError(f"none of the {len(items)} Q&A pairs matches a policy of the "
                          "workspace documents", path, line_of(text, ["seed_examples"]) or 1)
    return resolved


def _items(path: Path, data: dict[str, Any], text: str) -> list[_Item]:
    """Validate the file against its kind and version and flatten it into Q&A items."""
    prefix = "ilab-" + slugify(path.parent.name or "qna", 32)
    knowledge = _is_knowledge(path, data)
    schema = _schema(KNOWLEDGE_SCHEMAS if knowledge else SKILL_SCHEMAS, data, text, path)
    parsed = _validate(schema, data, text, path)
    if isinstance(parsed, KnowledgeFile):
        return [_Item(seed_id=f"{prefix}-{i + 1}-{j + 1}", question=qa.question,
                      answer=qa.answer, context=example.context,
                      keys=["seed_examples", i, "questions_and_answers", j])
                for i, example in enumerate(parsed.seed_examples)
                for j, qa in enumerate(example.questions_and_answers)]
    examples: Sequence[FlatQuestionAnswer | SkillExample] = parsed.seed_examples
    return [_Item(seed_id=f"{prefix}-{i + 1}", question=ex.question, answer=ex.answer,
                  context=ex.context if isinstance(ex, SkillExample) else None,
                  keys=["seed_examples", i])
            for i, ex in enumerate(examples)]


def _schema(schemas: dict[int, type[BaseModel]], data: dict[str, Any], text: str,
            path: Path) -> type[BaseModel]:
    """The model of the file's ``version`` (absent means 1, as in InstructLab)."""
    version = data.get("version", 1)
    if isinstance(version, int) and not isinstance(version, bool) and version in schemas:
        return schemas[version]
    known = ", ".join(str(v) for v in sorted(schemas))
    raise StudioError(f"version: {version!r} is not a qna.yaml schema version this reads "
                      f"({known})", path, line_of(text, ["version"]) or 1)


def _is_knowledge(path: Path, data: dict[str, Any]) -> bool:
    """The taxonomy folder decides, as in InstructLab; outside one, a ``document`` key does."""
    if "knowledge" in path.parts:
        return True
    if "compositional_skills" in path.parts:
        return False
    return "document" in data or "document_outline" in data


def _validate(model: type[BaseModel], data: Any, text: str, path: Path) -> Any:
    """validate_yaml, pointing a missing top-level key at line 1 rather than at no line."""
    try:
        return validate_yaml(model, data, text, path)
    except StudioError as exc:
        if exc.line is None:
            raise StudioError(exc.problem, path, 1) from exc
        raise


def words(text: str) -> set[str]:
    """Content words, lower-cased: what two texts about the same rule tend to share."""
    return set(content_words(text))


def match_policy(question: str, answer: str, context: str | None,
                 policies: list[Policy]) -> Policy | None:
    """The policy a Q&A illustrates, or None when no policy is close enough.

    A context copied from the document contains several statements; those whose words are
    (nearly) all in it are the candidates, and the one closest to the question and answer wins.
    """
    qa = words(f"{question} {answer}")
    if context:
        ctx = words(context)
        inside = [p for p in policies if _containment(words(p.text), ctx) >= CONTEXT_CONTAINMENT]
        best = _closest(inside, qa)
        if best is not None and _cosine(words(best.text), qa) > 0:
            return best
    best = _closest(policies, qa)
    if best is not None and _cosine(words(best.text), qa) >= ANSWER_SIMILARITY:
        return best
    return None


def _closest(policies: list[Policy], target: set[str]) -> Policy | None:
    """Highest cosine; ties go to the earlier policy in document order."""
    return max(policies, key=lambda p: _cosine(words(p.text), target), default=None)


def _containment(part: set[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if len(part) >= 3 else 0.0


def _cosine(a: set[str], b: set[str]) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0
