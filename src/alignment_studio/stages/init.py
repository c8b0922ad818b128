"""Create a workspace: studio.yaml with every key documented, and the artifact store.

Every policy and seed file is read first, with the functions ``frame`` reads them with, so a
file ``frame`` would refuse stops ``init`` with the same one-line error, before anything is
written; and what ``init`` creates is removed again if writing fails half-way.
"""

from __future__ import annotations

import os
import shutil
from importlib.resources import files
from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace.config import CONFIG_NAME, StudioConfig, render_config
from alignment_studio.workspace.store import STORE_DIR, ArtifactStore

DEMO_MARKER = "# alignment-studio demo workspace"
EXAMPLE = "business-conduct"


def example_dir(name: str = EXAMPLE) -> Path:
    return Path(str(files("alignment_studio") / "resources" / "examples" / name))


def _relative(path: Path, root: Path) -> str:
    """Paths inside the workspace are stored relative to it (the workspace can be moved or
    shared), others absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def outside(root: Path, paths: list[Path]) -> list[Path]:
    """The files of ``paths`` that are not inside the workspace ``root``: studio.yaml names
    them by absolute path, so a moved or shared copy of the workspace loses them."""
    return [p for p in paths if Path(_relative(p, root.resolve())).is_absolute()]


def check_inputs(policies: list[Path], seeds: list[Path]) -> list[PolicyDocument]:
    """Read every policy and seed file as ``frame`` will; the first bad one is a StudioError."""
    documents = [read_document(policy) for policy in policies]
    seen: dict[str, Path] = {}
    for policy, document in zip(policies, documents, strict=True):
        if document.id in seen:
            first = seen[document.id]
            raise StudioError("is listed twice" if first.resolve() == policy.resolve() else
                              f"shares the document ID {document.id!r} (from the file name) "
                              f"with {first}; rename one", policy)
        seen[document.id] = policy
    for seed in seeds:
        if not seed.is_file():
            raise StudioError("seed file not found", seed)
        load_seeds(seed, documents)
    return documents


def init_workspace(root: Path, policies: list[Path], seeds: list[Path],
                   config: StudioConfig | None = None, header: str = "") -> Path:
    """Write ``root/studio.yaml`` (refusing to overwrite one) and create ``root/.studio/``,
    after reading every policy and seed file; on a failure nothing is left half-made."""
    root = root.resolve()
    if root.exists() and not root.is_dir():
        raise StudioError("is a file, not a folder: give init a new folder or an existing "
                          "one", root)
    if (root / CONFIG_NAME).exists():
        raise StudioError("a workspace already exists here; edit studio.yaml instead",
                          root / CONFIG_NAME)
    check_inputs(policies, seeds)
    base = config or StudioConfig(name=root.name)
    cfg = base.model_copy(update={"policies": [_relative(p, root) for p in policies],
                                  "seeds": [_relative(s, root) for s in seeds]})
    text = (header + "\n\n" if header else "") + render_config(cfg)
    made = _new_folders(root)
    store_made = not (root / STORE_DIR).exists()
    try:
        _make_folder(root)
        ArtifactStore(root)
        tmp = root / f".{CONFIG_NAME}.tmp-{os.getpid()}"
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.rename(root / CONFIG_NAME)  # written last: studio.yaml marks a workspace
        finally:
            tmp.unlink(missing_ok=True)
    except BaseException:
        _undo(root, made, store_made)
        raise
    return root / CONFIG_NAME


def _new_folders(root: Path) -> Path | None:
    """The top-most folder of ``root``'s path that does not exist yet (None: root exists)."""
    top = None
    for folder in [root, *root.parents]:
        if folder.exists():
            break
        top = folder
    return top


def _make_folder(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file on the way, no permission, a read-only disk
        raise StudioError(f"cannot create the workspace folder: {exc.strerror or exc}",
                          root) from None


def _undo(root: Path, made: Path | None, store_made: bool) -> None:
    """Remove what a failed init created: the folders it made, or the store it added."""
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
    elif store_made:
        shutil.rmtree(root / STORE_DIR, ignore_errors=True)


def demo_config(root: Path, quick: bool) -> StudioConfig:
    """Settings sized for the demo: about 20 minutes on 2 CPU cores, or 5 with ``quick``."""
    config = StudioConfig(name="business-conduct-demo",
                          organization="Meridian Harbor Technologies")
    # A packed row holds about three examples: one row pair per step keeps the number of
    # optimizer steps (what a 135M model learns from in a short run) near one per 8 examples.
    config.train.grad_accum = 1
    # Chosen by bench/bench_efficacy.py (README, "Does the aligned model know the policies?"):
    # a sample that is 60 % scenarios and 70 % closed book kept the guardian accuracy the
    # natural mix lost to the restatements, and raised closed-book macro-F1.
    config.train.scenario_share, config.train.closed_share = 0.6, 0.7
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
