"""Accuracy of policy extraction against hand-labelled 18F documents (tests/fixtures/labels).

A label matches an extracted statement of the same section when the label's quote is contained
in the statement (or the statement in the quote), or their token Jaccard is >= 0.6. Each
statement matches at most one label. Figures: precision and recall of policy extraction (a
"policy" is a statement whose modality is not informational), modality accuracy on matched pairs,
a confusion matrix of modalities, and actor accuracy where a label names the actor. Prints the
figures; asserts nothing (tests/framers/test_structure_labels.py holds the floors).

    .venv/bin/python bench/bench_structure.py
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from alignment_studio.framers.parse import read_document
from alignment_studio.types import Modality, Policy, PolicyDocument

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "fixtures" / "labels"
POLICIES = REPO.parent / "shared" / "policies" / "18f"
JACCARD = 0.6
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass(frozen=True)
class Label:
    """One hand-labelled statement."""

    section: str
    modality: Modality
    text: str
    actor: str | None = None


@dataclass
class Scores:
    """Counts behind the figures; add two to pool documents."""

    labels: int = 0
    policies: int = 0  # extracted statements that are not informational
    found: int = 0  # labels matched by a statement of any modality
    recalled: int = 0  # labels matched by a non-informational statement
    precise: int = 0  # non-informational statements matched to a label
    modality_ok: int = 0
    actor_total: int = 0
    actor_ok: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.labels + other.labels, self.policies + other.policies,
                      self.found + other.found, self.recalled + other.recalled,
                      self.precise + other.precise, self.modality_ok + other.modality_ok,
                      self.actor_total + other.actor_total, self.actor_ok + other.actor_ok,
                      self.confusion + other.confusion, self.missed + other.missed,
                      self.spurious + other.spurious, self.wrong + other.wrong)

    @property
    def precision(self) -> float:
        return self.precise / self.policies if self.policies else 0.0

    @property
    def recall(self) -> float:
        return self.recalled / self.labels if self.labels else 0.0

    @property
    def modality_accuracy(self) -> float:
        return self.modality_ok / self.found if self.found else 0.0

    @property
    def actor_accuracy(self) -> float:
        return self.actor_ok / self.actor_total if self.actor_total else 0.0


def load_labels(path: Path) -> tuple[str, list[Label]]:
    """The document's file name and its labels."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = [Label(section=str(s["section"]), modality=Modality(s["modality"]),
                    text=str(s["text"]), actor=s.get("actor")) for s in data["statements"]]
    return str(data["document"]), labels


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def matches(label: str, statement: str) -> bool:
    """Quote containment either way (on tokens), or token Jaccard >= 0.6."""
    a, b = tokens(label), tokens(statement)
    if not a or not b:
        return False
    la, lb = " " + " ".join(a) + " ", " " + " ".join(b) + " "
    if la in lb or lb in la:
        return True
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) >= JACCARD


def score(doc: PolicyDocument, labels: list[Label]) -> Scores:
    """Greedy one-to-one matching within sections, labels in document order."""
    titles = {s.id: s.title for s in doc.all_sections()}
    statements = doc.policies()
    used: set[int] = set()
    out = Scores(labels=len(labels),
                 policies=sum(p.modality != Modality.informational for p in statements))
    for label in labels:
        hit = _best(label, statements, titles, used)
        if hit is None:
            out.missed.append(f"{doc.id}: [{label.modality.value}] {label.text}")
            continue
        used.add(hit)
        policy = statements[hit]
        out.found += 1
        out.confusion[(label.modality.value, policy.modality.value)] += 1
        if policy.modality != Modality.informational:
            out.recalled += 1
            out.precise += 1
        if policy.modality == label.modality:
            out.modality_ok += 1
        else:
            out.wrong.append(f"{doc.id}: gold {label.modality.value}, got "
                             f"{policy.modality.value}: {policy.text[:90]}")
        if label.actor is not None:
            out.actor_total += 1
            out.actor_ok += policy.actor == label.actor
    out.spurious = [f"{doc.id}: [{p.modality.value}] {p.text[:90]}"
                    for i, p in enumerate(statements)
                    if i not in used and p.modality != Modality.informational]
    return out


def _best(label: Label, statements: list[Policy], titles: dict[str, str],
          used: set[int]) -> int | None:
    """The first unused matching statement; a non-informational one if there is one."""
    candidates = [i for i, p in enumerate(statements)
                  if i not in used and titles[p.section_id] == label.section
                  and matches(label.text, p.text)]
    normative = [i for i in candidates if statements[i].modality != Modality.informational]
    return (normative or candidates or [None])[0]


def score_all() -> dict[str, Scores]:
    """Scores per labelled document."""
    out: dict[str, Scores] = {}
    for path in sorted(LABELS.glob("*.yaml")):
        name, labels = load_labels(path)
        out[name] = score(read_document(POLICIES / name), labels)
    return out


def confusion_table(scores: Scores) -> str:
    names = [m.value for m in Modality]
    width = max(len("gold \\ extracted"), *map(len, names)) + 2
    lines = ["gold \\ extracted".ljust(width) + " ".join(n[:6].rjust(6) for n in names)]
    for gold in names[:-1]:  # informational statements are not labelled
        cells = " ".join(str(scores.confusion[(gold, got)]).rjust(6) for got in names)
        lines.append(gold.ljust(width) + cells)
    return "\n".join(lines)


def main() -> None:
    verbose = "-v" in sys.argv
    per_doc = score_all()
    total = Scores()
    for name, s in per_doc.items():
        total = total + s
        print(f"{name:28} labels {s.labels:3}  policies {s.policies:3}  "
              f"precision {s.precision:.2f}  recall {s.recall:.2f}  "
              f"modality {s.modality_accuracy:.2f}  actor {s.actor_ok}/{s.actor_total}")
    print(f"{'total':28} labels {total.labels:3}  policies {total.policies:3}  "
          f"precision {total.precision:.2f}  recall {total.recall:.2f}  "
          f"modality {total.modality_accuracy:.2f}  actor {total.actor_accuracy:.2f}")
    print(f"labels found as any statement (segmentation recall): "
          f"{total.found}/{total.labels} = {total.found / max(total.labels, 1):.2f}")
    print(confusion_table(total))
    if verbose:
        for title, items in (("missed", total.missed), ("wrong modality", total.wrong),
                             ("not in labels", total.spurious)):
            print(f"\n{title} ({len(items)}):")
            print("\n".join(f"  {item}" for item in items))


if __name__ == "__main__":
    main()
