"""The audit report: report.json (everything), report.md (summary.py, markdown.py) and the
self-contained report.html (html.py, plots.py). This package writes a report folder and is the
one reader of it."""

from __future__ import annotations

from pathlib import Path

from alignment_studio.auditors.report.html import HTML_FILE, write_html
from alignment_studio.auditors.report.markdown import render_markdown
from alignment_studio.auditors.report.summary import closed_book_line, summary_table
from alignment_studio.types import AuditReport

REPORT_JSON, REPORT_MD = "report.json", "report.md"


def write_report(report: AuditReport, folder: Path,
                 training: dict[str, list[str]] | None = None) -> None:
    """report.json (everything), report.md (for reading in a terminal or a pull request) and
    report.html (self-contained, with plots; ``training`` maps policies to their train items)."""
    (folder / REPORT_JSON).write_text(report.model_dump_json(indent=2), encoding="utf-8")
    (folder / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
    policies = {f.policy_ids[0]: f.policy_text for f in report.findings
                if f.policy_ids and f.policy_text}
    policies |= {row.policy_id: row.text for row in report.per_policy if row.text}
    write_html(report, folder, policies, training)


def read_report(folder: Path) -> AuditReport | None:
    """The report written to ``folder`` (None when there is none)."""
    path = json_path(folder)
    return AuditReport.model_validate_json(path.read_text("utf-8")) if path.is_file() else None


def json_path(folder: Path) -> Path:
    """Where ``write_report`` puts the whole report, as JSON, in ``folder``."""
    return folder / REPORT_JSON


def html_path(folder: Path) -> Path:
    """Where ``write_report`` puts the HTML report in ``folder`` (``write_html`` names it)."""
    return folder / HTML_FILE


__all__ = ["closed_book_line", "html_path", "json_path", "read_report", "render_markdown",
           "summary_table", "write_report"]
