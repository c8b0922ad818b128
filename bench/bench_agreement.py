"""How far two people labelling the same document agree, next to how far the parser agrees
with one of them: the ceiling the extraction targets are measured against.

tests/fixtures/agreement/labels holds a second, independent labelling (by a helper who did not
see the first labels, the rules or the parser's output) of documents labelled once in a round
folder. Two labels correspond when they quote the same statement of the document: each quote is
mapped to the parsed statement it matches in its section (bench_structure's matching), else
two quotes of one section match each other directly. Figures per document and pooled:

- coverage: the share of A's labels that B labelled too, and the other way round (the analogue
  of the parser's recall and precision);
- modality, negated and actor agreement on corresponding labels (actor compared leniently, as
  the bench does);
- the same figures for the parser against A, from bench_structure.

    .venv/bin/python bench/bench_agreement.py
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_structure as bench  # noqa: E402

from alignment_studio.framers.parse import read_document  # noqa: E402
from alignment_studio.types import PolicyDocument  # noqa: E402

SECOND = bench.REPO / "tests" / "fixtures" / "agreement" / "labels"


@dataclass
class Agreement:
    a: int = 0
    b: int = 0
    pairs: int = 0
    modality: int = 0
    negated_both: int = 0  # pairs where either says negated
    negated_same: int = 0
    actor_both: int = 0  # pairs where both name an actor
    actor_same: int = 0

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(*(getattr(self, f) + getattr(other, f)
                           for f in self.__dataclass_fields__))

    def line(self, name: str) -> str:
        def share(n: int, d: int) -> str:
            return f"{n / d:.2f}" if d else "  - "
        return (f"{name:44} A {self.a:3}  B {self.b:3}  A found by B {share(self.pairs, self.a)}  "
                f"B found by A {share(self.pairs, self.b)}  modality "
                f"{share(self.modality, self.pairs)}  negated "
                f"{share(self.negated_same, self.negated_both)}"
                f"  actor {share(self.actor_same, self.actor_both)}")


def _anchor(label: bench.Label, doc: PolicyDocument, titles: dict[str, str]) -> int | None:
    """The index of the parsed statement a label quotes (None if the parser has none)."""
    return bench._best(label, doc.policies(), titles, set(), doc.title)


def compare(doc: PolicyDocument, first: list[bench.Label],
            second: list[bench.Label]) -> tuple[Agreement, Counter[tuple[str, str]]]:
    out = Agreement(a=len(first), b=len(second))
    confusion: Counter[tuple[str, str]] = Counter()
    titles = {s.id: bench.title_key(s.title) for s in doc.all_sections()}
    anchors = [_anchor(label, doc, titles) for label in second]
    used: set[int] = set()
    for label in first:
        at = _anchor(label, doc, titles)
        match = next((j for j, other in enumerate(second) if j not in used and (
            at is not None and anchors[j] == at or
            bench.title_key(other.section) == bench.title_key(label.section)
            and bench.matches(label.text, other.text))), None)
        if match is None:
            continue
        used.add(match)
        other = second[match]
        out.pairs += 1
        out.modality += label.modality == other.modality
        confusion[(label.modality.value, other.modality.value)] += 1
        if label.negated or other.negated:
            out.negated_both += 1
            out.negated_same += label.negated == other.negated
        if label.actor and other.actor:
            out.actor_both += 1
            out.actor_same += bench.same_actor(label.actor, other.actor)
    return out, confusion


def main() -> None:
    first_files = {bench.load_labels(p)[0]: p for p in bench.label_files()}
    total, confusion = Agreement(), Counter[tuple[str, str]]()
    parser = bench.Scores()
    for path in sorted(SECOND.glob("*.yaml")):
        name, second = bench.load_labels(path)
        _, first = bench.load_labels(first_files[name])
        doc = read_document(bench.document_path(name))
        agreement, cells = compare(doc, first, second)
        print(agreement.line(f"{name} (person vs person)"))
        scores = bench.score(doc, first)
        print(f"{'':44} parser vs A: recall {scores.recall:.2f}  precision "
              f"{scores.precision:.2f}  modality {scores.modality_accuracy:.2f}  negated "
              f"{scores.negated_accuracy:.2f}  actor {scores.actor_accuracy:.2f}")
        total, confusion, parser = total + agreement, confusion + cells, parser + scores
    print(total.line("pooled (person vs person)"))
    print(f"{'':44} parser vs A: recall {parser.recall:.2f}  precision {parser.precision:.2f}  "
          f"modality {parser.modality_accuracy:.2f}  negated {parser.negated_accuracy:.2f}  "
          f"actor {parser.actor_accuracy:.2f}")
    print("modality of corresponding labels (A \\ B):")
    for (a, b), n in sorted(confusion.items(), key=lambda kv: -kv[1]):
        if a != b:
            print(f"  {a:15} {b:15} {n}")


if __name__ == "__main__":
    main()
