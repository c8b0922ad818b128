"""Which recipe makes the embedded model know the bundled example's policies, closed book?

Each recipe frames the bundled example (seeds and structure, no teacher), trains the embedded
model with LoRA and audits it on the 48 scenarios a person wrote for the example
(``resources/examples/business-conduct/scenarios.yaml``: closed book on trained policies, with
the clause on held-out ones), the held-out generated items and 20 general items. One row per
recipe, printed as it finishes; the whole table is also written to
``bench/results/efficacy.txt``. About 6 minutes a recipe on 2 cores.

    .venv/bin/python bench/bench_efficacy.py [--only NAME ...] [--budget-min 45]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alignment_studio.auditors.report.summary import score_of, with_ci
from alignment_studio.stages import audit as audit_stage
from alignment_studio.stages import instruct as instruct_stage
from alignment_studio.stages.init import demo_config, example_dir, init_workspace
from alignment_studio.types import AuditReport, Score
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import StudioConfig

RESULTS = Path(__file__).resolve().parent / "results" / "efficacy.txt"
Recipe = Callable[[StudioConfig], None]


def _default(config: StudioConfig) -> None:
    """The demo's settings (full), as shipped."""


def _guardian_only(config: StudioConfig) -> None:
    config.frame.closed_book = False


def _three_epochs(config: StudioConfig) -> None:
    config.train.epochs = 3


def _high_lr(config: StudioConfig) -> None:
    config.train.learning_rate = 1e-3


def _rank_64(config: StudioConfig) -> None:
    config.train.lora_r, config.train.lora_alpha = 64, 128


def _more_data(config: StudioConfig) -> None:
    config.train.max_train_examples = 480


RECIPES: dict[str, Recipe] = {
    "default (closed-book twins, 1 epoch, lr 5e-4, r 16, 240 examples)": _default,
    "guardian only (no closed-book twins)": _guardian_only,
    "3 epochs": _three_epochs,
    "learning rate 1e-3": _high_lr,
    "LoRA rank 64": _rank_64,
    "480 training examples": _more_data,
}


def workspace(root: Path, recipe: Recipe) -> Workspace:
    target = root / "policies"
    target.mkdir(parents=True)
    for name in ("guidelines.md", "seeds.yaml", "scenarios.yaml"):
        shutil.copyfile(example_dir() / name, target / name)
    config = demo_config(root, quick=False)
    config.frame.teacher_policies = 0  # the embedded teacher writes noise (see README)
    config.audit.variants = ["base", "aligned"]
    config.audit.redteam.enabled = False
    config.audit.general.max_items = 20
    config.audit.scenarios = ["policies/scenarios.yaml"]
    recipe(config)
    init_workspace(root, [target / "guidelines.md"], [target / "seeds.yaml"], config)
    return Workspace(root)


def score(report: AuditReport, variant: str, metric: str) -> Score | None:
    """A suite metric, or general capability, of one variant."""
    return (score_of(report.summary.get(variant, []), metric)
            or score_of(report.general.get(variant, []), metric))


def cell(found: Score | None) -> str:
    return with_ci(found, 2)


HEADER = ("| recipe | closed book: base | aligned | majority | aligned macro-F1 | "
          "guardian: base / aligned | general: base / aligned | minutes |\n"
          "|---|---|---|---|---|---|---|---|")


def row(name: str, report: AuditReport, minutes: float) -> str:
    def pair(metric: str) -> str:
        return (f"{cell(score(report, 'base', metric))} / "
                f"{cell(score(report, 'aligned', metric))}")

    return (f"| {name} | {cell(score(report, 'base', 'closed_book_accuracy'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_accuracy'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_majority'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_macro_f1'))} | "
            f"{pair('guardian_accuracy')} | {pair('general_accuracy')} | {minutes:.1f} |")


def main() -> None:
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else []
    budget = float(sys.argv[sys.argv.index("--budget-min") + 1]) * 60 \
        if "--budget-min" in sys.argv else 45 * 60
    start = time.perf_counter()
    lines = [HEADER]
    print(HEADER, flush=True)
    for name, recipe in RECIPES.items():
        if only and not any(o in name for o in only):
            continue
        if time.perf_counter() - start > budget:
            lines.append(f"| {name} | (not run: over the {budget / 60:.0f}-minute budget) |")
            print(lines[-1])
            RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
            continue
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            ws = workspace(Path(tmp) / "ws", recipe)
            instruct_stage.model(ws)
            report = audit_stage.report(ws)
        lines.append(row(name, report, (time.perf_counter() - began) / 60))
        print(lines[-1], flush=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
