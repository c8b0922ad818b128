"""The ontology layer on real documents: the bundled example and 18F handbook pages.

Expected terms are read from the raw Markdown with the test's own patterns, never from the
code under test."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.ontology import (
    GRAPHML_NS,
    Lexicon,
    build_ontology,
    cue_variants,
    ontology_to_graphml,
    ontology_to_json,
)
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Concept, Ontology, PolicyDocument, RelationType


def by_name(files: list[Path], name: str) -> Path:
    return next(p for p in files if p.name == name)


def built(*paths: Path) -> tuple[list[PolicyDocument], Ontology]:
    documents = [read_document(p) for p in paths]
    return documents, build_ontology(documents)


def concept_named(ontology: Ontology, term: str) -> Concept:
    def norm(word: str) -> str:  # singular or plural, any case
        return re.sub(r"(?:(?<=ss)es|(?<=x)es|(?<=[^s])s)$", "", word.lower())

    matches = [c for c in ontology.concepts
               if norm(term) in [norm(c.label), *(norm(s) for s in c.synonyms)]]
    assert matches, f"no concept for {term!r}"
    return matches[0]


def is_a(ontology: Ontology, child: str, parent: str) -> bool:
    c, p = concept_named(ontology, child), concept_named(ontology, parent)
    return p.id in ontology.parents(c.id)


def loosely_in(form: str, text: str) -> bool:
    """Each word of ``form`` in ``text`` in order, allowing an inflected ending and an
    abbreviation in parentheses between them ('payment card industry (PCI) information')."""
    words = form.split()
    stems = [re.escape(w) if w.isupper() and len(w) > 1 else  # an acronym, as written
             "(?i:" + re.escape(w if len(w) <= 4 else w[:-2]) + ")" for w in words]
    gap = r"\S*(?:[\s-]+\([A-Za-z][\w/-]*\))?[\s-]+"
    return re.search(r"(?<![A-Za-z0-9])" + gap.join(stems), text) is not None


# -- definitions ---------------------------------------------------------------------------------
def test_quoted_definitions_of_the_example(example_policy: Path) -> None:
    raw = example_policy.read_text("utf-8")
    expected = re.findall(r"\"([^\"]+)\" (?:means|refers to)", raw)
    assert len(expected) >= 6
    documents, ontology = built(example_policy)
    texts = {p.id: p.text for p in documents[0].policies()}
    for term in expected:
        concept = concept_named(ontology, term)
        assert concept.defined_in in texts, term
        assert f'"{term}"' in texts[concept.defined_in]
        assert concept.definition == texts[concept.defined_in]
        assert concept.defined_in in concept.policy_ids
        assert ontology.terms_of(concept.defined_in) == [concept]


def test_glossary_entries_and_what_is_questions(policies_18f: list[Path]) -> None:
    schedules = by_name(policies_18f, "work-schedules.md")
    incidents = by_name(policies_18f, "security-incidents.md")
    section = schedules.read_text("utf-8").split("## Definitions", 1)[1].split("\n## ", 1)[0]
    glossary = dict(re.findall(r"^\*\*([^*]+)\*\*: (.+)$", section, re.M))
    incident_text = incidents.read_text("utf-8")
    headings = re.findall(r"^### (\w+)$", incident_text.split("## Glossary", 1)[1], re.M)
    assert len(glossary) == 4 and headings == ["Availability", "Confidentiality", "Integrity"]
    documents, ontology = built(schedules, incidents)
    section_of = {p.id: p.section_id for d in documents for p in d.policies()}
    for term, body in glossary.items():
        concept = concept_named(ontology, term)
        assert concept.definition and body.split(":")[0][:30] in concept.definition, term
    for term in headings:
        concept = concept_named(ontology, term)
        assert concept.defined_in and section_of[concept.defined_in] == \
            f"security-incidents/{term.lower()}", term
    incident = concept_named(ontology, "incident")
    assert incident.definition and incident.definition.startswith(
        "An occurrence that actually or potentially jeopardizes")
    assert "An occurrence that actually or potentially jeopardizes" in incident_text


def test_sensitive_information_page(policies_18f: list[Path]) -> None:
    page = by_name(policies_18f, "sensitive-information.md")
    raw = page.read_text("utf-8")
    listed = raw.split("examples of sensitive information", 1)[1].split("\n\n", 2)[1]
    items = [line[2:].strip() for line in listed.splitlines() if line.startswith("- ")]
    assert "passwords" in items and "usernames" in items
    _, ontology = built(page)
    sensitive = concept_named(ontology, "sensitive information")
    assert sensitive.definition and sensitive.definition.startswith("Anything that would make")
    for item in ("passwords", "usernames", "IP addresses", "subnets", "resource IDs"):
        assert item in items
        assert is_a(ontology, item, "sensitive information"), item
    pairs = re.findall(r"((?:[A-Z]\w+ ){1,2}[A-Z]\w+) \(([A-Z]{3})\)", raw)
    assert ("Personally Identifiable Information", "PII") in pairs and len(pairs) >= 4
    for long, short in pairs:  # the abbreviation names a concept whose label ends the long form
        concept = concept_named(ontology, short)
        assert long.lower().endswith(concept.label.lower()), (long, short, concept.label)
    assert is_a(ontology, "personally identifiable information", "information")


def test_password_page_concepts_link_to_their_policies(policies_18f: list[Path]) -> None:
    page = by_name(policies_18f, "password-requirements.md")
    documents, ontology = built(page)
    policies = documents[0].policies()
    for term in ("password manager", "laptop"):
        concept = concept_named(ontology, term)
        expected = {p.id for p in policies if re.search(rf"\b{term}s?\b", p.text, re.I)}
        assert expected and set(concept.policy_ids) == expected, term
    assert is_a(ontology, "master password", "password")
    assert is_a(ontology, "laptop", "device")


IRREGULAR = {"person": "people", "child": "children", "spokesperson": "spokespeople"}


# -- mentions ------------------------------------------------------------------------------------
def test_every_mention_is_in_the_policy_text(policies_18f: list[Path],
                                              example_policy: Path) -> None:
    documents, ontology = built(*policies_18f, example_policy)
    texts = {p.id: p.text for d in documents for p in d.policies()}
    checked = 0
    for concept in ontology.concepts:
        forms = [concept.label, *concept.synonyms]
        forms += [IRREGULAR[f] for f in forms if f in IRREGULAR]
        for pid in concept.policy_ids:
            if concept.category.value == "action":  # verbs inflect; checked by stem only
                forms = [f[:3] for f in forms]
            assert any(loosely_in(f, texts[pid]) for f in forms), (concept.label, texts[pid])
            checked += 1
    assert checked > 500
    assert all(c.policy_ids or c.source.value == "lexicon" for c in ontology.concepts)


def test_mentions_match_whole_words_and_capitals(tmp_path: Path) -> None:
    doc = tmp_path / "it.md"
    doc.write_text("# IT rules\n\n## Devices\n\nYou must report it to IT when a laptop is lost.\n"
                   "\nThe Laptops policy of this Code applies to every laptopbag.\n", "utf-8")
    documents, ontology = built(doc)
    first, second = documents[0].policies()
    it = concept_named(ontology, "IT")
    assert it.policy_ids == [first.id]
    laptop = concept_named(ontology, "laptop")
    assert laptop.policy_ids == [first.id]  # not 'laptopbag'; 'Laptops policy' is a name
    assert ontology.mentions(first.id) and laptop in ontology.mentions(first.id)


# -- is-a and relations --------------------------------------------------------------------------
HANDBOOK = """# Staff handbook

## Roles

A warehouse supervisor must approve every timesheet.

Report a lost badge to the warehouse supervisor on duty.

A burner phone is a phone that is discarded after one trip.

## Data

Staff must not share personally identifiable information, such as home addresses, with vendors.

Laptops, tablets and other devices must be locked when unattended.
"""


def test_is_a_from_heads_patterns_and_definitions(tmp_path: Path) -> None:
    doc = tmp_path / "handbook.md"
    doc.write_text(HANDBOOK, "utf-8")
    documents, ontology = built(doc)
    assert is_a(ontology, "warehouse supervisor", "supervisor")
    assert is_a(ontology, "personally identifiable information", "information")
    assert is_a(ontology, "home address", "personally identifiable information")
    assert is_a(ontology, "tablet", "device") and is_a(ontology, "laptop", "device")
    assert is_a(ontology, "burner phone", "phone")
    burner = concept_named(ontology, "burner phone")
    assert burner.definition and burner.definition.startswith("A burner phone is a phone")
    evidence = {p.id for p in documents[0].policies() if "such as home addresses" in p.text}
    edge = next(r for r in ontology.relations if r.type == RelationType.is_a
                and r.source == concept_named(ontology, "home address").id
                and r.target == concept_named(ontology, "personally identifiable information").id)
    assert set(edge.evidence) == evidence


def test_statement_relations_carry_their_policy(example_policy: Path) -> None:
    documents, ontology = built(example_policy)
    texts = {p.id: p.text for p in documents[0].policies()}
    actors = {p.id: p.actor for p in documents[0].policies()}
    performs = [r for r in ontology.relations if r.type == RelationType.performs]
    handles = [r for r in ontology.relations if r.type == RelationType.handles]
    assert performs and handles
    for r in performs + handles:
        assert r.evidence
        for pid in r.evidence:
            # the actor may come from the parse ("Managers ... must forward it and must not
            # investigate it": the second statement's actor is the shared subject)
            named = {c.id for c in ontology.concepts if actors[pid] and r in performs
                     and c.label.rstrip("s") == actors[pid].rstrip("s")}
            assert r.source in {c.id for c in ontology.mentions(pid)} | named, (r, texts[pid])
            assert r.target in {c.id for c in ontology.mentions(pid)}, (r, texts[pid])
    manager = concept_named(ontology, "manager").id
    assert any(r.source == manager for r in performs)


# -- export --------------------------------------------------------------------------------------
def test_graphml_parses_with_one_node_per_concept(policies_18f: list[Path]) -> None:
    _, ontology = built(*policies_18f)
    text = ontology_to_graphml(ontology)
    root = ET.fromstring(text)
    ns = {"g": GRAPHML_NS}
    nodes = root.findall("g:graph/g:node", ns)
    edges = root.findall("g:graph/g:edge", ns)
    keys = {k.get("attr.name") for k in root.findall("g:key", ns)}
    assert len(nodes) == len(ontology.concepts) and len(edges) == len(ontology.relations)
    assert {"label", "category", "policy_count", "type"} <= keys
    ids = {n.get("id") for n in nodes}
    assert all(e.get("source") in ids and e.get("target") in ids for e in edges)
    try:
        import networkx
    except ImportError:
        return
    graph = networkx.read_graphml(io.BytesIO(text.encode("utf-8")))
    assert graph.number_of_nodes() == len(ontology.concepts)
    assert graph.number_of_edges() == len(ontology.relations)
    first = ontology.concepts[0]
    assert graph.nodes[first.id]["policy_count"] == len(first.policy_ids)


def test_json_round_trips_and_the_build_is_deterministic(example_policy: Path) -> None:
    documents, ontology = built(example_policy)
    assert Ontology.model_validate_json(ontology_to_json(ontology)) == ontology
    assert build_ontology(documents) == ontology
    with pytest.raises(KeyError):
        ontology.concept("no-such-concept")


# -- lexicon and cue variants ------------------------------------------------------------------
def test_lexicon_answers_offline() -> None:
    lexicon = Lexicon.bundled()
    assert len(lexicon.entries) >= 250
    assert "notebook computer" in lexicon.synonyms("laptop")
    assert "laptop" in lexicon.synonyms("notebook computers")
    assert {"tablet", "phone", "workstation"} <= set(lexicon.siblings("laptop"))
    assert "device" in lexicon.hypernyms("laptops", transitive=True)
    assert "tablet" in lexicon.hyponyms("device")
    assert lexicon.synonyms("no such word") == [] and lexicon.category("GSA") is not None


def test_a_broken_lexicon_is_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("asset:\n  laptop: {category_typo: 1}\n", "utf-8")
    with pytest.raises(StudioError) as caught:
        Lexicon.load(bad)
    assert str(bad) in str(caught.value)


CUES = """# Devices

## Loss

You must report a lost laptop or other device to the IT Service Desk.

You may use your laptop for limited personal work.
"""


def test_cue_variants_keep_the_policy_applicable(tmp_path: Path) -> None:
    doc = tmp_path / "devices.md"
    doc.write_text(CUES, "utf-8")
    documents, ontology = built(doc)
    lexicon = Lexicon.bundled()
    report, personal = documents[0].policies()
    variants = cue_variants(ontology, lexicon, report, 20)
    assert variants == cue_variants(ontology, lexicon, report, 20)
    assert len(cue_variants(ontology, lexicon, report, 2)) == 2
    device = concept_named(ontology, "device").id
    siblings = [v for v in variants if v.relation == "sibling"]
    assert siblings and all(v.via == device for v in siblings)
    assert {"tablet", "phone"} & {v.substitute for v in siblings}
    for v in variants:
        assert v.term.lower() in report.text.lower()
        assert v.substitute.lower() not in report.text.lower()
        assert v.apply(report.text) != report.text
        assert v.relation in {"synonym", "hyponym", "sibling"}
    # the second policy names 'laptop' but no hypernym of it: no siblings there
    assert not [v for v in cue_variants(ontology, lexicon, personal, 20)
                if v.relation == "sibling"]
