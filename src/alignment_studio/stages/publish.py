"""Publishing an audit: the report in ``DIR/reports/`` with what people recorded since (red-team
records, comparison grades), and reading the reports back."""

from __future__ import annotations

from pathlib import Path

from alignment_studio.auditors.compare import grade_summary
from alignment_studio.auditors.report import html_path, json_path, read_report, write_report
from alignment_studio.core.errors import StudioError
from alignment_studio.types import AuditReport, RedTeamReport
from alignment_studio.workspace import Artifact, Workspace


def publish(ws: Workspace, report: AuditReport,
            training: dict[str, list[str]]) -> AuditReport:
    """Write the report to DIR/reports/ (the store keeps the audit's own copy), with the human
    red-team records and side-by-side grades as they stand now, so recording one needs no new
    audit."""
    records = [r.model_dump(mode="json") for r in ws.db.list_records()]
    red = (report.redteam or RedTeamReport()) if records or report.redteam else None
    if red is not None:
        report = report.model_copy(update={"redteam": red.model_copy(
            update={"human": records})})
    report = report.model_copy(update={"human_grades": grade_summary(ws.db.list_grades())})
    write_report(report, ws.output_dir("reports"), training)
    return report


def of_artifact(ws: Workspace, artifact: Artifact) -> AuditReport:
    """The report a report artifact holds."""
    report = read_report(ws.store.path_of(artifact))
    if report is None:
        raise StudioError("the report artifact has no report", ws.store.path_of(artifact))
    return report


def latest(ws: Workspace) -> tuple[Artifact, AuditReport]:
    """The newest audit of the workspace."""
    artifact = ws.store.latest("report")
    if artifact is None:
        raise StudioError("no audit yet: run 'alignment-studio audit DIR' first", ws.root)
    return artifact, of_artifact(ws, artifact)


def for_model(ws: Workspace, model_id: str) -> AuditReport | None:
    """The newest audit report of a model, if it has been audited."""
    reports = [a for a in ws.store.all() if a.kind == "report" and model_id in a.inputs]
    return of_artifact(ws, reports[-1]) if reports else None


def published(ws: Workspace) -> AuditReport | None:
    """The report in DIR/reports/ (None before any audit)."""
    return read_report(ws.reports_dir)


def published_json(ws: Workspace) -> Path:
    """Where the published report is, as JSON (it may not exist yet)."""
    return json_path(ws.reports_dir)


def published_html(ws: Workspace) -> Path:
    """Where the published HTML report is (it may not exist yet)."""
    return html_path(ws.reports_dir)
