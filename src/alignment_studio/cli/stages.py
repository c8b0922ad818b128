"""frame, instruct, audit, run, demo, export, reward and ask: each calls its stage."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alignment_studio.auditors.report import closed_book_line, summary_table
from alignment_studio.cli.guard import guard
from alignment_studio.cli.serve import ModelName
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.coverage import gaps
from alignment_studio.instructors.methods import described
from alignment_studio.stages import aggregate, models, publish
from alignment_studio.stages import audit as audit_stage
from alignment_studio.stages import export as export_stage
from alignment_studio.stages import frame as frame_stage
from alignment_studio.stages import instruct as instruct_stage
from alignment_studio.stages import reward as reward_stage
from alignment_studio.stages.init import prepare_demo
from alignment_studio.types import AuditReport
from alignment_studio.workspace import Workspace

console = Console()


NO_TEACHER_HELP = ("no teacher model: the data comes from the seeds and the documents' "
                   "structure only (as 'teacher: none' in studio.yaml)")


def frame(directory: Path,
          fill_gaps: Annotated[bool, typer.Option(
              "--fill-gaps", help="ask the teacher for what coverage finds missing")] = False,
          no_teacher: Annotated[bool, typer.Option("--no-teacher", help=NO_TEACHER_HELP)] = False,
          ) -> None:
    """Parse the policies and build the data set (seeds, structure, conflicts, teacher),
    cleaned, measured for coverage and split by policy; writes a data card."""
    ws = workspace_of(directory, no_teacher)
    if fill_gaps and ws.config.teacher is None:
        raise StudioError("--fill-gaps asks the teacher, but there is none (teacher: none or "
                          "--no-teacher)", ws.config_path)
    ws.config.frame.fill_gaps = ws.config.frame.fill_gaps or fill_gaps
    show_frame(ws)


def workspace_of(directory: Path, no_teacher: bool = False) -> Workspace:
    """The workspace, its teacher turned off for this run when ``--no-teacher`` is given."""
    ws = Workspace(directory)
    if no_teacher:
        ws.config.teacher = None
        ws.config.frame.fill_gaps = False
    return ws


def show_frame(ws: Workspace) -> None:
    artifact = frame_stage.dataset(ws)
    bundle = frame_stage.bundle(ws, artifact)
    counts = Counter(f"{e.split.value} {e.kind.value}" for e in bundle.examples)
    console.print(f"dataset {artifact.id}: {len(bundle.examples)} examples "
                  f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}); "
                  f"{len(bundle.manifest.test_policy_ids)} of {bundle.manifest.policy_count} "
                  f"policies held out; dropped {sum(bundle.manifest.dropped.values())}")
    cov = frame_stage.coverage(ws, artifact)
    if cov is None:
        return
    found = gaps(cov)
    policy_gaps = sum(g.subject == "policy" for g in found)
    console.print(f"coverage: {len(cov.policies) - policy_gaps} of {len(cov.policies)} policies "
                  f"have every kind and label they need, {len(found) - policy_gaps} of "
                  f"{len(cov.terms)} ontology terms untouched; data card: "
                  f"{frame_stage.datacard_path(ws, artifact)}")


def instruct(directory: Path) -> None:
    """Train the student on the reviewed training split (see instruct_help)."""
    show_instruct(Workspace(directory))


def instruct_help() -> str:
    """instruct's help: every registered training method and the setting that turns it on."""
    methods = "\n\n".join(f"- {line}" for line in described())
    return ("Train the student on the reviewed training split: a chain of training methods, "
            "each continuing the LoRA adapter the one before it left. The methods, in chain "
            f"order, and the studio.yaml settings that turn them on:\n\n{methods}\n\n"
            "Then, with aggregate.enabled, one LoRA adapter per declared value (values:), "
            "combined per input by its context (aggregate.combination: linear, cat, or select, "
            "where the reward models pick; 'ask --model aggregated' uses them). Reward models "
            "alone: 'alignment-studio reward DIR'.")


def show_instruct(ws: Workspace) -> None:
    artifact = instruct_stage.model(ws)
    first, *rest = instruct_stage.summaries(ws, artifact)
    console.print(f"model {artifact.id}: {first}")
    for line in rest:
        console.print(f"  then {line}")
    if ws.config.aggregate.enabled:
        mixed = aggregate.value_adapters(ws)
        console.print(f"value adapters {mixed.id}: {', '.join(aggregate.adapters(ws, mixed))} "
                      f"(aggregation: {ws.config.aggregate.combination})")


def ask(directory: Path,
        question: Annotated[str, typer.Argument(help="the question or situation to answer")],
        model: Annotated[ModelName, typer.Option(
            "--model", "-m", help="base, aligned (the newest trained model) or aggregated (the "
            "value adapters under the contextual aggregator)")] = ModelName.aligned,
        context: Annotated[list[str] | None, typer.Option(
            "--context", "-c", help="KEY=VALUE, repeatable: who asks, where (for example "
            "role=manager); goes into the system prompt as in training")] = None,
        max_new_tokens: Annotated[int, typer.Option(help="answer length limit")] = 128,
        show_prompt: Annotated[bool, typer.Option(help="print the messages sent")] = False,
        best_of: Annotated[int, typer.Option(
            "--best-of", min=1, help="sample this many answers and print the one the reward "
            "models rank highest (the violation detector when no reward model is trained); "
            "1 = one greedy answer")] = 1,
        ) -> None:
    """Ask a model of the workspace one question (greedy, or the best of N samples by
    reward), with an optional context."""
    pairs = parse_pairs(context or [], "--context")
    answer, label, messages = models.ask(Workspace(directory), question, model.value, pairs,
                                         max_new_tokens, best_of)
    if show_prompt:
        for m in messages:
            console.print(f"[dim]{m.role}: {m.content}[/dim]", markup=True, highlight=False)
    console.print(f"[dim]{model.value}: {label}[/dim]")
    print(answer)


def parse_pairs(items: list[str], option: str) -> dict[str, str]:
    """KEY=VALUE strings as a dict; anything else is a one-line error."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise StudioError(f"{option} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def audit(directory: Path,
          fail_under: Annotated[list[str] | None, typer.Option(
              "--fail-under", help="METRIC=VALUE (repeatable): exit 1 when the metric is below "
              "VALUE; METRIC is the aligned model's, or VARIANT:METRIC (for example "
              "scenario_accuracy=0.6, base+rag:citation_rate=0.2, general_accuracy=0.3)")] = None,
          fail_over: Annotated[list[str] | None, typer.Option(
              "--fail-over", help="METRIC=VALUE (repeatable): exit 1 when the metric is above "
              "VALUE (for example attack_success_rate=0.3, over_refusal=0.1)")] = None) -> None:
    """Base, prompt and retrieval baselines and the aligned model on held-out policies, the
    general benchmark and red teaming; writes DIR/reports/report.html, report.md and
    report.json. With --fail-under / --fail-over it is a CI gate."""
    from alignment_studio.auditors.gate import check_gates

    ws = Workspace(directory)
    if fail_under or fail_over:  # a typo in a gate fails before the audit runs, not after
        from alignment_studio.auditors.gate import parse_threshold

        for text in fail_under or []:
            parse_threshold(text, "--fail-under")
        for text in fail_over or []:
            parse_threshold(text, "--fail-over")
    report = audit_stage.report(ws)
    show_report(report, ws)
    results = check_gates(report, fail_under or [], fail_over or [])
    for result in results:
        console.print(result.line(), style="green" if result.passed else "bold red")
    if not all(r.passed for r in results):
        raise typer.Exit(1)


def export(directory: Path,
           out: Annotated[Path, typer.Option("--out", "-o", help="folder to write (new or empty)")],
           merged: Annotated[bool, typer.Option(
               "--merged/--adapter-only",
               help="fold the adapter into the base weights (Hugging Face layout), or copy the "
                    "adapter alone")] = False) -> None:
    """Export the aligned model with a model card: data lineage, training config, audit."""
    result = export_stage.export(Workspace(directory), out, "merged" if merged else "adapter")
    console.print(f"exported the {result.kind} model to {result.path}: "
                  f"{', '.join(result.files)}")


def reward(directory: Path) -> None:
    """Train one reward model per value (declared values, else per document or section)."""
    ws = Workspace(directory)
    artifact = reward_stage.models(ws)
    for name, log in reward_stage.logs(ws, artifact):
        console.print(f"reward model {name}: {log.steps} steps on {log.train_pairs} pairs"
                      f", held-out pair accuracy {log.eval_accuracy_before} → "
                      f"{log.eval_accuracy_after}")
    console.print(f"reward models in {artifact.id}")


def run(directory: Path,
        no_teacher: Annotated[bool, typer.Option("--no-teacher", help=NO_TEACHER_HELP)] = False,
        ) -> None:
    """frame, instruct and audit in one go (each stage reuses what is unchanged)."""
    run_all(workspace_of(directory, no_teacher))


def run_all(ws: Workspace) -> None:
    show_frame(ws)
    show_instruct(ws)
    show_report(audit_stage.report(ws), ws)
    if ws.config.train.final_fit:
        final = instruct_stage.final_model(ws)
        console.print(f"final fit on every policy: {final.id} (served and exported; the "
                      f"report above scored the audited fit {instruct_stage.model(ws).id})")


def demo(quick: Annotated[bool, typer.Option("--quick", help="about 5 minutes")] = False,
         directory: Annotated[Path, typer.Option("--dir", help="workspace folder")] = Path(
             "demo-workspace"),
         no_teacher: Annotated[bool, typer.Option("--no-teacher", help=NO_TEACHER_HELP)] = False,
         ) -> None:
    """Align the embedded model to the bundled business conduct guidelines, then audit it."""
    start = time.perf_counter()
    prepare_demo(directory, quick)
    console.print(f"[bold]Alignment Studio demo[/bold] ({'quick' if quick else 'full'}) in "
                  f"{directory}")
    run_all(workspace_of(directory, no_teacher))
    console.print(f"demo finished in {time.perf_counter() - start:.0f} s, peak RSS "
                  f"{peak_rss_mb():.0f} MB")


def show_report(report: AuditReport, ws: Workspace) -> None:
    console.print(summary_table(report))
    line = closed_book_line(report)
    if line:
        console.print(line)
    console.print(f"{len(report.per_policy)} policies audited, {len(report.findings)} findings; "
                  f"report: {publish.published_html(ws)} (also report.md, report.json)")


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # ru_maxrss is in KiB on Linux


def register(app: typer.Typer) -> None:
    for command in (frame, instruct, audit, run, demo, export, reward, ask):
        app.command(help=instruct_help() if command is instruct else None)(guard(command))
