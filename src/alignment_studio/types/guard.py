"""What the runtime guard decided about one request or answer (served, logged, monitored)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class GuardDecision(BaseModel):
    """What the guard decided for one input or output. ``action`` is the action taken: the
    guard's own when flagged, ``allow`` otherwise; ``message`` is what to show: the refusal that
    replaces the answer (block), a note to attach (warn), or nothing (log, allow)."""

    model_config = ConfigDict(extra="forbid")
    stage: Literal["input", "output"]
    flagged: bool
    probability: float
    action: Literal["block", "warn", "log", "allow"]
    message: str
