"""Alignment Studio: align an open LLM to your own policies, clause by clause."""

__version__ = "0.1.0"
