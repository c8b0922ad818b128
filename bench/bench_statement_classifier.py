"""Can a classifier trained on the labels correct the rules on documents they were not fitted to?

The rules reach ~.85 on a round they were developed on and ~.60-.70 recall and modality on the
next unseen one. This bench asks whether a statement classifier, trained on the labels of the
other rounds, moves the unseen figures. It must be measured on rule output of the kind it meets
in use: rules that have not seen the document. So each round measured unseen (3 to 7, 9 to 15)
is parsed with the rules as they were at its first (unseen) measurement (the commits below,
checked out as git worktrees in a temporary folder; round 15's .rst file read as text, as it was
then), its statements are scored as they were then, and a multinomial logistic regression
(scikit-learn) trained on the other rounds' statements (those rounds parsed the same way; the
18F pages and rounds 1-2 with today's rules) re-decides each statement's modality. Features: the
rules' modality and negation, the statement's words and word pairs, its first two words, its
form (prose, list item, row), its heading's words and its list lead-in's last words, and the
rules' verdict crossed with the words. Target: the matched label's modality, informational for
a statement no label matches. Leave one round out; the held-out rounds (8, 16) are not used.

Results (bench/results/statement-classifier.txt): on 2026-12-03, rounds 3-6 (1,071 labels), the
classifier was more cautious than the rules and worse on every unseen round (pooled recall .67
-> .61, modality .67 -> .62, precision .74 -> .78). On 2026-12-04 over twelve rounds (3,908
labels, each round's classifier trained on ~4,000 others) the same: recall .63 -> .56, modality
.63 -> .58, precision .72 -> .76, worse on every round. So the parser keeps the rules; this bench
stays to measure a learned model against them.

    .venv/bin/pip install scikit-learn   # not a dependency of the package
    .venv/bin/python bench/bench_statement_classifier.py
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_structure as bench  # noqa: E402

from alignment_studio.types import Form, Modality, Policy, PolicyDocument, Section  # noqa: E402

# the rules each round was first measured with (bench/results/structure-round-N-first-...)
FIRST_MEASURED = {"round 3": "71b8513", "round 4": "ac38ae7", "round 5": "249c470",
                  "round 6": "f28bcca", "round 7": "f481f82", "round 9": "6488e98",
                  "round 10": "0db39c3", "round 11": "dca8e4b", "round 12": "dca8e4b",
                  "round 13": "a2a762a", "round 14": "a2a762a", "round 15": "c115597"}
_ROUND = re.compile(r"^round \d+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_NEGATION = re.compile(r"\b(not|never|no|nor|cannot|neither|nobody|none)\b|n't\b", re.I)
_DUMP = """
import json, sys
from pathlib import Path
sys.path.insert(0, {bench!r})
import bench_structure as b
from alignment_studio.framers.parse import read_document
out = []
for name in sys.argv[2:]:
    path = b.document_path(name)
    if path.suffix == ".rst":  # before .rst was registered it was measured as text
        import shutil, tempfile
        path = Path(shutil.copy(path, Path(tempfile.mkdtemp()) / (path.stem + ".txt")))
    doc = read_document(path)
    out.append({{"name": name, "title": doc.title, "sections": [
        {{"title": s.title, "policies": [
            {{"text": p.text, "modality": p.modality.value, "negated": p.negated,
              "actor": p.actor, "form": p.form.value}} for p in s.policies]}}
        for s in doc.all_sections()]}})
json.dump(out, open(sys.argv[1], "w"))
"""


def short_group(group: str) -> str:
    """"round 10" of "round 10 (measured unseen twice, then developed on)"; the 18F group."""
    found = _ROUND.match(group)
    return found.group(0) if found else group


def parsed_with(src: Path | None, names: list[str], folder: Path) -> dict[str, PolicyDocument]:
    """The documents as the package at ``src`` (None: this checkout) parses them."""
    out = folder / f"{abs(hash((str(src), *names)))}.json"
    env = {"PYTHONPATH": str(src)} if src else {}
    code = _DUMP.format(bench=str(bench.REPO / "bench"))
    subprocess.run([sys.executable, "-c", code, str(out), *names], check=True,
                   env={**_environ(), **env})
    return {d["name"]: _document(d) for d in json.loads(out.read_text())}


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _document(data: dict[str, Any]) -> PolicyDocument:
    sections = [Section(id=f"s{i}", title=s["title"], level=1, policies=[
        Policy(id=f"s{i}/{j}", text=p["text"], modality=Modality(p["modality"]),
               section_id=f"s{i}", form=Form(p["form"]), actor=p["actor"], negated=p["negated"])
        for j, p in enumerate(s["policies"])]) for i, s in enumerate(data["sections"])]
    return PolicyDocument(id=data["name"], title=data["title"], version="-", source="-",
                          sha256="-", sections=sections)


def targets(doc: PolicyDocument, labels: list[bench.Label]) -> list[str]:
    """Each statement's label modality (the first unused match), else informational."""
    titles = {s.id: bench.title_key(s.title) for s in doc.all_sections()}
    statements = doc.policies()
    taken: dict[int, bench.Label] = {}
    for label in labels:
        section = bench.label_section(label, titles, doc.title)
        hit = next((i for i, p in enumerate(statements) if i not in taken
                    and titles[p.section_id] == section and bench.matches(label.text, p.text)),
                   None)
        if hit is not None:
            taken[hit] = label
    return [taken[i].modality.value if i in taken else "informational"
            for i in range(len(statements))]


def features(doc: PolicyDocument) -> Iterator[dict[str, float]]:
    for section in doc.all_sections():
        lead_in: str | None = None
        for p in section.policies:
            words = _WORD.findall(p.text.lower().replace("’", "'"))[:50]
            rule = p.modality.value
            f = {f"rule={rule}": 1.0, "rule_negated": float(p.negated), f"form={p.form.value}":
                 1.0, f"rule={rule}&form={p.form.value}": 1.0, "actor": float(p.actor is not None),
                 "colon": float(p.text.rstrip().endswith(":")),
                 "question": float(p.text.rstrip().endswith("?")),
                 "negation_word": float(bool(_NEGATION.search(p.text)))}
            f.update({f"w={w}": 1.0 for w in words})
            f.update({f"w={a}_{b}": 1.0 for a, b in zip(words, words[1:], strict=False)})
            f.update({f"first{i}={w}": 1.0 for i, w in enumerate(words[:2])})
            f.update({f"rule_informational={rule == 'informational'}&w={w}": 1.0 for w in words})
            f.update({f"heading={w}": 1.0 for w in _WORD.findall(section.title.lower())})
            if p.form == Form.list_item and lead_in is not None:
                f.update({f"lead_in={w}": 1.0 for w in _WORD.findall(lead_in.lower())[-8:]})
            if p.text.rstrip().endswith(":"):
                lead_in = p.text
            yield f


def decided(doc: PolicyDocument, modalities: list[str]) -> PolicyDocument:
    """The document with each statement's modality replaced by the classifier's."""
    doc = copy.deepcopy(doc)
    for policy, value in zip(doc.policies(), modalities, strict=True):
        modality = Modality(value)
        if modality != policy.modality:
            policy.negated = modality == Modality.prohibition and \
                bool(_NEGATION.search(policy.text)) or \
                (modality in (Modality.obligation, Modality.permission) and policy.negated)
            policy.modality = modality
    return doc


def main() -> None:
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        sys.exit("bench_statement_classifier: needs scikit-learn (pip install scikit-learn)")
    labels: dict[str, list[bench.Label]] = {}
    groups: dict[str, str] = {}
    for path in bench.label_files():
        name, found = bench.load_labels(path)
        group = bench.group_of(name)
        if group in bench.HELD_OUT_GROUPS:
            continue
        labels[name], groups[name] = found, short_group(group)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs = parsed_with(None, [n for n, g in groups.items() if g not in FIRST_MEASURED],
                           folder)
        for rev in dict.fromkeys(FIRST_MEASURED.values()):
            tree = folder / rev
            subprocess.run(["git", "-C", str(bench.REPO), "worktree", "add", "--detach", "-f",
                            str(tree), rev], check=True, capture_output=True)
            try:
                docs.update(parsed_with(tree / "src", [
                    n for n, g in groups.items() if FIRST_MEASURED.get(g) == rev], folder))
            finally:
                subprocess.run(["git", "-C", str(bench.REPO), "worktree", "remove", "--force",
                                str(tree)], check=True, capture_output=True)
    rules_total, model_total = bench.Scores(), bench.Scores()
    for group in FIRST_MEASURED:
        train = [n for n in docs if groups[n] != group]
        vectoriser = DictVectorizer()
        x = vectoriser.fit_transform([f for n in train for f in features(docs[n])])
        y = [t for n in train for t in targets(docs[n], labels[n])]
        model = LogisticRegression(max_iter=3000).fit(x, y)
        rules, learned = bench.Scores(), bench.Scores()
        for name in (n for n in docs if groups[n] == group):
            doc = docs[name]
            rules = rules + bench.score(doc, labels[name])
            guess = model.predict(vectoriser.transform(list(features(doc))))
            learned = learned + bench.score(decided(doc, list(guess)), labels[name])
        print(bench.line(f"{group}: rules then", rules))
        print(bench.line(f"{group}: classifier", learned))
        rules_total, model_total = rules_total + rules, model_total + learned
    print(bench.line("pooled: rules then", rules_total)
          + f"  negated {rules_total.negated_accuracy:.2f}")
    print(bench.line("pooled: classifier", model_total)
          + f"  negated {model_total.negated_accuracy:.2f}")


if __name__ == "__main__":
    main()
