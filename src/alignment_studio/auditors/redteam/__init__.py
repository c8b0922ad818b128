"""Red teaming: attacks per policy from named strategies, attack success rates with intervals,
and confirmed failures promoted to seeds and regression tests.

The redteam stage (:mod:`alignment_studio.stages.redteam`) runs them against a workspace's
models and writes promotions into it.
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
    "record_from_outcome", "register", "run_attacks", "summarise", "teacher_attacks",
]
