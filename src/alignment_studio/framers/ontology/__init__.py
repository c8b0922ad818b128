"""The domain ontology of parsed policy documents, built without a model.

Deterministic and offline: the same documents always give the same ontology. Concepts come from
definition passages, abbreviations, is-a patterns read from the dependency parse ("X such as A,
B", "A, B and other X", "A is a X"), capitalised names and a bundled general lexicon
(``resources/lexicon.yaml``). Matching works on tokens: whole words,
case-insensitive, singular and plural alike; words written with a capital in a concept's label
(GSA, Legal, Slack) must be written with that capital in the text, so "it" is never "IT".

One module per job: ``words`` (match keys and shared word lists), ``lexicon`` (the bundled
vocabulary), extraction (``extract``, with ``builder``, ``definitions``, ``abbreviations``,
``syntax`` (terms from the parse), ``patterns`` (is-a statements), ``phrases`` and
``mentions``), ``export`` (JSON, GraphML) and ``variants`` (cue variants for the generator).
"""

from alignment_studio.framers.ontology.export import (
    GRAPHML_NS,
    ontology_to_graphml,
    ontology_to_json,
)
from alignment_studio.framers.ontology.extract import build_ontology
from alignment_studio.framers.ontology.lexicon import Lexicon, LexiconEntry
from alignment_studio.framers.ontology.variants import cue_variants
from alignment_studio.framers.ontology.words import (
    fold,
    folded_key,
    natural_case,
    phrase_key,
    singular,
)

__all__ = [
    "GRAPHML_NS",
    "Lexicon",
    "LexiconEntry",
    "build_ontology",
    "cue_variants",
    "fold",
    "folded_key",
    "natural_case",
    "ontology_to_graphml",
    "ontology_to_json",
    "phrase_key",
    "singular",
]
