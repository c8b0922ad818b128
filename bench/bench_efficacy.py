"""Which recipe makes the embedded model know a policy corpus closed book?

Each recipe frames a corpus (seeds and structure, no teacher), trains the embedded model with
LoRA and audits it on scenarios a person wrote (closed book on trained policies, with the
clause on held-out ones), the held-out generated items and 20 general items. Verdicts are read
two ways: from the greedy answer and by likelihood (constrained choice). Corpora:

- ``example``: the bundled example and its 48 scenarios
  (``resources/examples/business-conduct/scenarios.yaml``);
- ``18f``: eight 18F handbook pages (``../shared/policies/18f``) and the 90 scenarios written
  for them by hand (``tests/fixtures/scenarios/18f``), never seen by the generator.

One row per recipe, printed as it finishes; the table is also written to
``bench/results/efficacy-<corpus>.txt``. About 15 minutes a recipe on 2 cores.

    .venv/bin/python bench/bench_efficacy.py [--corpus example|18f] [--only NAME ...]
        [--budget-min 45] [--keep DIR]

With ``--only`` the rows are added to the corpus's results file; without it the file is
written afresh.
"""

from __future__ import annotations

import argparse
import shutil
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

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HANDBOOK = ROOT.parent / "shared" / "policies" / "18f"
PEOPLE_18F = ROOT / "tests" / "fixtures" / "scenarios" / "18f"
Recipe = Callable[[StudioConfig], None]


def _default(config: StudioConfig) -> None:
    """The demo's settings (full) before the verdict mix became its default."""
    config.train.scenario_share = config.train.closed_share = None


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


def _more_data_rank_64(config: StudioConfig) -> None:
    """The best closed-book recipe (every framed item) with four times the adapter's rank."""
    _more_data(config)
    _rank_64(config)


def _no_restatements(config: StudioConfig) -> None:
    config.frame.restatements = 0


def _verdict_mix(config: StudioConfig) -> None:
    """The demo's settings (full), as shipped."""
    config.train.scenario_share, config.train.closed_share = 0.6, 0.7


def _verdict_mix_3_epochs(config: StudioConfig) -> None:
    _verdict_mix(config)
    config.train.epochs = 3


def _full_finetune(config: StudioConfig) -> None:
    """Every decoder layer trained in full, at a learning rate for full fine-tuning."""
    config.train.full_finetune, config.train.learning_rate = True, 5e-5


def _full_finetune_more_data(config: StudioConfig) -> None:
    """Full fine-tuning (best guardian) on every framed item (best closed-book macro-F1)."""
    _full_finetune(config)
    _more_data(config)


def _dpo(config: StudioConfig) -> None:
    config.preference.enabled = True


def _grpo(config: StudioConfig) -> None:
    """GRPO after the default SFT, rewarded by the verdict (and citation) alone: the bench
    trains no reward models."""
    config.rl.enabled = True
    config.rl.reward_models = 0.0


RECIPES: dict[str, Recipe] = {
    "natural mix (twins, 3 restatements, 1 epoch, lr 5e-4, r 16, 240 examples)": _default,
    "no restatements": _no_restatements,
    "verdict mix (60 % scenarios, 70 % closed book; the default)": _verdict_mix,
    "verdict mix, 3 epochs": _verdict_mix_3_epochs,
    "guardian only (no closed-book twins)": _guardian_only,
    "3 epochs": _three_epochs,
    "learning rate 1e-3": _high_lr,
    "LoRA rank 64": _rank_64,
    "480 training examples": _more_data,
    "480 training examples, LoRA rank 64": _more_data_rank_64,
    "full fine-tuning (every decoder layer, lr 5e-5)": _full_finetune,
    "full fine-tuning, 480 training examples": _full_finetune_more_data,
    "SFT then DPO (preference pairs)": _dpo,
    "SFT then GRPO (verdict reward)": _grpo,
}


def workspace(root: Path, recipe: Recipe, corpus: str) -> Workspace:
    """A fresh workspace on the corpus, with the demo's (full) settings and the recipe."""
    target = root / "policies"
    target.mkdir(parents=True)
    config = demo_config(root, quick=False)
    config.frame.teacher_policies = 0  # the embedded teacher writes noise (see README)
    config.audit.variants = ["base", "aligned"]
    config.audit.redteam.enabled = False
    config.audit.general.max_items = 20
    if corpus == "18f":
        config.name, config.organization = "18f-bench", "18F"
        docs = []
        for people in sorted(PEOPLE_18F.glob("*.yaml")):
            docs.append(target / f"{people.stem}.md")
            shutil.copyfile(HANDBOOK / docs[-1].name, docs[-1])
            shutil.copyfile(people, target / f"{people.stem}.scenarios.yaml")
        config.audit.scenarios = [f"policies/{p.stem}.scenarios.yaml"
                                  for p in sorted(PEOPLE_18F.glob("*.yaml"))]
        seeds: list[Path] = []
    else:
        for name in ("guidelines.md", "seeds.yaml", "scenarios.yaml"):
            shutil.copyfile(example_dir() / name, target / name)
        config.audit.scenarios = ["policies/scenarios.yaml"]
        docs, seeds = [target / "guidelines.md"], [target / "seeds.yaml"]
    recipe(config)
    init_workspace(root, docs, seeds, config)
    return Workspace(root)


def score(report: AuditReport, variant: str, metric: str) -> Score | None:
    """A suite metric, or general capability, of one variant."""
    return (score_of(report.summary.get(variant, []), metric)
            or score_of(report.general.get(variant, []), metric))


def cell(found: Score | None) -> str:
    return with_ci(found, 2)


HEADER = ("| recipe | closed book: base | aligned | majority | aligned macro-F1 | "
          "by likelihood: base / aligned | guardian: base / aligned | "
          "general: base / aligned | minutes | calibrated choice: base / aligned "
          "(aligned macro-F1) | prior removed (training questions): base / aligned "
          "(aligned macro-F1) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")


def row(name: str, report: AuditReport, minutes: float) -> str:
    def pair(metric: str) -> str:
        return (f"{cell(score(report, 'base', metric))} / "
                f"{cell(score(report, 'aligned', metric))}")

    return (f"| {name} | {cell(score(report, 'base', 'closed_book_accuracy'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_accuracy'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_majority'))} | "
            f"{cell(score(report, 'aligned', 'closed_book_macro_f1'))} | "
            f"{pair('closed_book_choice_accuracy')} | {pair('guardian_accuracy')} | "
            f"{pair('general_accuracy')} | {minutes:.1f} | "
            f"{pair('closed_book_calibrated_accuracy')} "
            f"({cell(score(report, 'aligned', 'closed_book_calibrated_macro_f1'))}) | "
            f"{pair('closed_book_anchored_accuracy')} "
            f"({cell(score(report, 'aligned', 'closed_book_anchored_macro_f1'))}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("example", "18f"), default="example")
    parser.add_argument("--only", nargs="*", default=[], help="recipes whose name has this text")
    parser.add_argument("--budget-min", type=float, default=45.0)
    parser.add_argument("--keep", type=Path, help="copy each recipe's report.json here, to "
                        "read the answers behind the figures")
    args = parser.parse_args()
    only, budget, corpus = args.only, args.budget_min * 60, args.corpus
    out = RESULTS / f"efficacy-{corpus}.txt"
    start = time.perf_counter()
    # with --only, rows are added to the corpus's table; a full run writes it afresh
    kept = out.read_text("utf-8").splitlines()[2:] if only and out.is_file() else []
    lines = [HEADER, *kept]  # rows of earlier runs may lack the last columns
    print(HEADER, flush=True)
    for name, recipe in RECIPES.items():
        if only and not any(o in name for o in only):
            continue
        if time.perf_counter() - start > budget:
            lines.append(f"| {name} | (not run: over the {budget / 60:.0f}-minute budget) |")
            print(lines[-1])
            out.write_text("\n".join(lines) + "\n", encoding="utf-8")
            continue
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            ws = workspace(Path(tmp) / "ws", recipe, corpus)
            instruct_stage.model(ws)
            report = audit_stage.report(ws)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                slug = "".join(c if c.isalnum() else "-" for c in name)[:40].strip("-")
                (args.keep / f"{corpus}-{slug}.json").write_text(report.model_dump_json(),
                                                                 encoding="utf-8")
        lines.append(row(name, report, (time.perf_counter() - began) / 60))
        print(lines[-1], flush=True)
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
