"""The lexicon: a small general vocabulary (``resources/lexicon.yaml``, bundled) of workplace
terms with their category, synonyms, is-a parents and part-of wholes, used offline."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.ontology.words import folded_key
from alignment_studio.types.ontology import Category


class LexiconEntry(BaseModel):
    """One term of the general vocabulary."""

    model_config = ConfigDict(extra="forbid")
    term: str
    category: Category
    synonyms: list[str] = Field(default_factory=list)
    is_a: list[str] = Field(default_factory=list)
    part_of: list[str] = Field(default_factory=list)


class Lexicon(BaseModel):
    """A small general vocabulary (synonyms, hypernyms) used offline to vary scenario cues.

    Look-ups accept any surface form of a term (plural, a synonym, any case) and answer with
    the terms as the lexicon writes them."""

    model_config = ConfigDict(extra="forbid")
    entries: list[LexiconEntry]
    _index: dict[tuple[str, ...], LexiconEntry] = PrivateAttr(default_factory=dict)
    _children: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        for e in self.entries:
            for form in (e.term, *e.synonyms):
                self._index.setdefault(folded_key(form), e)
            for parent in e.is_a:
                self._children.setdefault(parent, []).append(e.term)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """A lexicon file: category -> term -> {synonyms, is_a, part_of}."""
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
            entries = [LexiconEntry(term=term, category=Category(category), **(spec or {}))
                       for category, terms in raw.items() for term, spec in terms.items()]
        except (OSError, yaml.YAMLError, AttributeError, ValueError, TypeError,
                ValidationError) as exc:
            raise StudioError(f"not a valid lexicon: {str(exc).splitlines()[0]}", path) from None
        return cls(entries=entries)

    @classmethod
    @functools.cache
    def bundled(cls) -> Lexicon:
        """The curated lexicon shipped with the package (loaded once per process)."""
        return cls.load(Path(str(files("alignment_studio") / "resources" / "lexicon.yaml")))

    def entry(self, word: str) -> LexiconEntry | None:
        return self._index.get(folded_key(word))

    def category(self, word: str) -> Category | None:
        found = self.entry(word)
        return found.category if found else None

    def synonyms(self, word: str) -> list[str]:
        """Other words for the same thing (the entry's term first)."""
        found = self.entry(word)
        if not found:
            return []
        key = folded_key(word)
        return [w for w in (found.term, *found.synonyms) if folded_key(w) != key]

    def hypernyms(self, word: str, transitive: bool = False) -> list[str]:
        """What the word is a kind of: direct parents, or every ancestor nearest first."""
        found = self.entry(word)
        if not found:
            return []
        result: list[str] = []
        frontier = list(found.is_a)
        while frontier:
            parent = frontier.pop(0)
            if parent in result:
                continue
            result.append(parent)
            if transitive and (up := self.entry(parent)):
                frontier.extend(up.is_a)
        return result

    def hyponyms(self, word: str) -> list[str]:
        """Direct kinds of the word ('device' -> computer, tablet, phone, ...)."""
        found = self.entry(word)
        return list(self._children.get(found.term, [])) if found else []

    def siblings(self, word: str) -> list[str]:
        """Other kinds of the word's direct parents ('laptop' -> workstation, server, ...)."""
        found = self.entry(word)
        if not found:
            return []
        result: list[str] = []
        for parent in found.is_a:
            result += [w for w in self.hyponyms(parent) if w != found.term and w not in result]
        return result
