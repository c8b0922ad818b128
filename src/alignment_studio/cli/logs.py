"""Third-party noise kept out of the terminal: warnings and library logs go to the workspace's
``.studio/logs/third-party.log``, and the libraries' own progress bars are off.

The terminal shows the studio's lines and one progress bar per stage (the stage's own, or the
trainer's). What transformers, datasets, TRL, PEFT, accelerate and torch say (FutureWarnings,
"Loading weights", tokenizing and packing bars) is either switched off before they are imported
(environment variables they read at import) or recorded in the log file. Nothing heavy is
imported here: transformers and datasets install their own stderr handlers when they are first
imported, so an import hook removes those handlers right after, whenever that happens.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from alignment_studio.workspace.paths import leaves

LOG_FILE = Path(".studio") / "logs" / "third-party.log"
MAX_PENDING = 1000  # records held until the workspace is known
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' bars ("Loading weights", downloads)
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",  # datasets' map/filter bars (TRL's tokenizing)
    "TOKENIZERS_PARALLELISM": "false",  # the fork warning of the Rust tokenizers
}
OWN_LOGGER = "alignment_studio"
_FORMAT = logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s")


class WorkspaceLog(logging.Handler):
    """Appends records to the workspace's log file, holding them until a workspace is known.

    Records of a command that never names a workspace (or whose log folder is a link out of
    it, or not a folder) are written to stderr when the command ends, so nothing is lost."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.root: Path | None = None
        self.file: logging.FileHandler | None = None
        self.pending: list[logging.LogRecord] = []

    def attach(self, root: Path) -> None:
        """Log into ``root`` (a workspace folder, now or once ``init`` has made it)."""
        self.root = root
        self._open()

    def _open(self) -> None:
        if self.file is not None or self.root is None or not (self.root / ".studio").is_dir():
            return
        path = self.root / LOG_FILE
        try:
            path.parent.mkdir(exist_ok=True)
            if leaves(path, self.root):  # a link out of the workspace: not written through
                return
            self.file = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            return
        self.file.setFormatter(_FORMAT)
        for record in self.pending:
            self.file.handle(record)
        self.pending.clear()

    def emit(self, record: logging.LogRecord) -> None:
        self._open()
        if self.file is not None:
            self.file.handle(record)
        elif len(self.pending) < MAX_PENDING:
            self.pending.append(record)

    def close(self) -> None:
        self._open()
        if self.file is not None:
            self.file.close()
        for record in self.pending:
            sys.stderr.write(_FORMAT.format(record) + "\n")
        self.pending.clear()
        super().close()


HANDLER = WorkspaceLog()


def start() -> None:
    """Once, at CLI start: quiet environment, warnings and library logs to ``HANDLER``, our
    own warnings still on stderr, and hooks for the libraries that bring their own handlers."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    logging.captureWarnings(True)  # warnings become records of the 'py.warnings' logger
    root = logging.getLogger()
    if HANDLER not in root.handlers:
        root.addHandler(HANDLER)
    own = logging.getLogger(OWN_LOGGER)
    if not any(getattr(h, "own_lines", False) for h in own.handlers):
        terminal = logging.StreamHandler()
        terminal.own_lines = True  # type: ignore[attr-defined]
        terminal.setLevel(logging.WARNING)
        own.addHandler(terminal)
    hooks: dict[str, Callable[[ModuleType], None]] = {
        "transformers.utils.logging": _quiet_transformers,
        "datasets.utils.logging": _quiet_datasets}
    for name, hook in hooks.items():
        if name in sys.modules:
            hook(sys.modules[name])
    if not any(isinstance(f, AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, AfterImport(hooks))


def attach(directory: Path) -> None:
    """The command works in ``directory``: its log file is where the records go (after
    ``start``; a command run in-process without it logs as the caller set up)."""
    if HANDLER in logging.getLogger().handlers:
        HANDLER.attach(directory)


def _quiet_transformers(module: ModuleType) -> None:
    module.disable_default_handler()  # its stderr handler; the records propagate to ours
    module.enable_propagation()
    module.disable_progress_bar()


def _quiet_datasets(module: ModuleType) -> None:
    library = logging.getLogger("datasets")
    for handler in list(library.handlers):
        if type(handler) is logging.StreamHandler:
            library.removeHandler(handler)
    module.enable_propagation()


class AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``hooks[name](module)`` right after the module ``name`` is first executed."""

    def __init__(self, hooks: dict[str, Callable[[ModuleType], None]]):
        self.hooks = hooks

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        hook = self.hooks.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _HookedLoader(spec.loader, hook)
                return spec
        return None


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, inner: Any, hook: Callable[[ModuleType], None]):
        self.inner, self.hook = inner, hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.inner.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        self.hook(module)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ...
        return getattr(self.inner, name)
