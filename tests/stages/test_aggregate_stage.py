"""aggregate.enabled: instruct trains one adapter per declared value; `ask --model aggregated`
answers through the contextual aggregator; the audit runs the conflict suite on it too.
Real embedded model, a tiny slice, through the console script as a user runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alignment_studio.stages import audit
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig
from cli_run import cli, one_line_error

pytestmark = pytest.mark.slow
Trained = Callable[[Callable[[StudioConfig], None]], Path]  # the fixture in conftest.py


def test_value_adapters_ask_and_audit(trained: Trained) -> None:
    def configure(config: StudioConfig) -> None:
        config.aggregate.enabled = True

    ws = trained(configure)

    early = cli("ask", ws, "May I accept a gift?", "--model", "aggregated")
    one_line_error(early, "no aggregated model", "instruct")

    done = cli("instruct", ws)
    assert done.returncode == 0, done.stderr
    assert "value adapters" in done.stdout and "integrity" in done.stdout

    studio = Workspace(ws)
    mixed = studio.store.latest("value-adapters")
    assert mixed is not None
    adapters = json.loads((studio.store.path_of(mixed) / "adapters.json").read_text())
    assert set(adapters) == {"integrity", "conduct"}
    for rel in adapters.values():
        assert (studio.store.path_of(mixed) / rel / "adapter_model.safetensors").is_file()

    asked = cli("ask", ws, "A competitor's employee offers me their price list. May I take it?",
                "--model", "aggregated", "--context", "team=sales", "--show-prompt",
                "--max-new-tokens", "24")
    assert asked.returncode == 0, asked.stderr
    assert "Context: team=sales" in asked.stdout  # the context line travels in the prompt
    assert asked.stdout.strip().splitlines()[-1].strip()  # a non-empty answer

    bad = cli("ask", ws, "hello", "--context", "team")
    one_line_error(bad, "--context expects KEY=VALUE")

    report = audit.report(studio)
    assert "aggregated" in report.conflicts and "all" in report.conflicts["aggregated"]
    audited = studio.store.latest("report")
    assert audited is not None and mixed.id in audited.inputs
