"""Cue variants for the generator: rewordings of a policy's scenario cues (synonyms, hyponyms,
siblings) under which the policy still applies."""

from __future__ import annotations

import re

from alignment_studio.core.text import tokens
from alignment_studio.framers.ontology.builder import Draft
from alignment_studio.framers.ontology.lexicon import Lexicon
from alignment_studio.framers.ontology.mentions import Matcher, surface_forms
from alignment_studio.framers.ontology.words import IRREGULAR, fold, folded_key, head_words
from alignment_studio.types import Policy
from alignment_studio.types.ontology import Category, Concept, CueVariant, Ontology


def cue_variants(ontology: Ontology, lexicon: Lexicon | None, policy: Policy,
                 k: int = 5) -> list[CueVariant]:
    """Up to ``k`` ways to reword a scenario cue of ``policy`` so the policy still applies.

    The rule, per noun concept that the policy's text names (actions are left alone, since a
    verb swap breaks inflection), in text order:
      1. a synonym (the ontology's or the lexicon's) — same meaning;
      2. a hyponym (an is-a child in the ontology or the lexicon) — a kind of what the policy
         names, so a rule about the general term covers it ('device' -> 'laptop');
      3. a sibling — another child of a hypernym H of the term, only when the policy's text
         names H itself ('laptop' -> 'phone' only where the policy also says 'device').
    Substitutes already in the text, or equal to the term, are skipped; a plural term gets a
    plural substitute. Variants are taken round-robin across terms (so ``k`` small still varies
    several cues), alphabetically within each kind: the same input gives the same list.
    """
    lexicon = lexicon or Lexicon.bundled()
    matcher = Matcher({c.id: surface_forms(_draft_of(c)) for c in ontology.concepts})
    hits = matcher.find(policy.text)
    named = {cid for _, cid, _ in hits}
    per_term: list[list[CueVariant]] = []
    done: set[str] = set()
    for _, cid, surface in hits:
        concept = ontology.concept(cid)
        if cid in done or concept.category == Category.action:
            continue
        done.add(cid)
        options = _substitutes(ontology, lexicon, concept, named)
        last = head_words(surface)[-1]
        plural = len(head_words(surface)) == len(tokens(surface)) and fold(last) != last.lower()
        variants = []
        for word, relation, via in options:
            substitute = _plural(word) if plural else word
            if folded_key(substitute) == folded_key(surface) or re.search(
                    rf"(?<![\w-]){re.escape(substitute)}(?![\w-])", policy.text, re.I):
                continue
            variants.append(CueVariant(policy_id=policy.id, concept_id=cid, term=surface,
                                       substitute=substitute, relation=relation, via=via))
        if variants:
            per_term.append(variants)
    picked: list[CueVariant] = []
    for rank in range(max((len(v) for v in per_term), default=0)):
        picked += [v[rank] for v in per_term if rank < len(v)]
    return picked[:k]


def _draft_of(c: Concept) -> Draft:
    return Draft(label=c.label, category=c.category, source=c.source, synonyms=c.synonyms)


def _substitutes(ontology: Ontology, lexicon: Lexicon, concept: Concept,
                 named: set[str]) -> list[tuple[str, str, str | None]]:
    labels = {c.id: c.label for c in ontology.concepts}
    synonyms = sorted({*concept.synonyms, *lexicon.synonyms(concept.label)} - {concept.label})
    hyponyms = sorted({labels[c] for c in ontology.children(concept.id)}
                      | set(lexicon.hyponyms(concept.label)))
    options: list[tuple[str, str, str | None]] = [(w, "synonym", None) for w in synonyms]
    if concept.label[:1].isupper():
        return options  # a name: another name's rules are not this one's
    options += [(w, "hyponym", None) for w in hyponyms]
    for parent in sorted(set(ontology.parents(concept.id)) & named):
        siblings = ({labels[c] for c in ontology.children(parent)}
                    | set(lexicon.hyponyms(labels[parent]))) - {concept.label}
        options += [(w, "sibling", parent) for w in sorted(siblings)]
    seen: set[tuple[str, ...]] = set()
    unique: list[tuple[str, str, str | None]] = []
    for word, relation, via in options:
        if folded_key(word) not in seen:
            seen.add(folded_key(word))
            unique.append((word, relation, via))
    return unique


def _plural(phrase: str) -> str:
    """'laptop' -> 'laptops', 'policy' -> 'policies' (last word only; acronyms get 's')."""
    head, _, last = phrase.rpartition(" ")
    irregular = {one: many for many, one in IRREGULAR.items()}
    if last in irregular:
        last = irregular[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh", "z")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last
