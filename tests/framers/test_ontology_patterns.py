"""Is-a edges read from the dependency parse, abbreviations as concepts, and the precision of
is-a edges on the two hand-labelled 18F pages (bench/bench_ontology.py)."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from parsed import load_bench

from alignment_studio.framers.ontology import build_ontology
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Concept, Ontology


def built(tmp_path: Path, *paragraphs: str) -> Ontology:
    doc = tmp_path / "procedure.md"
    doc.write_text("# Procedure\n\n## Rules\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8")
    return build_ontology([read_document(doc)])


def named(ontology: Ontology, term: str) -> Concept | None:
    def norm(word: str) -> str:
        return re.sub(r"(?<=[^s])s$", "", word.lower())

    return next((c for c in ontology.concepts
                 if norm(term) in [norm(c.label), *(norm(s) for s in c.synonyms)]), None)


def is_a(ontology: Ontology, child: str, parent: str) -> bool:
    c, p = named(ontology, child), named(ontology, parent)
    return c is not None and p is not None and p.id in ontology.parents(c.id)


def parents(ontology: Ontology, child: str) -> set[str]:
    c = named(ontology, child)
    labels = {x.id: x.label.lower() for x in ontology.concepts}
    return {labels[p] for p in ontology.parents(c.id)} if c else set()


# -- lists of kinds --------------------------------------------------------------------------------
def test_such_as_like_and_other_lists_name_kinds(tmp_path: Path) -> None:
    ontology = built(
        tmp_path,
        "Staff must not share personally identifiable information, such as home addresses, "
        "phone numbers and bank details, with vendors.",
        "Laptops, tablets and other devices must be locked when unattended.",
        "Secrets, like passwords and API keys, must not be kept in source code repositories.")
    for child in ("home address", "phone number", "bank detail"):
        assert is_a(ontology, child, "personally identifiable information"), child
    assert not is_a(ontology, "vendor", "personally identifiable information")
    assert is_a(ontology, "laptop", "device") and is_a(ontology, "tablet", "device")
    assert is_a(ontology, "password", "secret") and is_a(ontology, "API key", "secret")
    assert not is_a(ontology, "source code repository", "secret")


def test_copula_categories_and_parenthesised_examples(tmp_path: Path) -> None:
    ontology = built(
        tmp_path,
        "A burner phone is a phone that is discarded after one trip.",
        "Build Pipeline Security is a helpful resource for protecting secrets.",
        "We classify customer data as account records, transaction histories, and other "
        "customer data.",
        "Report any loss of classified information (Secret, Top Secret, etc.) at once.")
    assert is_a(ontology, "burner phone", "phone")
    assert is_a(ontology, "Build Pipeline Security", "resource")  # 'helpful' grades, no kind
    assert is_a(ontology, "account record", "customer data")
    assert is_a(ontology, "other customer data", "customer data")
    assert is_a(ontology, "Top Secret", "classified information")


# -- the parent is the noun the parse names ------------------------------------------------------
def test_a_list_hangs_on_the_noun_the_parse_names_not_a_nearby_one(tmp_path: Path) -> None:
    ontology = built(
        tmp_path,
        "Customers such as politically exposed persons and correspondent banks need enhanced "
        "due diligence from the institution.",
        "Every financial institution must flag transactions with politically exposed persons, "
        "like heads of state.",
        "The bank reviews accounts of politically exposed persons, including ministers and "
        "judges, every year.",
        "You must never share your passwords with anyone, including IT staff.",
        "Employees of central banks are government officials.")
    assert parents(ontology, "politically exposed person") <= {"customer", "person"}
    assert is_a(ontology, "politically exposed person", "customer")
    assert is_a(ontology, "correspondent bank", "customer")
    assert parents(ontology, "heads of state") == {"politically exposed person"}
    assert is_a(ontology, "minister", "politically exposed person")
    assert named(ontology, "year") is None or not parents(ontology, "year")
    assert not is_a(ontology, "IT staff", "password")
    assert not is_a(ontology, "employee", "government official")  # of central banks only


# -- abbreviations ------------------------------------------------------------------------------
def test_abbreviations_become_concepts_with_their_expansion(tmp_path: Path) -> None:
    ontology = built(
        tmp_path,
        "Customer Due Diligence (CDD) applies to every new account.",
        'Enhanced Due Diligence ("EDD") applies to high-risk customers.',
        "We identify all ultimate beneficial owners (UBOs) of a legal entity customer.",
        "Branches run KYC (know your customer) checks on every new customer.",
        "The money laundering reporting officer signs every filing.",
        "Send each filing to the MLRO and do NOT send it to the customer.",
        "Personal health information (PHI/ePHI) must be encrypted.")
    expected = {"CDD": "customer due diligence", "EDD": "enhanced due diligence",
                "UBO": "ultimate beneficial owner", "KYC": "know your customer",
                "MLRO": "money laundering reporting officer",
                "PHI": "personal health information", "ePHI": "personal health information"}
    for abbreviation, expansion in expected.items():
        concept = named(ontology, abbreviation)
        assert concept is not None, abbreviation
        assert concept.label.lower() == expansion and abbreviation in concept.synonyms
        assert concept.policy_ids, abbreviation
    assert named(ontology, "NOT") is None  # emphasis, not an acronym


# -- precision on the labelled pages ------------------------------------------------------------
@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("bench_ontology")


# Floors a little under what bench/bench_ontology.py measured (bench/results/ontology-after.txt):
# sensitive-information (developed on) 0.97 / strict 0.62 / recall 0.95 / 6 of 7 abbreviations;
# security-incidents (held out) 0.92 / strict 0.16 / recall 0.25 / 4 of 4.
FLOORS = {  # document: (precision, strict precision, stated recall, abbreviations with expansion)
    "sensitive-information.md": (0.93, 0.58, 0.90, 6),
    "security-incidents.md": (0.88, 0.12, 0.20, 4),
}


def test_is_a_precision_on_the_labelled_pages(bench: ModuleType) -> None:
    files = bench.label_files()
    assert {bench.load_labels(f).document for f in files} == set(FLOORS)
    for path in files:
        labels, score = bench.score_document(path)
        precision, strict, recall, abbreviations = FLOORS[labels.document]
        assert score.edges >= 15, labels.document
        assert score.precision >= precision, (labels.document, score.wrong)
        assert score.strict_precision >= strict, labels.document
        assert score.recall >= recall, (labels.document, score.missed)
        assert score.abbreviation_expanded >= abbreviations, labels.document


def test_the_bench_matches_leniently(bench: ModuleType) -> None:
    labels = bench.Labels(document="sensitive-information.md",
                          is_a=[("password", "secret", True), ("secret", "sensitive information",
                                                                True),
                                ("secret", "classified information", True),
                                ("pii", "sensitive information", True)],
                          abbreviations=[("pii", "personally identifiable information")],
                          synonyms=[("sensitive information", "sensitive data")])
    graph = bench.Graph(labels, bench.Terms(labels))
    assert graph.holds(["Passwords"], ["sensitive data"])  # plural, synonym, closure
    assert graph.holds(["Personally Identifiable Information"], ["sensitive information"])
    assert graph.holds(["Secret"], ["classified information"])
    assert not graph.holds(["password"], ["classified information"])  # not across 'secret'
