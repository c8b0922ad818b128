"""Create a workspace: studio.yaml with every key documented, and the artifact store."""

from __future__ import annotations

import os
import shutil
from importlib.resources import files
from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import check_policy_file
from alignment_studio.workspace.config import CONFIG_NAME, StudioConfig, render_config
from alignment_studio.workspace.store import ArtifactStore

DEMO_MARKER = "# alignment-studio demo workspace"
EXAMPLE = "business-conduct"


def example_dir(name: str = EXAMPLE) -> Path:
    return Path(str(files("alignment_studio") / "resources" / "examples" / name))


def _relative(path: Path, root: Path) -> str:
    """Paths inside the workspace are stored relative to it, others absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def init_workspace(root: Path, policies: list[Path], seeds: list[Path],
                   config: StudioConfig | None = None, header: str = "") -> Path:
    """Write ``root/studio.yaml`` (refusing to overwrite one) and create ``root/.studio/``."""
    root = root.resolve()
    if (root / CONFIG_NAME).exists():
        raise StudioError("a workspace already exists here; edit studio.yaml instead",
                          root / CONFIG_NAME)
    for policy in policies:
        check_policy_file(policy)  # fail early, before anything is written
    for seed in seeds:
        if not seed.is_file():
            raise StudioError("seed file not found", seed)
    root.mkdir(parents=True, exist_ok=True)
    base = config or StudioConfig(name=root.name)
    cfg = base.model_copy(update={"policies": [_relative(p, root) for p in policies],
                                  "seeds": [_relative(s, root) for s in seeds]})
    text = (header + "\n\n" if header else "") + render_config(cfg)
    tmp = root / f".{CONFIG_NAME}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(root / CONFIG_NAME)
    ArtifactStore(root)
    return root / CONFIG_NAME


def demo_config(root: Path, quick: bool) -> StudioConfig:
    """Settings sized for the demo: about 20 minutes on 2 CPU cores, or 5 with ``quick``."""
    config = StudioConfig(name="business-conduct-demo",
                          organization="Meridian Harbor Technologies")
    # A packed row holds about three examples: one row pair per step keeps the number of
    # optimizer steps (what a 135M model learns from in a short run) near one per 8 examples.
    config.train.grad_accum = 1
    # The policies-in-the-system-prompt baseline makes every prompt ~500 tokens longer; the demo
    # leaves it to full audits and keeps retrieval (the method's fair comparison) instead.
    config.audit.variants = ["base", "base+rag", "aligned", "aligned+rag"]
    if quick:
        config.frame.max_policies = 24
        config.frame.teacher_policies = 4
        config.train.max_train_examples = 64
        config.train.epochs = 1
        config.audit.max_items = 16
        config.audit.variants = ["base", "aligned"]
        config.audit.general.max_items = 20
        config.audit.redteam.max_attacks = 9
    else:
        config.frame.teacher_policies = 12
        config.train.max_train_examples = 240
        config.train.epochs = 1
        config.audit.max_items = 48
        config.audit.redteam.max_attacks = 18
    return config


def prepare_demo(root: Path, quick: bool) -> Path:
    """A workspace with the bundled example copied in; rewritten only if it is a demo one."""
    root = root.resolve()
    config_path = root / CONFIG_NAME
    if config_path.exists():
        if not config_path.read_text(encoding="utf-8").startswith(DEMO_MARKER):
            raise StudioError("this folder holds a workspace that is not a demo; choose another "
                              "--dir", config_path)
        config_path.unlink()
    target = root / "policies"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("guidelines.md", "seeds.yaml", "scenarios.yaml"):
        shutil.copyfile(example_dir() / name, target / name)
    mode = "quick" if quick else "full"
    config = demo_config(root, quick)
    # scenarios people wrote, never trained on: the audit's closed-book test
    config.audit.scenarios = ["policies/scenarios.yaml"]
    return init_workspace(root, [target / "guidelines.md"], [target / "seeds.yaml"], config,
                          header=f"{DEMO_MARKER} ({mode})")
