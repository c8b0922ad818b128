"""The house's shape, read from the source with ``ast``: imports run one way (every arrow down
the layers), no module imports itself through others, stage modules stay small, and each
artifact file is named in one module only (its reader and writer)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "alignment_studio"
ROOT = "alignment_studio"
# Top to bottom; a package may import its own modules and those of any lower layer. Siblings in
# one layer do not import each other (instructors and auditors above all), except "core" and
# "types", which are one layer split in two packages.
LAYERS: list[set[str]] = [
    {"cli"},
    {"server"},
    {"stages"},
    {"instructors", "auditors", "guard"},
    {"framers", "scoring"},
    {"workspace"},  # a model spec in studio.yaml is validated by the backend it names
    {"backends"},
    {"core", "types"},
]
SIBLINGS_ALLOWED = {("core", "types"), ("types", "core")}
# the files of each artifact kind: written and read in one module
ARTIFACT_FILES = ("document.json", "dataset.jsonl", "manifest.json", "dropped.jsonl",
                  "coverage.json", "datacard.md", "review.json", "model_ref.json", "adapters.json",
                  "groups.json", "figures.json", "report.json", "report.html", "train_log.json",
                  "preference_log.json", "rl_log.json", "reward_log.json")


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in package.rglob("*.py"):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the file, wherever it stands (inside
    functions and ``if TYPE_CHECKING:`` blocks too)."""
    root = module.split(".")[0]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == root:
                resolved = _resolve(target, known)
                if resolved is not None and resolved != module:
                    yield resolved, node.lineno


def graph(package: Path) -> dict[str, list[tuple[str, int]]]:
    known = modules(package)
    return {m: sorted(set(imports(m, p, known))) for m, p in known.items()}


def layer_of(module: str) -> tuple[str, int] | None:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    for depth, layer in enumerate(LAYERS):
        if top in layer:
            return top, depth
    return None


def upward(edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    """Every import that does not go down the layers, as 'importer:line -> imported'."""
    wrong = []
    for source, targets in edges.items():
        here = layer_of(source)
        for target, line in targets:
            there = layer_of(target)
            if here is None or there is None or here[0] == there[0]:
                continue
            if there[1] > here[1] or (here[0], there[0]) in SIBLINGS_ALLOWED:
                continue
            wrong.append(f"{source}:{line} -> {target}")
    return wrong


def cycles(edges: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_import_runs_down_the_layers() -> None:
    edges = graph(PACKAGE)
    assert [m for m in edges if "." in m and layer_of(m) is None] == []  # every package placed
    assert upward(edges) == []


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(graph(PACKAGE)) == []


def test_the_checks_see_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The two checks above can fail: a package with a framer importing a stage, and two
    modules importing each other inside functions, is reported."""
    package = tmp_path / ROOT
    for name, text in {
        "__init__.py": "",
        "framers/__init__.py": "",
        "framers/a.py": "def f():\n    from alignment_studio.framers import b\n",
        "framers/b.py": "from alignment_studio.framers.a import f\n",
        "stages/__init__.py": "",
        "stages/frame.py": "",
        "framers/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from alignment_studio.stages import frame\n",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    edges = graph(package)
    assert upward(edges) == ["alignment_studio.framers.c:3 -> alignment_studio.stages.frame"]
    assert cycles(edges) == [["alignment_studio.framers.a", "alignment_studio.framers.b"]]


@pytest.mark.parametrize("path", sorted((PACKAGE / "stages").glob("*.py")), ids=lambda p: p.name)
def test_stage_modules_stay_small(path: Path) -> None:
    assert len(path.read_text("utf-8").splitlines()) <= 400


@pytest.mark.parametrize("name", ARTIFACT_FILES)
def test_each_artifact_file_is_named_in_one_module(name: str) -> None:
    """Nobody opens an artifact's file by name except the module that owns its kind: the
    others ask that module (docstrings and comments do not count)."""
    owners = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
              if any(isinstance(n, ast.Constant) and n.value == name
                     for n in ast.walk(ast.parse(path.read_text("utf-8"))))]
    assert len(owners) == 1, owners
