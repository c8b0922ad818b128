"""monitor import / monitor report through the console script, as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from alignment_studio.workspace.db import StudioDB
from cli_run import cli, one_line_error


def write_log(path: Path, refusals_per_day: list[int], per_day: int = 20) -> Path:
    lines = []
    for day, refusals in enumerate(refusals_per_day):
        for i in range(per_day):
            output = "I can't help with that." if i < refusals else "Yes, under $50 if reported."
            lines.append({"messages": [{"role": "user", "content": f"Gift {i}? I'm ann@x.org"}],
                          "output": output, "created_at": f"2026-11-{10 + day:02d}T09:{i:02d}Z"})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_import_then_report_breach_and_drift(workspace: Path, tmp_path: Path) -> None:
    one_line_error(cli("monitor", "report", workspace), "no logged conversations")
    log = write_log(tmp_path / "log.jsonl", [2, 2, 12])
    done = cli("monitor", "import", workspace, log)
    assert done.returncode == 0, done.stderr
    assert "60 added, 0 already there" in done.stdout
    assert "0 added, 60 already there" in cli("monitor", "import", workspace, log).stdout
    stored = StudioDB(workspace).list_conversations()
    assert "[EMAIL]" in stored[0].messages[0].content and "ann@x.org" not in stored[0].output

    config = workspace / "studio.yaml"
    config.write_text(config.read_text().replace(
        "    max_refusal_rate: null", "    max_refusal_rate: 0.3"))
    report = cli("monitor", "report", workspace, "--fail-on-breach")
    # day 3: 12 of 20 refuse = 0.6 > 0.3; days 1-2: 0.1. The z-test against day 1:
    # pooled 14/40 = 0.35, z = 0.5 / sqrt(0.35 * 0.65 * 0.1) = 3.31, p < 0.01: drift
    assert report.returncode == 1, report.stderr
    assert "breach: refusal_rate 0.600 > 0.3 in the window from 2026-11-12 00:00" in report.stdout
    text = (workspace / "reports" / "monitor.md").read_text()
    assert "2026-11-12: refusal rate up from 0.100 to 0.600" in text
    assert json.loads((workspace / "reports" / "monitor.json").read_text())["conversations"] == 60


def test_bad_log_imports_nothing(workspace: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = {"messages": [{"role": "user", "content": "hi"}], "output": "hello"}
    bad.write_text(json.dumps(good) + "\n" + '{"messages": [], "output": "x"}\n')
    one_line_error(cli("monitor", "import", workspace, bad), "bad.jsonl:2", "messages")
    assert StudioDB(workspace).count_conversations() == 0
