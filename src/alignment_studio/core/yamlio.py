"""Reading YAML and JSONL files with errors that name the file and the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from alignment_studio.core.errors import StudioError


def read_text(path: Path, what: str = "file") -> str:
    """The file's UTF-8 text (a leading byte-order mark dropped); missing or not UTF-8 is a
    StudioError naming ``what`` and the file."""
    if not path.is_file():
        raise StudioError(f"{what} not found", path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudioError(f"not valid UTF-8 text (byte {exc.start})", path) from None


def read_jsonl(path: Path, what: str = "file") -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; the first line that is not a JSON
    object stops the read with ``path:line: problem``."""
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(read_text(path, what).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StudioError(f"not valid JSON: {exc.msg} (column {exc.colno})", path,
                              number) from None
        if not isinstance(row, dict):
            raise StudioError("each line must be one JSON object", path, number)
        rows.append((number, row))
    return rows


MAX_EXPANDED_NODES = 1_000_000  # a "billion laughs" file nests aliases to expand to gigabytes


def read_yaml(path: Path) -> tuple[Any, str]:
    """Parsed data and source text; a missing file, a syntax error or a document whose
    aliases would expand to more than ``MAX_EXPANDED_NODES`` values (measured on the composed
    node graph, where an alias is shared, before anything is built) is a StudioError."""
    text = read_text(path)
    try:
        expanded = _expanded_size(yaml.compose(text))
        if expanded > MAX_EXPANDED_NODES:
            raise StudioError(f"its aliases expand to {expanded:,} values (at most "
                              f"{MAX_EXPANDED_NODES:,}): write the values out instead of "
                              "nesting anchors", path)
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise StudioError(f"not valid YAML: {problem}", path,
                          mark.line + 1 if mark else None) from exc
    except RecursionError:
        raise StudioError("YAML nested too deeply to read", path) from None


def _expanded_size(root: yaml.Node | None) -> int:
    """How many values the document holds once every alias is copied out; each node is
    measured once (a shared node's size is remembered), so a bomb is measured cheaply."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = 1  # a recursive alias counts once
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        sizes[id(node)] = 1 + sum(size(child) for child in children)
        return sizes[id(node)]

    return size(root) if root is not None else 0


def line_of(text: str, keys: list[str | int]) -> int | None:
    """1-based line of the node at ``keys`` (mapping keys, list indexes), or its nearest parent."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == str(key)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def validate_yaml(model: type[BaseModel], data: Any, text: str, path: Path) -> Any:
    """``model.model_validate(data)``; the first error becomes one line with file:line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        keys: list[str | int] = [k for k in err["loc"] if isinstance(k, str | int)]
        what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        dotted = ".".join(str(k) for k in keys) or "(top level)"
        raise StudioError(f"{dotted}: {what}", path, line_of(text, keys)) from exc
