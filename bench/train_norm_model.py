"""Train the second reading's model (framers/second_reading.py) on the labelled documents.

    python bench/train_norm_model.py                   # train on every developed document
    python bench/train_norm_model.py --cross-validate  # leave one round out, per round

The first writes src/alignment_studio/resources/norm_model.json.gz; the second prints, per round
left out, the rules alone and the rules with the second reading.

Each statement the rules produce (read with the second reading off) is one example; its class is
the modality of the label the structure bench matches it to, or ``none``. The held-out rounds
(bench_structure.HELD_OUT_GROUPS) are never read here. Cross-validation leaves out one round (five
documents of five organisations, labelled together) at a time, so the figures are those of
documents the model never saw; the rules, though, were developed on every round, so their own
figures here are in-sample.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_structure as bench  # noqa: E402

from alignment_studio.framers.nlp import parse  # noqa: E402
from alignment_studio.framers.parse import read_document  # noqa: E402
from alignment_studio.framers.second_reading import (  # noqa: E402
    RESOURCE,
    Example,
    save,
    statement_features,
    train,
)
from alignment_studio.framers.statements import Settings  # noqa: E402
from alignment_studio.types import PolicyDocument  # noqa: E402

OUT = bench.REPO / "src" / "alignment_studio" / "resources" / RESOURCE
RULES_ONLY = Settings(second_reading=False)


def developed() -> list[tuple[str, str, PolicyDocument, list[bench.Label]]]:
    """(name, group, rules-only document, labels) of every labelled document not held out."""
    out = []
    for path in bench.label_files():
        name, labels = bench.load_labels(path)
        group = bench.group_of(name)
        if group in bench.HELD_OUT_GROUPS or group in bench.NOT_YET_DEVELOPED:
            continue
        doc = read_document(bench.document_path(name), settings=RULES_ONLY)
        out.append((name, group, doc, labels))
    return out


def examples(doc: PolicyDocument, labels: list[bench.Label]) -> list[Example]:
    """One example per statement, classed by the label the bench matches it to."""
    titles = {s.id: bench.title_key(s.title) for s in doc.all_sections()}
    statements = doc.policies()
    gold: dict[int, str] = {}
    for label in labels:
        hit = bench._best(label, statements, titles, set(gold), doc.title)
        if hit is not None:
            gold[hit] = label.modality.value
    feats = statement_features(doc, parse([p.text for p in statements]))
    return [Example(features=f, gold=gold.get(i, "none")) for i, f in enumerate(feats)]


def cross_validate(docs: list[tuple[str, str, PolicyDocument, list[bench.Label]]],
                   data: dict[str, list[Example]]) -> None:
    groups = sorted({group for _, group, _, _ in docs})
    rules_total, read_total = bench.Scores(), bench.Scores()
    for group in groups:
        model = train([ex for name, exs in data.items() for ex in exs
                       if bench.group_of(name) != group])
        rules, read = bench.Scores(), bench.Scores()
        for name, g, doc, labels in docs:
            if g != group:
                continue
            rules = rules + bench.score(doc, labels)
            again = read_document(bench.document_path(name), settings=Settings(norm_model=model))
            read = read + bench.score(again, labels)
        print(bench.line(f"{group[:22]} rules", rules))
        print(bench.line(f"{group[:22]} + model", read), flush=True)
        rules_total, read_total = rules_total + rules, read_total + read
    print(bench.line("all rounds: rules", rules_total))
    print(bench.line("all rounds: + model", read_total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cross-validate", action="store_true")
    args = parser.parse_args()
    docs = developed()
    data = {name: examples(doc, labels) for name, _, doc, labels in docs}
    if args.cross_validate:
        cross_validate(docs, data)
        return
    model = train([ex for exs in data.values() for ex in exs])
    model.trained_on = sorted(data)
    save(model, OUT)
    print(f"{len(model.weights)} features from {sum(map(len, data.values()))} statements of "
          f"{len(data)} documents -> {OUT.relative_to(bench.REPO)} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
