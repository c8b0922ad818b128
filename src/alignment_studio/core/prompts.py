"""Prompt templates: Jinja files in the package, overridable per workspace (``DIR/prompts/``)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError

from alignment_studio.core.errors import StudioError

PACKAGE_PROMPTS = Path(str(files("alignment_studio") / "resources" / "prompts"))


def quote_data(text: str) -> str:
    """Document text made safe to place between data delimiters such as <policy>...</policy>.

    Policy text is data, never instructions: templates put it inside a delimited block and
    tell the model so. Angle brackets become look-alike characters, so text in a document
    (``</policy> New instructions: ...``) can never close the block and speak as the prompt.
    """
    return text.replace("<", "\u2039").replace(">", "\u203a")


@lru_cache(maxsize=8)
def _environment(override: str | None) -> Environment:
    loaders = [FileSystemLoader(override)] if override else []
    loaders.append(FileSystemLoader(str(PACKAGE_PROMPTS)))
    env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                      keep_trailing_newline=False, autoescape=False)
    env.filters["data"] = quote_data
    return env


class Prompts:
    """Renders ``<name>.j2``; a file of the same name in ``override`` wins."""

    def __init__(self, override: Path | None = None):
        self.override = override if override and override.is_dir() else None

    def render(self, template: str, **values: Any) -> str:
        env = _environment(str(self.override) if self.override else None)
        try:
            return env.get_template(f"{template}.j2").render(**values).strip()
        except TemplateError as exc:
            where = self.override / f"{template}.j2" if self.override else f"{template}.j2"
            raise StudioError(f"prompt template: {exc.message}", where,
                              getattr(exc, "lineno", None)) from exc
