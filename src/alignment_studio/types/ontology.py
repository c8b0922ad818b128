"""The domain ontology of a set of policy documents: typed concepts, is-a edges and relations,
each linked to the policies that mention or support it."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Category(str, Enum):
    """What kind of thing a concept is; scenario generation varies cues within a category."""

    organisation = "organisation"
    role = "role"
    person = "person"
    asset = "asset"
    information_type = "information_type"
    action = "action"
    place = "place"
    event = "event"
    other = "other"


class ConceptSource(str, Enum):
    """``document``: the policy text names or defines it; ``lexicon``: only the general
    vocabulary does (an ancestor that ties document concepts together)."""

    document = "document"
    lexicon = "lexicon"


class RelationType(str, Enum):
    is_a = "is_a"
    part_of = "part_of"
    performs = "performs"
    handles = "handles"
    protects = "protects"
    reports_to = "reports_to"
    related_to = "related_to"


class Concept(BaseModel):
    """A term of the domain. ``policy_ids`` are the policies whose text mentions it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="slug of the label")
    label: str
    category: Category = Category.other
    synonyms: list[str] = Field(default_factory=list)
    definition: str | None = Field(None, description="the defining passage, when one defines it")
    defined_in: str | None = Field(None, description="ID of the policy that defines it")
    policy_ids: list[str] = Field(default_factory=list)
    source: ConceptSource = ConceptSource.document


class Relation(BaseModel):
    """A typed edge between two concepts; ``evidence`` holds the IDs of the policies behind it
    (empty when the edge comes from the lexicon alone)."""

    model_config = ConfigDict(extra="forbid")
    source: str
    type: RelationType
    target: str
    evidence: list[str] = Field(default_factory=list)


class CueVariant(BaseModel):
    """A term of a policy's text and a substitute that keeps the policy applicable.

    ``relation`` says why the swap is safe: ``synonym`` (same meaning), ``hyponym`` (a kind of
    the term, so a rule about the term covers it) or ``sibling`` (another kind of ``via``, a
    hypernym that the policy itself names)."""

    model_config = ConfigDict(extra="forbid")
    policy_id: str
    concept_id: str
    term: str = Field(description="the words as they appear in the policy text")
    substitute: str
    relation: str
    via: str | None = None

    def apply(self, text: str) -> str:
        """``text`` with the first whole-word, case-insensitive occurrence of the term
        replaced by the substitute (unchanged when the term does not occur)."""
        pattern = re.compile(rf"(?<![\w-]){re.escape(self.term)}(?![\w-])", re.I)
        return pattern.sub(lambda _: self.substitute, text, count=1)


class Ontology(BaseModel):
    model_config = ConfigDict(extra="forbid")
    concepts: list[Concept] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)

    def concept(self, concept_id: str) -> Concept:
        """The concept with this ID; KeyError when there is none."""
        for c in self.concepts:
            if c.id == concept_id:
                return c
        raise KeyError(concept_id)

    def mentions(self, policy_id: str) -> list[Concept]:
        """Concepts whose label or synonyms occur in the policy's text."""
        return [c for c in self.concepts if policy_id in c.policy_ids]

    def terms_of(self, policy_id: str) -> list[Concept]:
        """Concepts that the policy defines (its defined terms, as ``Policy.terms``)."""
        return [c for c in self.concepts if c.defined_in == policy_id]

    def parents(self, concept_id: str) -> list[str]:
        """Direct is-a parents of a concept."""
        return [r.target for r in self.relations
                if r.source == concept_id and r.type == RelationType.is_a]

    def children(self, concept_id: str) -> list[str]:
        """Direct is-a children of a concept."""
        return [r.source for r in self.relations
                if r.target == concept_id and r.type == RelationType.is_a]
