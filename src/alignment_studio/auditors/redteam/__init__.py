"""Red teaming: attacks per policy from named strategies, attack success rates with intervals,
and confirmed failures promoted to seeds and regression tests.

The CLI (``alignment-studio redteam run|record|list|promote``) calls only what is exported here
and :class:`alignment_studio.workspace.db.StudioDB`.
"""

from alignment_studio.auditors.redteam.attacks import (
    STRATEGIES,
    Attack,
    Goal,
    Strategy,
    collect_goals,
    generate_attacks,
    get_strategy,
    register,
    teacher_attacks,
)
from alignment_studio.auditors.redteam.promote import (
    Promotion,
    load_regression,
    promote,
    record_from_outcome,
)
from alignment_studio.auditors.redteam.run import (
    SuccessJudge,
    merge_reports,
    run_attacks,
    summarise,
)

__all__ = [
    "STRATEGIES", "Attack", "Goal", "Promotion", "Strategy", "SuccessJudge",
    "collect_goals", "generate_attacks", "get_strategy", "load_regression", "merge_reports",
    "promote", "record_from_outcome", "register", "run_attacks", "summarise", "teacher_attacks",
]
