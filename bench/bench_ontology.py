"""Precision of the ontology's is-a edges against hand labels (tests/fixtures/ontology).

Two 18F pages carry labels made by hand from the documents alone: sensitive-information.md
(the rules were developed while looking at it) and security-incidents.md (held out: measured
once, at the end). For each, the ontology is built from that document alone, with the bundled
lexicon, and the figures are:

- is-a edges from the text (edges with evidence, i.e. a policy of the document behind them)
  and their precision; the lexicon's own edges (no evidence: general knowledge such as
  'laptop is-a device') are counted apart, since the labels only cover what the text says;
- recall of the labelled ``stated`` edges: a stated [child, parent] is found when the
  ontology's is-a edges (any) lead from a concept named like the child to one named like the
  parent;
- abbreviations: labelled abbreviations that name a concept, and those whose concept also
  carries the labelled expansion.

Matching is lenient. A term is compared lower-case, word by word singular and stemmed
(``core.text.stem``), an abbreviation word replaced by its expansion and a whole term by the
representative of its synonyms; a concept matches by its label or any synonym. An edge is right
when the labels' is-a edges lead (transitively) from child to parent, except across the homonym
"secret" of sensitive-information.md (the TTS category vs the classification level, a separate
node here). Edges the label notes accept "if produced" without listing them are *acceptable*:
the pairs they name, and lexical pairs whose parent is the child's head word(s) but no term of
the labels ('sensitive file -> file'; 'GSA Data Release Policy -> policy' stays wrong, 'policy'
being a labelled term of another sense). Precision counts them right; strict precision wrong.

    .venv/bin/python bench/bench_ontology.py [-v] [--only NAME] [--no-lexicon]

``--no-lexicon`` builds with an empty lexicon: what the text alone gives (the bundled lexicon
knows several of these documents' terms).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from alignment_studio.core.text import stem
from alignment_studio.framers.ontology import Lexicon, build_ontology
from alignment_studio.framers.ontology.words import singular
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Concept, Ontology, RelationType

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "fixtures" / "ontology"
POLICIES = REPO.parent / "shared" / "policies" / "18f"
DEVELOPED = "sensitive-information.md"  # rules developed on it; the other one is held out
# term -> the parents of its second sense (a separate node in the labels' graph)
HOMONYMS: dict[str, dict[str, set[str]]] = {
    "sensitive-information.md": {"secret": {"classified information"}},
}
# pairs the label notes accept "if produced" without listing them as is-a edges
ACCEPTABLE: dict[str, list[tuple[str, str]]] = {
    "sensitive-information.md": [
        ("iam policy", "policy"), ("ephi", "phi"),
        ("non-public security vulnerability", "security vulnerability"),
        ("private certificate", "certificate"), ("private repository", "repository"),
        ("sensitive file", "file")],
    "security-incidents.md": [
        ("incident", "threat"), ("integrity", "soundness"), ("low severity report", "report"),
        ("public slack channel", "slack channel"), ("information system", "system"),
        ("production system", "system"), ("security procedure", "procedure"),
        ("gsa google drive folder", "folder")],
}
_PAIR = re.compile(r"^\s*-\s*\[(?P<pair>[^\]]+)\]\s*(?:#\s*(?P<basis>.*))?$")
_SENSE = "#2"
_PREPOSITIONS = {"of", "about", "for", "in", "on", "with", "from", "to", "by", "at"}


@dataclass
class Labels:
    """One labelled document: is-a edges (child, parent, stated?), abbreviations, synonyms."""

    document: str
    is_a: list[tuple[str, str, bool]]
    abbreviations: list[tuple[str, str]]
    synonyms: list[tuple[str, str]]


@dataclass
class Score:
    """The figures of one document; the lists hold what -v prints."""

    edges: int = 0
    right: int = 0
    acceptable: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    stated: int = 0
    missed: list[str] = field(default_factory=list)
    lexicon_edges: int = 0
    lexicon_right: int = 0
    abbreviations: int = 0
    abbreviation_concepts: int = 0
    abbreviation_expanded: int = 0
    missing_abbreviations: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Right or acceptable edges among those from the text."""
        return (self.right + len(self.acceptable)) / max(self.edges, 1)

    @property
    def strict_precision(self) -> float:
        """Labelled edges (with closure) only among those from the text."""
        return self.right / max(self.edges, 1)

    @property
    def recall(self) -> float:
        return (self.stated - len(self.missed)) / max(self.stated, 1)


def label_files() -> list[Path]:
    return sorted(LABELS.glob("*.yaml"))


def load_labels(path: Path) -> Labels:
    """The labels of one file; whether an is-a edge is ``stated`` comes from its comment."""
    raw = yaml.safe_load(path.read_text("utf-8"))
    block = path.read_text("utf-8").split("\nis_a:", 1)[1].split("\nabbreviations:", 1)[0]
    bases = [m.group("basis") or "" for line in block.splitlines() if (m := _PAIR.match(line))]
    assert len(bases) == len(raw["is_a"]), path
    is_a = [(c, p, "stated" in basis.split("(", 1)[0])
            for (c, p), basis in zip(raw["is_a"], bases, strict=True)]
    return Labels(document=raw["document"], is_a=is_a,
                  abbreviations=[(a, e) for a, e in raw.get("abbreviations") or []],
                  synonyms=[(a, b) for a, b in raw.get("synonyms") or []])


def document_path(name: str) -> Path:
    return POLICIES / name


def build(labels: Labels, lexicon: Lexicon | None = None) -> Ontology:
    """The ontology of the labelled document alone (the bundled lexicon unless one is given)."""
    return build_ontology([read_document(document_path(labels.document))], lexicon)


def norm(term: str) -> str:
    """Lower case, words singular and stemmed, articles off the front."""
    words = [stem(singular(w)) for w in re.findall(r"[a-z0-9]+", term.lower())]
    while words and words[0] in {"a", "an", "the", "some", "any"}:
        words = words[1:]
    return " ".join(words)


class Terms:
    """Canonical forms of the labels' terms: abbreviations expanded, synonyms merged."""

    def __init__(self, labels: Labels):
        self.expansions = {norm(a): norm(e) for a, e in labels.abbreviations}
        self.same: dict[str, str] = {}
        for a, b in labels.synonyms:
            ra, rb = self._root(self.expand(a)), self._root(self.expand(b))
            if ra != rb:
                self.same[max(ra, rb)] = min(ra, rb)

    def expand(self, term: str) -> str:
        return " ".join(self.expansions.get(w, w) for w in norm(term).split())

    def _root(self, term: str) -> str:
        while term in self.same:
            term = self.same[term]
        return term

    def canon(self, term: str) -> str:
        return self._root(self.expand(term))


class Graph:
    """The labels' is-a graph on canonical terms, with the homonym's second sense apart."""

    def __init__(self, labels: Labels, terms: Terms):
        self.terms = terms
        self.senses = {terms.canon(t): {terms.canon(p) for p in ps}
                       for t, ps in HOMONYMS.get(labels.document, {}).items()}
        self.parents: dict[str, set[str]] = {}
        for child, parent, _ in labels.is_a:
            c, p = terms.canon(child), terms.canon(parent)
            if p in self.senses.get(c, set()):
                c += _SENSE
            self.parents.setdefault(c, set()).add(p)

    def nodes(self, term: str) -> list[str]:
        c = self.terms.canon(term)
        return [c, c + _SENSE] if c in self.senses else [c]

    def ancestors(self, node: str) -> set[str]:
        seen: set[str] = set()
        frontier = [node]
        while frontier:
            for p in self.parents.get(frontier.pop(), set()):
                if p not in seen:
                    seen.add(p)
                    frontier.append(p)
        return seen

    def holds(self, child: Iterable[str], parent: Iterable[str]) -> bool:
        """Whether some form of the child is-a some form of the parent in the labels."""
        targets = {self.terms.canon(p) for p in parent}
        return any(targets & self.ancestors(n) for c in child for n in self.nodes(c))


def forms(concept: Concept) -> list[str]:
    return [concept.label, *concept.synonyms]


def head(term: str) -> str:
    """A term without its prepositional phrase: 'information about the public' ->
    'information'."""
    words = term.split()
    cut = next((i for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words))
    return " ".join(words[:cut])


def acceptable(labels: Labels, terms: Terms, child: list[str], parent: list[str]) -> bool:
    """A pair the notes accept if produced: one they name, a lexical pair whose parent is the
    child's head word(s) and no term of the labels, or two synonyms of the labels."""
    named = {(terms.canon(c), terms.canon(p)) for c, p in ACCEPTABLE.get(labels.document, [])}
    used = {terms.canon(t) for c, p, _ in labels.is_a for t in (c, p)}
    for c in child:
        for p in parent:
            cc, pc = terms.canon(c), terms.canon(p)
            if (cc, pc) in named or cc == pc or (
                    pc not in used and head(norm(c)).endswith(" " + norm(p))):
                return True
    return False


def score(ontology: Ontology, labels: Labels) -> Score:
    terms = Terms(labels)
    graph = Graph(labels, terms)
    out = Score()
    concepts = {c.id: c for c in ontology.concepts}
    for r in ontology.relations:
        if r.type != RelationType.is_a:
            continue
        child, parent = concepts[r.source], concepts[r.target]
        right = graph.holds(forms(child), forms(parent))
        if not r.evidence:
            out.lexicon_edges += 1
            out.lexicon_right += right
            continue
        out.edges += 1
        out.right += right
        shown = f"{child.label} -> {parent.label}"
        if not right and acceptable(labels, terms, forms(child), forms(parent)):
            out.acceptable.append(shown)
        elif not right:
            out.wrong.append(shown)
    _recall(ontology, labels, terms, out)
    _abbreviations(ontology, labels, out)
    return out


def _recall(ontology: Ontology, labels: Labels, terms: Terms, out: Score) -> None:
    """Stated edges that the ontology's is-a edges (any) lead along."""
    named: dict[str, set[str]] = {}
    for c in ontology.concepts:
        for f in forms(c):
            named.setdefault(terms.canon(f), set()).add(c.id)
    up: dict[str, set[str]] = {}
    for r in ontology.relations:
        if r.type == RelationType.is_a:
            up.setdefault(r.source, set()).add(r.target)
    for child, parent, stated in labels.is_a:
        if not stated:
            continue
        out.stated += 1
        goal = named.get(terms.canon(parent), set())
        if not any(goal & _reach(up, c) for c in named.get(terms.canon(child), set())):
            out.missed.append(f"{child} -> {parent}")


def _reach(up: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        for p in up.get(frontier.pop(), set()):
            if p not in seen:
                seen.add(p)
                frontier.append(p)
    return seen


def _abbreviations(ontology: Ontology, labels: Labels, out: Score) -> None:
    """Labelled abbreviations that name a concept; and whose concept carries the expansion."""
    for abbr, expansion in labels.abbreviations:
        out.abbreviations += 1
        owners = [c for c in ontology.concepts if any(f.lower() == abbr for f in forms(c))]
        out.abbreviation_concepts += bool(owners)
        expanded = any(norm(f) == norm(expansion) for c in owners for f in forms(c))
        out.abbreviation_expanded += expanded
        if not expanded:
            out.missing_abbreviations.append(f"{abbr} ({expansion})"
                                             + ("" if owners else ": no concept"))


def score_document(path: Path, lexicon: Lexicon | None = None) -> tuple[Labels, Score]:
    labels = load_labels(path)
    return labels, score(build(labels, lexicon), labels)


def line(labels: Labels, s: Score) -> str:
    role = "developed on" if labels.document == DEVELOPED else "held out"
    return (f"{labels.document} ({role}): is-a edges from text {s.edges}, precision "
            f"{s.right + len(s.acceptable)}/{s.edges} = {s.precision:.2f} (strict {s.right}/"
            f"{s.edges} = {s.strict_precision:.2f}, {len(s.acceptable)} acceptable); "
            f"stated recall {s.stated - len(s.missed)}/{s.stated} = {s.recall:.2f}; "
            f"abbreviations as concepts {s.abbreviation_concepts}/{s.abbreviations}, "
            f"with expansion {s.abbreviation_expanded}/{s.abbreviations}; lexicon-only edges "
            f"{s.lexicon_edges} ({s.lexicon_right} in labels)")


def details(s: Score) -> str:
    parts = []
    for title, items in (("wrong", s.wrong), ("acceptable", s.acceptable),
                         ("missed stated", s.missed),
                         ("abbreviations missing", s.missing_abbreviations)):
        parts.append(f"  {title} ({len(items)}):")
        parts += [f"    {item}" for item in items]
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    lexicon = Lexicon(entries=[]) if "--no-lexicon" in argv else None
    for path in label_files():
        if only and only not in path.name:
            continue
        labels, s = score_document(path, lexicon)
        print(line(labels, s))
        if "-v" in argv:
            print(details(s))


if __name__ == "__main__":
    main(sys.argv[1:])
