"""Audit results, tied to policy clauses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types.data import Message
from alignment_studio.types.models import ModelRef

Outcome = Literal["both_good", "only_unaligned_good", "only_aligned_good", "both_fail"]
OUTCOMES: tuple[Outcome, ...] = ("both_good", "only_unaligned_good", "only_aligned_good",
                                 "both_fail")


class Interval(BaseModel):
    """A confidence interval around a score (95 % unless ``level`` says otherwise)."""

    model_config = ConfigDict(extra="forbid")
    low: float
    high: float
    level: float = 0.95
    method: Literal["wilson", "bootstrap"] = "wilson"


class Score(BaseModel):
    """A metric for one model; ``n`` items behind it, and its interval when one is known."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    value: float
    n: int
    ci: Interval | None = None


class PolicyScores(BaseModel):
    """Base and aligned scores for one policy."""

    model_config = ConfigDict(extra="forbid")
    policy_id: str
    text: str
    base: list[Score] = Field(default_factory=list)
    aligned: list[Score] = Field(default_factory=list)


class Finding(BaseModel):
    """One item the aligned model got wrong (or worse than base), traced to its policy."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    policy_ids: list[str]
    kind: str
    expected: str
    base_output: str
    aligned_output: str
    note: str = ""
    policy_text: str = Field("", description="the clause the finding is about, as parsed")
    training_examples: list[str] = Field(
        default_factory=list, description="IDs of train-split items of the same policy, or of "
        "its section when the policy was held out: the data that taught the behaviour")


class ItemResult(BaseModel):
    """One test item answered by one model, scored."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    policy_ids: list[str]
    kind: str
    source: str = ""  # seed (expert-written reference) | structure | teacher | person
    book: str = "guardian"  # guardian (the clause given) | closed (the user's words alone)
    expected: str
    output: str
    correct: bool | None = None
    rouge_l: float | None = None
    cited: bool = False
    predicted: str | None = Field(None, description="scenario items: the verdict parsed from "
                                  "the answer (compliant, violating, needs_info) or None")
    choice: str | None = Field(None, description="scenario items: the verdict the model finds "
                               "most likely at the answer's start (constrained choice), None "
                               "when the backend cannot score text")
    calibrated: str | None = Field(None, description="scenario items: the constrained choice "
                                   "after batch calibration (each label's likelihood less its "
                                   "mean over the items asked the same way), None as choice")
    anchored: str | None = Field(None, description="closed-book scenario items: the constrained "
                                 "choice less each label's mean likelihood over training "
                                 "questions asked the same way (no label used; what serving "
                                 "could do), None without them")
    cited_ids: list[str] = Field(default_factory=list, description="policy IDs the answer names")
    refused: bool = False
    asks_for_info: bool = False
    judge: dict[str, float] = Field(default_factory=dict, description="rubric scores of the "
                                    "LLM judge, criterion -> 1..5, when a judge ran")


class LineageEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: str
    kind: str
    sha256: str
    inputs: list[str] = Field(default_factory=list)


class SideBySideRow(BaseModel):
    """One item answered by the unaligned (base) and the aligned model, and which was good."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    policy_ids: list[str]
    outcome: Outcome
    expected: str
    base_output: str
    aligned_output: str


class SideBySide(BaseModel):
    """The four outcomes of the method's side-by-side comparison, overall and per policy."""

    model_config = ConfigDict(extra="forbid")
    counts: dict[str, int] = Field(default_factory=dict, description="outcome -> items")
    per_policy: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="policy ID -> outcome -> items")
    examples: dict[str, list[SideBySideRow]] = Field(
        default_factory=dict, description="outcome -> a few items, for reading")


class RateScore(BaseModel):
    """A success rate with its Wilson interval: ``successes`` of ``n`` for one key."""

    model_config = ConfigDict(extra="forbid")
    key: str
    n: int
    successes: int
    rate: float
    ci: Interval


class AttackOutcome(BaseModel):
    """One red-team attack against one model and whether it succeeded."""

    model_config = ConfigDict(extra="forbid")
    attack_id: str
    strategy: str
    policy_ids: list[str]
    messages: list[Message]
    output: str
    success: bool
    why: str = Field("", description="what decided success (detector, judge, refusal)")


class RedTeamReport(BaseModel):
    """Attack success rates per strategy and per policy, for each model attacked."""

    model_config = ConfigDict(extra="forbid")
    per_strategy: dict[str, list[RateScore]] = Field(default_factory=dict)
    per_policy: dict[str, list[RateScore]] = Field(default_factory=dict)
    overall: dict[str, RateScore] = Field(default_factory=dict)
    outcomes: dict[str, list[AttackOutcome]] = Field(default_factory=dict)
    human: list[dict[str, object]] = Field(
        default_factory=list, description="human red-team records stored in the workspace")


class Agreement(BaseModel):
    """A judge against the human-labelled gold set."""

    model_config = ConfigDict(extra="forbid")
    n: int
    accuracy: Score
    kappa: Score
    flip_rate: Score | None = Field(None, description="share of verdicts that change when the "
                                    "rubric is reworded (stability)")


class JudgeReport(BaseModel):
    """What the LLM judge said: rubric means per model, pairwise wins, calibration, cost."""

    model_config = ConfigDict(extra="forbid")
    judge: str
    rubric: dict[str, list[Score]] = Field(default_factory=dict, description="variant -> mean "
                                           "of each criterion (1..5) and pass rate")
    pairwise: dict[str, int] = Field(default_factory=dict, description="aligned_wins, "
                                     "base_wins, ties, inconsistent (verdict flips with order)")
    calibration: Agreement | None = None
    cost: dict[str, float] = Field(default_factory=dict, description="items, seconds, "
                                   "prompt_tokens, completion_tokens, malformed")


class ModelGrades(BaseModel):
    """What people said of one model's answers when they graded two models side by side in
    the web studio (``grades`` table): mean scores and how often it was preferred."""

    model_config = ConfigDict(extra="forbid")
    model: str
    graded: int = Field(description="graded comparisons this model answered in")
    means: dict[str, float] = Field(default_factory=dict, description="criterion "
                                    "(correctness, faithfulness, completeness) -> mean of 1..5")
    scored: dict[str, int] = Field(default_factory=dict,
                                   description="criterion -> answers scored on it")
    wins: int = 0
    losses: int = 0
    ties: int = 0


class AuditReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: ModelRef
    baseline: ModelRef
    policy_version: str
    summary: dict[str, list[Score]] = Field(
        default_factory=dict, description="variant (base, base+prompt, base+rag, aligned, "
        "aligned+rag) -> scores on the domain suites")
    per_policy: list[PolicyScores] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    items: dict[str, list[ItemResult]] = Field(default_factory=dict)
    conflicts: dict[str, dict[str, list[Score]]] = Field(
        default_factory=dict, description="model -> context -> precedence_accuracy and "
        "cites_both on the held-out conflict items (the conflict test suite)")
    confusion: dict[str, dict[str, dict[str, int]]] = Field(
        default_factory=dict, description="variant -> expected verdict -> predicted -> items "
        "(predicted 'none' when no verdict could be read)")
    side_by_side: SideBySide | None = None
    general: dict[str, list[Score]] = Field(
        default_factory=dict, description="general-capability benchmark per variant (forgetting)")
    judge: JudgeReport | None = None
    redteam: RedTeamReport | None = None
    detector: dict[str, float] = Field(
        default_factory=dict, description="the policy-violation detector's held-out figures")
    training_eval: list[dict[str, float]] = Field(
        default_factory=list, description="the evaluation callback's points during training")
    variants: dict[str, str] = Field(default_factory=dict,
                                     description="variant name -> what it is")
    config: dict[str, object] = Field(default_factory=dict)
    lineage: list[LineageEntry] = Field(default_factory=list)
    human_grades: list[ModelGrades] = Field(
        default_factory=list, description="the people's side-by-side grades stored in the "
        "workspace, per model; read fresh whenever the report is published")
