"""Every studio.yaml key is read somewhere: a key nothing reads is a setting that silently does
nothing, so this test fails for one (issue 14: ``reward.best_of_n`` once was such a key)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from alignment_studio.backends import BACKENDS
from alignment_studio.workspace.config import StudioConfig

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "alignment_studio"
# keys read without naming them, with the reason (keep this short)
READ_WHOLE: dict[str, str] = {}


def settings_keys(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, field name) of every setting, nested sections included."""
    for name, field in model.model_fields.items():
        yield prefix + name, name
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from settings_keys(kind, f"{prefix}{name}.")
        for arg in getattr(kind, "__args__", ()):  # list[ValueSpec], X | None
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                yield from settings_keys(arg, f"{prefix}{name}[].")


def backend_keys() -> Iterator[tuple[str, str]]:
    for kind in BACKENDS.values():
        for name in kind.options.model_fields:
            yield f"{kind.name}:{name}", name


def source_without_config() -> str:
    """The package's source; of the module that declares the keys (whose descriptions name
    other keys), only the lines where a settings class reads its own (``self.key``)."""
    declaring = PACKAGE / "workspace" / "config.py"
    own = [line for line in declaring.read_text("utf-8").splitlines() if "self." in line]
    return "\n".join([*own, *(p.read_text("utf-8") for p in PACKAGE.rglob("*.py")
                              if p != declaring)])


def unread(keys: list[tuple[str, str]], source: str) -> list[str]:
    """The keys whose field name is never read as an attribute (``.name``) in ``source``."""
    return [key for key, name in keys
            if key not in READ_WHOLE and not re.search(rf"\.{name}\b", source)]


def test_every_config_key_is_read() -> None:
    keys = [*settings_keys(StudioConfig), *backend_keys()]
    missing = unread(keys, source_without_config())
    assert not missing, f"studio.yaml keys nothing reads: {missing}"


def test_a_key_nothing_reads_is_found() -> None:
    class Section(BaseModel):
        used: int = 1
        forgotten_setting: int = 2

    keys = list(settings_keys(Section, "extra."))
    assert unread(keys, "x = settings.used\n") == ["extra.forgotten_setting"]


def test_the_walk_finds_nested_keys() -> None:
    keys = {key for key, _ in settings_keys(StudioConfig)}
    assert {"reward.best_of_n", "audit.redteam.max_attacks", "values.values[].weight",
            "serve.best_of_n", "teacher"} <= keys
