"""YAML files are read with errors that name the file, and alias bombs are refused unbuilt."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.core.yamlio import read_yaml


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    path = tmp_path / "seeds.yaml"
    path.write_text("\n".join(lines) + "\n")
    began = time.perf_counter()
    with pytest.raises(StudioError, match="aliases expand to") as caught:
        read_yaml(path)
    assert time.perf_counter() - began < 5 and "seeds.yaml" in str(caught.value)


def test_a_few_anchors_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1}\none: *b\ntwo: *b\n")
    data, _ = read_yaml(path)
    assert data == {"base": {"x": 1}, "one": {"x": 1}, "two": {"x": 1}}


def test_deep_nesting_is_one_error_not_a_recursion_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(StudioError, match="nested too deeply|not valid YAML"):
        read_yaml(path)
