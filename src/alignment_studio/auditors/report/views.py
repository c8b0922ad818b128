"""The view models of report.html: plain, typed data the templates lay out. The choices (which
rows, in which order, with which limits, which policies get a section) are made in html.py,
where they can be read and tested; these types carry them to the templates."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from alignment_studio.types import (
    AttackOutcome,
    AuditReport,
    Finding,
    LineageEntry,
    RateScore,
    Score,
    SideBySideRow,
)
from alignment_studio.types.audit import ModelGrades

# -- anchors -------------------------------------------------------------------------------------

def anchor(prefix: str, key: str) -> str:
    """A valid, unique HTML id for any string: a readable slug plus a hash of the raw key, so
    IDs that differ only in punctuation ("a/b" and "a.b") never share an anchor."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")[:48] or "x"
    return f"{prefix}-{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def policy_anchor(policy_id: str) -> str:
    """The id of a policy's section in report.html (findings link to ``#`` + this)."""
    return anchor("policy", policy_id)


def finding_anchor(index: int) -> str:
    """The id of the finding numbered ``index`` (from 1), which its policy's section links to."""
    return f"finding-{index}"


# -- view models: what the templates are given ---------------------------------------------------
# Plain, typed data: the choices (rows, order, limits, which policies get a section) are made
# here, where they can be read and tested; the templates only lay them out.

@dataclass(frozen=True)
class PolicyLink:
    """A link to a policy's section. Only ``PageContext.link`` makes one, and it records the
    policy, so every link the page shows has a section to land on."""

    policy_id: str
    anchor: str


@dataclass(frozen=True)
class ArtifactRef:
    """An artifact named in the lineage; ``anchor`` is empty when it has no row to jump to."""

    name: str
    anchor: str = ""


@dataclass(frozen=True)
class FindingRef:
    index: int
    anchor: str


@dataclass(frozen=True)
class Pair:
    """The same metric before and after alignment (base, aligned); either may be missing."""

    before: Score | None
    after: Score | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after.value - self.before.value


@dataclass(frozen=True)
class MatrixRow:
    label: str
    n: int  # the most items any column scored this metric on
    scores: list[Score | None]
    change: Pair  # the change column's two scores (unused when the matrix has none)


@dataclass(frozen=True)
class ScoreMatrix:
    """Metrics as rows, one column per variant or model; ``change`` names the two columns whose
    difference gets a last column (None: no such column)."""

    columns: list[str]
    change: tuple[str, str] | None
    rows: list[MatrixRow]


@dataclass(frozen=True)
class Count:
    label: str
    value: float
    share: float | None  # of all counts in the table; None when they add up to nothing


@dataclass(frozen=True)
class RateRow:
    key: str  # a strategy, or a policy ID
    link: PolicyLink | None  # set when the rows are policies
    rates: list[RateScore | None]


@dataclass(frozen=True)
class RateMatrix:
    by_policy: bool
    models: list[str]
    rows: list[RateRow]


@dataclass(frozen=True)
class Section:
    """One ``<section>`` of the page: ``macro`` names its macro in _sections.html.j2, which is
    given ``body``; a section that did not run is listed greyed out in the contents."""

    id: str
    title: str
    macro: str
    body: object
    ran: bool = True


@dataclass(frozen=True)
class Page:
    title: str
    meta: list[tuple[str, str]]
    sections: list[Section]


# -- section bodies, in page order: each is given to the macro its section names -----------------

@dataclass(frozen=True)
class SummaryBody:
    ci_methods: str
    matrix: ScoreMatrix
    variants: list[tuple[str, str]]


@dataclass(frozen=True)
class PolicyRow:
    link: PolicyLink
    text: str
    pairs: list[Pair]


@dataclass(frozen=True)
class PerPolicyBody:
    labels: list[str]
    rows: list[PolicyRow]


@dataclass(frozen=True)
class ConfusionRow:
    expected: str
    cells: list[tuple[str, int]]  # (verdict said, items)
    total: int


@dataclass(frozen=True)
class Confusion:
    variant: str
    predicted: list[str]
    rows: list[ConfusionRow]
    right: int
    total: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.total if self.total else None


@dataclass(frozen=True)
class OutcomeRow:
    link: PolicyLink
    counts: list[int]
    total: int


@dataclass(frozen=True)
class PairExample:
    row: SideBySideRow
    links: list[PolicyLink]


@dataclass(frozen=True)
class ExampleGroup:
    label: str
    examples: list[PairExample]


@dataclass(frozen=True)
class SideBySideBody:
    counts: list[Count]
    outcomes: list[str]
    per_policy: list[OutcomeRow]
    examples: list[ExampleGroup]


@dataclass(frozen=True)
class GradeCell:
    mean: float
    scored: int


@dataclass(frozen=True)
class GradeRow:
    grades: ModelGrades
    cells: list[GradeCell | None]


@dataclass(frozen=True)
class HumanGradesBody:
    criteria: list[str]
    rows: list[GradeRow]


@dataclass(frozen=True)
class Calibration:
    n: int
    scores: list[tuple[str, Score]]
    chart: Markup


@dataclass(frozen=True)
class JudgeBody:
    judge: str
    rubric: ScoreMatrix | None
    pairwise: list[Count]
    calibration: Calibration | None
    cost: list[tuple[str, float]]


@dataclass(frozen=True)
class Attack:
    outcome: AttackOutcome
    links: list[PolicyLink]


@dataclass(frozen=True)
class AttackGroup:
    model: str
    attacks: list[Attack]
    successes: int


@dataclass(frozen=True)
class HumanRecords:
    columns: list[str]
    rows: list[list[str]]  # the first MAX_HUMAN records
    total: int


@dataclass(frozen=True)
class RedTeamBody:
    overall: list[tuple[str, RateScore]]
    strategy_chart: Markup  # empty when there are no per-strategy rates
    per_strategy: RateMatrix | None
    per_policy: RateMatrix | None
    attacks: list[AttackGroup]
    human: HumanRecords | None


@dataclass(frozen=True)
class TrainingBody:
    columns: list[str]
    rows: list[list[float | None]]


@dataclass(frozen=True)
class ConflictsBody:
    columns: list[tuple[str, str]]  # (metric label, model)
    rows: list[tuple[str, list[Score | None]]]


@dataclass(frozen=True)
class FindingItem:
    index: int
    anchor: str
    finding: Finding
    links: list[PolicyLink]
    trained: list[str]


@dataclass(frozen=True)
class FindingsBody:
    total: int  # in the report; at most MAX_FINDINGS are shown
    findings: list[FindingItem]


@dataclass(frozen=True)
class PolicyScore:
    label: str
    before: Score | None
    after: Score


@dataclass(frozen=True)
class PolicyItem:
    policy_id: str
    anchor: str
    text: str
    scores: list[PolicyScore]
    findings: list[FindingRef]
    trained: list[str]


@dataclass(frozen=True)
class LineageRow:
    entry: LineageEntry
    anchor: str
    inputs: list[ArtifactRef]


@dataclass(frozen=True)
class LineageBody:
    policy_version: str
    rows: list[LineageRow]
    last: ArtifactRef | None


@dataclass
class PageContext:
    """What every section needs: the report, the policy texts and training data it is traced
    to, and the policies linked so far (each gets its own section, so no link dangles)."""

    report: AuditReport
    texts: dict[str, str]
    training: dict[str, list[str]]
    linked: dict[str, None] = field(default_factory=dict)

    def link(self, policy_id: str) -> PolicyLink:
        self.linked[policy_id] = None
        return PolicyLink(policy_id, policy_anchor(policy_id))

    def links(self, policy_ids: Iterable[str]) -> list[PolicyLink]:
        return [self.link(p) for p in policy_ids]
