"""Policy documents: sections, individual policies with stable IDs."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Modality(str, Enum):
    """What kind of norm a statement expresses."""

    obligation = "obligation"
    prohibition = "prohibition"
    permission = "permission"
    recommendation = "recommendation"
    definition = "definition"
    informational = "informational"


class Form(str, Enum):
    """How the statement appeared in the source document."""

    prose = "prose"
    list_item = "list_item"
    qa = "qa"
    callout = "callout"


class Span(BaseModel):
    """Character offsets of the statement in the normalised source text (1-based lines)."""

    model_config = ConfigDict(extra="forbid")
    start_line: int
    end_line: int


class Policy(BaseModel):
    """One individual, enforceable statement of a policy document."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    modality: Modality
    section_id: str
    form: Form = Form.prose
    question: str | None = None
    span: Span | None = None
    paragraph: int = Field(0, description="ordinal of the source block (paragraph, item) "
                           "within its section; statements split from one block share it")
    actor: str | None = Field(None, description="who the statement addresses ('employees')")
    conditions: list[str] = Field(default_factory=list,
                                  description="when it applies ('if you travel abroad')")
    exceptions: list[str] = Field(default_factory=list,
                                  description="when it does not ('unless approved by Legal')")
    refs: list[str] = Field(default_factory=list,
                            description="cross-references: policy or section IDs it points to")
    terms: list[str] = Field(default_factory=list, description="defined terms it defines")


class Section(BaseModel):
    """A heading of the document and what lies under it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    level: int
    policies: list[Policy] = Field(default_factory=list)
    children: list[Section] = Field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        """This section, then every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


class PolicyDocument(BaseModel):
    """A parsed policy document; ``sha256`` is the hash of the raw source bytes."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    version: str
    source: str
    sha256: str
    sections: list[Section] = Field(default_factory=list)

    def all_sections(self) -> list[Section]:
        return [s for top in self.sections for s in top.walk()]

    def policies(self) -> list[Policy]:
        return [p for s in self.all_sections() for p in s.policies]

    def section(self, section_id: str) -> Section:
        for s in self.all_sections():
            if s.id == section_id:
                return s
        raise KeyError(section_id)
