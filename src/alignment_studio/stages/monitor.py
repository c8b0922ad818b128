"""Monitoring after deployment: logged conversations (from the server, or imported) in windows,
screened by the newest detectors and for refusals, with drift and threshold breaches; written to
``DIR/reports/monitor.md`` and ``monitor.json``."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from alignment_studio.core.errors import StudioError
from alignment_studio.guard.monitor import (
    ImportResult,
    MonitorReport,
    ReferenceRate,
    import_conversations,
    monitor,
    write_monitor,
)
from alignment_studio.stages import detect, publish
from alignment_studio.workspace import Workspace

console = Console(stderr=True)


def import_file(ws: Workspace, path: Path, model: str) -> ImportResult:
    """A JSONL conversation log into the workspace database, redacted on the way in."""
    return import_conversations(ws.db, path, model)


def audit_reference(ws: Workspace) -> dict[str, ReferenceRate]:
    """The newest audit's over-refusal of the aligned model, as the drift reference."""
    _, report = publish.latest(ws)
    refusal = next((s for s in report.summary.get("aligned", [])
                    if s.metric == "over_refusal"), None)
    if refusal is None:
        raise StudioError("monitor.reference is 'audit' but the last audit has no over-refusal "
                          "figure", ws.config_path)
    return {"refusal_rate": ReferenceRate(rate=refusal.value, n=refusal.n)}


def report(ws: Workspace, model: str | None = "aligned") -> MonitorReport:
    """Logged conversations of ``model`` (None = all) in windows: detector flag rates and
    refusals, drift and threshold breaches; written to DIR/reports/monitor.md and .json."""
    settings = ws.config.monitor
    conversations = ws.db.list_conversations(model=model)
    if not conversations:
        raise StudioError(f"no logged conversations{f' of {model}' if model else ''}: "
                          "serve with logging on, or 'alignment-studio monitor import'", ws.root)
    if ws.store.latest("detector") is None:
        console.print("monitor: no trained detector yet (run an audit with "
                      "audit.detector.enabled on); only refusals are measured")
    reference = audit_reference(ws) if settings.reference == "audit" else None
    result = monitor(conversations, detect.latest(ws, "input"), detect.latest(ws, "output"),
                     settings, reference)
    write_monitor(result, ws.output_dir("reports"))
    return result
