"""Pydantic types that cross module boundaries. No I/O beyond (de)serialisation."""

from alignment_studio.types.audit import (
    OUTCOMES,
    Agreement,
    AttackOutcome,
    AuditReport,
    Finding,
    Interval,
    ItemResult,
    JudgeReport,
    LineageEntry,
    Outcome,
    PolicyScores,
    RateScore,
    RedTeamReport,
    Score,
    SideBySide,
    SideBySideRow,
)
from alignment_studio.types.data import (
    DatasetBundle,
    Dropped,
    Example,
    Kind,
    Label,
    LeakCheck,
    Manifest,
    Message,
    Provenance,
    Split,
)
from alignment_studio.types.models import ModelRef
from alignment_studio.types.ontology import (
    Category,
    Concept,
    ConceptSource,
    CueVariant,
    Ontology,
    Relation,
    RelationType,
)
from alignment_studio.types.policy import (
    Action,
    Form,
    Modality,
    Policy,
    PolicyDocument,
    Section,
    Span,
    expand_scopes,
)

__all__ = [
    "OUTCOMES", "Action", "Agreement", "AttackOutcome", "Interval", "JudgeReport", "Outcome",
    "RateScore", "RedTeamReport", "SideBySide", "SideBySideRow",
    "AuditReport", "DatasetBundle", "Dropped", "Example", "Finding", "Form", "ItemResult", "Kind",
    "Label", "LeakCheck", "LineageEntry", "Manifest", "Message", "Modality", "ModelRef", "Policy",
    "PolicyDocument",
    "PolicyScores", "Provenance", "Score", "Section", "Span", "Split", "expand_scopes",
    "Category", "Concept", "ConceptSource", "CueVariant", "Ontology", "Relation", "RelationType",
]
