"""redteam run | record | list | promote, and judge template | calibrate: the audit's human loop.

Automated attacks are measured (attack success rate per strategy with intervals); people record
their own attempts and grades; a confirmed failure becomes a seed and a regression test."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from alignment_studio.cli.guard import guard, login_name
from alignment_studio.core.errors import StudioError
from alignment_studio.stages import judge, models, parse, redteam
from alignment_studio.types import Message, RateScore
from alignment_studio.workspace import Workspace

console = Console()
GRADES = ("fail", "pass", "unclear")


def run(directory: Path,
        model: Annotated[str, typer.Option("--model", "-m", help="base, aligned or aggregated")
                         ] = "aligned",
        strategy: Annotated[list[str] | None, typer.Option(
            "--strategy", "-s", help="strategy name (repeatable); default: audit settings")
        ] = None,
        per_policy: Annotated[int | None, typer.Option(help="attack goals per policy")] = None,
        max_attacks: Annotated[int | None, typer.Option(
            help="cap on generated attacks (default: audit.redteam.max_attacks)")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="JSONL of every attack and reply (default: DIR/redteam/run-*.jsonl)")
        ] = None,
        record: Annotated[bool, typer.Option(
            "--record", help="store each successful attack as a record graded 'unclear', for "
                             "a tester to confirm")] = False) -> None:
    """Attack a model with the red-team strategies; print attack success per strategy."""
    from alignment_studio.auditors.redteam import record_from_outcome, summarise
    from alignment_studio.workspace.db import TargetModel

    if model not in ("base", "aligned", "aggregated"):
        raise StudioError(f"--model must be base, aligned or aggregated, not {model!r}")
    ws = Workspace(directory)
    outcomes = redteam.run(ws, model, strategy, per_policy, max_attacks if max_attacks else -1)
    path = out or ws.output_dir("redteam") / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{model}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(o.model_dump_json() + "\n" for o in outcomes), "utf-8")
    report = summarise(outcomes, model)
    console.print(rate_table(f"Attack success on {model}", report.per_strategy[model],
                             report.overall[model]))
    if record:
        db = ws.db
        target: TargetModel = "base" if model == "base" else (
            "aligned" if model == "aligned" else "other")
        stored = [db.add_record(record_from_outcome(o, "auto", target)) for o in outcomes
                  if o.success]
        console.print(f"recorded {len(stored)} successful attacks as 'unclear' "
                      f"(IDs {', '.join(str(r.id) for r in stored) or 'none'}); confirm with "
                      "'redteam record' or promote the confirmed ones")
    console.print(f"attacks and replies: {path}")


def rate_table(title: str, rates: list[RateScore], overall: RateScore) -> Table:
    table = Table(title=title)
    for column in ("strategy", "attacks", "successes", "rate", "95% interval"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for r in [*rates, overall]:
        table.add_row(r.key, str(r.n), str(r.successes), f"{r.rate:.2f}",
                      f"[{r.ci.low:.2f}, {r.ci.high:.2f}]")
    return table


def record(directory: Path,
           policy: Annotated[list[str], typer.Option(
               "--policy", "-p", help="policy ID the attempt targets (repeatable)")],
           prompt: Annotated[str, typer.Option(help="what the tester asked")],
           grade: Annotated[str, typer.Option(help="fail (the model broke the policy), pass or "
                                                   "unclear")],
           output: Annotated[str | None, typer.Option(
               help="the model's answer; omitted: the model is asked now")] = None,
           model: Annotated[str, typer.Option("--model", "-m", help="base or aligned")
                            ] = "aligned",
           strategy: Annotated[str, typer.Option(help="how the attempt attacks")] = "manual",
           tester: Annotated[str | None, typer.Option(help="who (default: login name)")] = None,
           faithfulness: Annotated[int | None, typer.Option(help="1..5")] = None,
           completeness: Annotated[int | None, typer.Option(help="1..5")] = None,
           comment: Annotated[str, typer.Option(help="what went wrong or right")] = "") -> None:
    """Store a human red-team attempt with its grade (asking the model if no output given)."""
    from pydantic import ValidationError

    from alignment_studio.workspace.db import RedTeamRecord

    if grade not in GRADES:
        raise StudioError(f"--grade must be fail, pass or unclear, not {grade!r}")
    if model not in ("base", "aligned"):
        raise StudioError(f"--model must be base or aligned, not {model!r}")
    ws = Workspace(directory)
    known = set(parse.policies([d for _, d in parse.documents(ws)]))
    unknown = [p for p in policy if p not in known]
    if unknown:
        raise StudioError(f"--policy {unknown[0]!r} is not a policy ID of this workspace "
                          "(see 'alignment-studio parse' or the data card)")
    messages = [Message(role="user", content=prompt)]
    if output is None:
        output = _answer(ws, model, messages)
        console.print(f"[dim]{model} answered:[/dim] {output}", highlight=False)
    try:
        stored = ws.db.add_record(RedTeamRecord(
            tester=tester or login_name(), model=model, strategy=strategy, policy_ids=policy,
            messages=messages, output=output, grade=grade, faithfulness=faithfulness,  # type: ignore[arg-type]
            completeness=completeness, comment=comment))
    except ValidationError as exc:
        raise StudioError(f"bad record: {exc.errors()[0]['msg']}") from None
    console.print(f"red-team record {stored.id} stored ({stored.grade})"
                  + ("; promote it with 'alignment-studio redteam promote DIR "
                     f"{stored.id}'" if stored.grade == "fail" else ""))


def _answer(ws: Workspace, model: str, messages: list[Message]) -> str:
    from alignment_studio.backends.base import GenerationConfig

    backend, _ = models.backend(ws, model)
    try:
        out = asyncio.run(backend.generate(messages, GenerationConfig(
            max_new_tokens=ws.config.audit.answer_max_new_tokens)))
    finally:
        backend.close()
    return out.text


def list_(directory: Path,
          grade: Annotated[str | None, typer.Option(help="fail, pass or unclear")] = None,
          policy: Annotated[str | None, typer.Option(help="policy ID or prefix")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")
                             ] = False) -> None:
    """The human red-team records of the workspace."""
    if grade is not None and grade not in GRADES:
        raise StudioError(f"--grade must be fail, pass or unclear, not {grade!r}")
    records = Workspace(directory).db.list_records(policy=policy, grade=grade)  # type: ignore[arg-type]
    if as_json:
        for r in records:
            print(r.model_dump_json())
        return
    table = Table(title=f"{len(records)} red-team records")
    for column in ("id", "grade", "model", "strategy", "policy", "tester", "promoted", "prompt"):
        table.add_column(column)
    for r in records:
        table.add_row(str(r.id), r.grade, r.model, r.strategy, ", ".join(r.policy_ids), r.tester,
                      r.promoted_seed_id or "", r.messages[-1].content[:60])
    console.print(table)


def promote_(directory: Path,
             record_id: Annotated[int, typer.Argument(help="the record's ID")]) -> None:
    """Turn a confirmed failure into a training seed and a regression test item."""
    done = redteam.promote(Workspace(directory), record_id)
    console.print(f"record {record_id} -> seed {done.seed_id} for {done.policy_id} in "
                  f"{done.seed_file}; regression item in {done.regression_file}"
                  + ("; seed file added to studio.yaml" if done.config_updated else "")
                  + ". The next 'frame' trains on it and every audit re-runs it.")


def template(directory: Path,
             out: Annotated[Path | None, typer.Option(
                 "--out", help="file to write (default: DIR/gold.jsonl, must not exist)")] = None,
             model: Annotated[str, typer.Option("--model", "-m", help="whose answers")
                              ] = "aligned",
             limit: Annotated[int, typer.Option(help="answers to include")] = 30) -> None:
    """Write the last audit's answers as a gold-set file with empty verdicts to fill in."""
    path, count = judge.template(Workspace(directory), out, model, limit)
    console.print(f"wrote {count} items to {path}: set each \"verdict\" to pass or fail "
                  "(and scores if you like), then run 'alignment-studio judge calibrate'")


def calibrate_(directory: Path) -> None:
    """Judge the gold set and report agreement with people (accuracy, kappa, flip rate)."""
    agreement = judge.calibration(Workspace(directory))
    table = Table(title=f"Judge vs the gold set ({agreement.n} items)")
    for column in ("measure", "value", "95% interval", "n"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for score in (agreement.accuracy, agreement.kappa, agreement.flip_rate):
        if score is not None:
            ci = f"[{score.ci.low:.2f}, {score.ci.high:.2f}]" if score.ci else ""
            table.add_row(score.metric, f"{score.value:.3f}", ci, str(score.n))
    console.print(table)


def register(app: typer.Typer) -> None:
    red = typer.Typer(no_args_is_help=True, help="Automated and human red teaming.")
    red.command("run")(guard(run))
    red.command("record")(guard(record))
    red.command("list")(guard(list_))
    red.command("promote")(guard(promote_))
    app.add_typer(red, name="redteam")
    judge = typer.Typer(no_args_is_help=True, help="The LLM judge's gold set and calibration.")
    judge.command("template")(guard(template))
    judge.command("calibrate")(guard(calibrate_))
    app.add_typer(judge, name="judge")
