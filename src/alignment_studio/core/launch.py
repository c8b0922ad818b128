"""Which process of a multi-GPU launch this is (``accelerate launch`` / torchrun set these)."""

from __future__ import annotations

import os


def rank() -> int:
    """This process's rank (0 when run alone); only rank 0 writes artifacts."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """How many processes the launch started (1 when run alone)."""
    return int(os.environ.get("WORLD_SIZE", "1"))
