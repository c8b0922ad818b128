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
    table_row = "table_row"


class Span(BaseModel):
    """Character offsets of the statement in the normalised source text (1-based lines)."""

    model_config = ConfigDict(extra="forbid")
    start_line: int
    end_line: int


class Action(BaseModel):
    """What a statement is about doing: the verb's lemma and its object ("share", "password")."""

    model_config = ConfigDict(extra="forbid")
    verb: str
    object: str | None = None

    @property
    def phrase(self) -> str:
        return f"{self.verb} {self.object}" if self.object else self.verb


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
    actor: str | None = Field(None, description="who must, may or must not act ('employee')")
    negated: bool = Field(False, description="the norm is said through a negation "
                          "('must not', 'never', 'no one may', 'do not need to')")
    action: Action | None = Field(None, description="the act the norm is about")
    headers: list[str] = Field(default_factory=list,
                               description="a table row's column headers, one per cell")
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


def expand_scopes(prefixes: list[str], documents: list[PolicyDocument]) -> list[str]:
    """Each prefix followed by the ID of every policy under it, in order.

    A prefix names a document, a section (with the sections nested under it) or a policy.
    Policy IDs are content anchors (``doc/p-<hash>``) that do not contain their section, so a
    section prefix is resolved through the documents' section trees here; matching by
    ``id.startswith(prefix + "/")`` then covers them."""
    under: dict[str, list[str]] = {}
    for document in documents:
        under[document.id] = [p.id for p in document.policies()]
        for top in document.sections:
            for section in top.walk():
                under[section.id] = [p.id for s in section.walk() for p in s.policies]
    return list(dict.fromkeys(
        pid for prefix in prefixes for pid in [prefix, *under.get(prefix.rstrip("/"), [])]))
