"""Human review of a generated data set: export it, import decisions, apply them.

An expert reads the exported file (JSONL, or CSV for a spreadsheet) and fills in ``decision``
(accept, reject or edit), ``edited_target``, ``edited_label`` and ``comment``. Importing it
validates every row first (nothing is written if one is wrong), then records the decisions as a
new ``review`` artifact: the generated dataset artifact is never modified, so the teacher's
original output stays available and every change can be traced to a reviewer. Each import of a
dataset's review is a new version (v1, v2, ...); when applying, the latest decision per example
wins.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.core.errors import StudioError
from alignment_studio.core.yamlio import read_jsonl, read_text
from alignment_studio.types import (
    DatasetBundle,
    Dropped,
    Example,
    Kind,
    Label,
    Manifest,
    PolicyDocument,
)
from alignment_studio.workspace.store import Artifact, ArtifactStore, sha256_tree, stage_key

REVIEW_KIND = "review"
Format = Literal["jsonl", "csv"]
Decision = Literal["accept", "reject", "edit"]
REVIEW_COLUMNS = ["decision", "edited_target", "edited_label", "comment"]
COLUMNS = ["id", "kind", "label", "split", "policy_ids", "policy_text", "prompt", "target",
           "chosen", "rejected", *REVIEW_COLUMNS]


class ReviewRow(BaseModel):
    """One example as the reviewer sees it; the last four columns are theirs to fill in."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str
    label: str = ""
    split: str
    policy_ids: str = Field(description="space-separated, so that a spreadsheet cell holds it")
    policy_text: str
    prompt: str = Field(description="the user message")
    target: str = ""
    chosen: str = ""
    rejected: str = ""
    decision: str = ""
    edited_target: str = ""
    edited_label: str = ""
    comment: str = ""


class ReviewDecision(BaseModel):
    """One reviewer's decision on one example, and where it was written."""

    model_config = ConfigDict(extra="forbid")
    example_id: str
    decision: Decision
    edited_target: str | None = None
    edited_label: Label | None = None
    comment: str = ""
    reviewer: str
    timestamp: str  # ISO 8601, UTC
    line: int  # in the imported file


class Review(BaseModel):
    """What one import recorded (``review.json`` of a review artifact)."""

    model_config = ConfigDict(extra="forbid")
    version: int
    dataset: str
    reviewer: str
    created_at: str
    source: str
    sha256: str
    decisions: list[ReviewDecision]


# -- export ------------------------------------------------------------------------------------
def parse_filters(only: list[str]) -> list[tuple[Kind | None, Label | None]]:
    """``KIND``, ``KIND/LABEL`` or ``*/LABEL`` into (kind, label) pairs; None matches any."""
    filters: list[tuple[Kind | None, Label | None]] = []
    for spec in only:
        kind_text, _, label_text = spec.partition("/")
        try:
            kind = Kind(kind_text) if kind_text not in ("", "*") else None
            label = Label(label_text) if label_text not in ("", "*") else None
        except ValueError:
            raise StudioError(f"--only {spec!r}: expected KIND or KIND/LABEL with KIND one of "
                              f"{', '.join(k.value for k in Kind)} and LABEL one of "
                              f"{', '.join(x.value for x in Label)}") from None
        filters.append((kind, label))
    return filters


def _selected(example: Example, filters: list[tuple[Kind | None, Label | None]]) -> bool:
    return not filters or any((kind is None or example.kind == kind)
                              and (label is None or example.label == label)
                              for kind, label in filters)


def review_rows(bundle: DatasetBundle, documents: list[PolicyDocument],
                only: list[str] | None = None) -> list[ReviewRow]:
    """One row per example (those matching ``only``, if given), review columns empty."""
    policies = {p.id: p.text for d in documents for p in d.policies()}
    filters = parse_filters(only or [])
    return [ReviewRow(id=ex.id, kind=ex.kind.value, label=ex.label.value if ex.label else "",
                      split=ex.split.value, policy_ids=" ".join(ex.policy_ids),
                      policy_text="\n".join(f"[{pid}] {policies.get(pid, '(policy not found)')}"
                                            for pid in ex.policy_ids),
                      prompt=next((m.content for m in reversed(ex.messages)
                                   if m.role == "user"), ""),
                      target=ex.target or "", chosen=ex.chosen or "", rejected=ex.rejected or "")
            for ex in bundle.examples if _selected(ex, filters)]


def write_review_file(rows: list[ReviewRow], path: Path, fmt: Format) -> None:
    """JSONL (one object per line) or CSV (header row, UTF-8 with BOM so spreadsheets agree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        path.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(r.model_dump() for r in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


# -- import ------------------------------------------------------------------------------------
def read_review_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) pairs; the format follows the extension (.csv, else JSONL)."""
    if path.suffix.lower() != ".csv":
        return read_jsonl(path, "review file")
    return _read_csv(read_text(path, "review file"), path)


def _read_csv(text: str, path: Path) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict[str, Any]]] = []
    end = 0
    try:
        missing = [c for c in ("id", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            raise StudioError(f"the header row lacks the column(s) {', '.join(missing)}", path,
                              1)
        end = reader.line_num
        for row in reader:
            rows.append((end + 1, row))  # a quoted cell may span lines: report the row's first
            end = reader.line_num
    except csv.Error as exc:  # a cell over csv's field limit, a NUL byte, a stray quote
        raise StudioError(f"not a readable CSV row ({exc}); a cell may hold at most "
                          f"{csv.field_size_limit()} characters: shorten it, close its quotes, "
                          "or review in the JSONL format", path, end + 1) from None
    return rows


def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def parse_decisions(rows: list[tuple[int, dict[str, Any]]], bundle: DatasetBundle, path: Path,
                    reviewer: str, timestamp: str) -> list[ReviewDecision]:
    """Every filled-in row as a decision; the first bad row is a StudioError with its line."""
    examples = {ex.id: ex for ex in bundle.examples}
    decisions: list[ReviewDecision] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        decision = _decision(row, examples, path, line, reviewer, timestamp)
        if decision is None:
            continue
        if decision.example_id in first_line:
            raise StudioError(f"example {decision.example_id!r} is decided twice (first on line "
                              f"{first_line[decision.example_id]})", path, line)
        first_line[decision.example_id] = line
        decisions.append(decision)
    if not decisions:
        raise StudioError("no decisions: fill in the 'decision' column (accept, reject or edit) "
                          "of the rows you reviewed", path)
    return decisions


def _decision(row: dict[str, Any], examples: dict[str, Example], path: Path, line: int,
              reviewer: str, timestamp: str) -> ReviewDecision | None:
    """The row's decision, None for a row left blank; errors name the line."""
    example_id, choice = _cell(row, "id"), _cell(row, "decision").lower()
    target, label_text = _cell(row, "edited_target"), _cell(row, "edited_label").lower()
    if not choice:
        if target or label_text:
            raise StudioError("edited text without a decision: set decision to 'edit'", path,
                              line)
        return None
    if not example_id:
        raise StudioError("row has no id", path, line)
    if example_id not in examples:
        raise StudioError(f"unknown example id {example_id!r} (not in the workspace's current "
                          "data set)", path, line)
    if choice not in ("accept", "reject", "edit"):
        raise StudioError(f"decision must be accept, reject or edit, not {choice!r}", path, line)
    if choice != "edit" and (target or label_text):
        raise StudioError(f"edited text with decision {choice!r}: set decision to 'edit' or "
                          "clear the edited columns", path, line)
    if choice == "edit" and not (target or label_text):
        raise StudioError("decision 'edit' needs edited_target or edited_label", path, line)
    label = _edited_label(label_text, examples[example_id], path, line)
    return ReviewDecision(example_id=example_id, decision=cast(Decision, choice),
                          edited_target=target or None, edited_label=label,
                          comment=_cell(row, "comment"), reviewer=reviewer,
                          timestamp=timestamp, line=line)


def _edited_label(text: str, example: Example, path: Path, line: int) -> Label | None:
    if not text:
        return None
    if example.label is None:
        raise StudioError(f"example {example.id!r} ({example.kind.value}) has no label to edit",
                          path, line)
    try:
        return Label(text)
    except ValueError:
        raise StudioError(f"edited_label must be one of {', '.join(x.value for x in Label)}, "
                          f"not {text!r}", path, line) from None


def review_artifacts(store: ArtifactStore, dataset_id: str) -> list[Artifact]:
    """The review artifacts recorded for a dataset artifact (those still on disk)."""
    return [a for a in store.all() if a.kind == REVIEW_KIND and a.inputs[:1] == [dataset_id]
            and store.path_of(a).exists()]


def carried_review_artifacts(store: ArtifactStore, dataset_id: str,
                             example_ids: set[str]) -> list[Artifact]:
    """The reviews of a dataset artifact, then those recorded on earlier data sets of the
    workspace that decide on examples this one still has (by example ID).

    A data set is re-framed whenever a policy file changes (a heading renamed, a paragraph
    edited elsewhere); its examples keep their IDs when their policy keeps its content-anchored
    ID and the example its text, so the decisions people made on them follow."""
    own = review_artifacts(store, dataset_id)
    others = [a for a in store.all() if a.kind == REVIEW_KIND and a.inputs[:1] != [dataset_id]
              and store.path_of(a).exists()]
    carried = [a for a in others
               if any(d.example_id in example_ids for d in read_review(store, a).decisions)]
    return [*carried, *own]


def read_review(store: ArtifactStore, artifact: Artifact) -> Review:
    return Review.model_validate_json((store.path_of(artifact) / "review.json").read_text("utf-8"))


def load_reviews(store: ArtifactStore, dataset_id: str) -> list[Review]:
    """Every recorded review of a dataset artifact, oldest version first."""
    reviews = [read_review(store, a) for a in review_artifacts(store, dataset_id)]
    return sorted(reviews, key=lambda r: r.version)


def record_review(store: ArtifactStore, dataset: Artifact, decisions: list[ReviewDecision],
                  source: Path, reviewer: str, timestamp: str) -> tuple[Artifact, Review]:
    """A new review artifact (next version) holding the decisions and a copy of the file."""
    version = max((r.version for r in load_reviews(store, dataset.id)), default=0) + 1
    sha = sha256_tree(source)
    inputs = [dataset.id, f"file:{source.name}@{sha[:12]}"]
    config = {"version": version, "reviewer": reviewer}
    review = Review(version=version, dataset=dataset.id, reviewer=reviewer, created_at=timestamp,
                    source=source.name, sha256=sha, decisions=decisions)
    key = stage_key(REVIEW_KIND, inputs, config)
    with store.build(REVIEW_KIND, key) as tmp:
        (tmp / "review.json").write_text(review.model_dump_json(indent=1), "utf-8")
        shutil.copyfile(source, tmp / f"source{source.suffix.lower() or '.jsonl'}")
        return store.commit(tmp, REVIEW_KIND, key, inputs, config), review


# -- apply -------------------------------------------------------------------------------------
def apply_reviews(bundle: DatasetBundle,
                  reviews: list[Review]) -> tuple[DatasetBundle, list[Dropped]]:
    """The bundle with rejected examples removed (returned as Dropped) and edits applied."""
    latest: dict[str, tuple[Review, ReviewDecision]] = {}
    for review in sorted(reviews, key=lambda r: (r.created_at, r.version)):
        for decision in review.decisions:
            latest[decision.example_id] = (review, decision)
    kept: list[Example] = []
    dropped: list[Dropped] = []
    for example in bundle.examples:
        if example.id not in latest or latest[example.id][1].decision == "accept":
            kept.append(example)
            continue
        review, decision = latest[example.id]
        if decision.decision == "reject":
            reason = f"rejected by {decision.reviewer}" + (f": {decision.comment}"
                                                           if decision.comment else "")
            dropped.append(Dropped(reason=reason, stage="review", policy_ids=example.policy_ids,
                                   example=example))
        else:
            kept.append(edited(example, decision, review.version))
    manifest = _manifest(bundle.manifest, kept, len(dropped))
    version = f"{bundle.version}+review{max((r.version for r in reviews), default=0)}"
    return (bundle.model_copy(update={"examples": kept, "manifest": manifest,
                                      "version": version}), dropped)


def edited(example: Example, decision: ReviewDecision, version: int) -> Example:
    """The example with the reviewer's target and/or label; provenance says who changed what.

    A scenario's target starts with its label (``violating: ...``); a label edit without a new
    target rewrites that prefix, so the label and the text cannot disagree.
    """
    update: dict[str, Any] = {}
    changed: list[str] = []
    if decision.edited_label is not None and decision.edited_label != example.label:
        update["label"] = decision.edited_label
        changed.append(f"label {example.label.value if example.label else None} -> "
                       f"{decision.edited_label.value}")
        old = f"{example.label.value}:" if example.label else None
        if decision.edited_target is None and old and (example.target or "").startswith(old):
            update["target"] = f"{decision.edited_label.value}:{(example.target or '')[len(old):]}"
    if decision.edited_target is not None:
        field = "chosen" if example.target is None and example.chosen is not None else "target"
        update[field] = decision.edited_target
        changed.append(field)
    note = f"edited by {decision.reviewer} in review v{version}: {', '.join(changed) or 'none'}"
    if decision.comment:
        note += f" ({decision.comment})"
    update["provenance"] = example.provenance.model_copy(update={"review": note})
    return example.model_copy(update=update)


def _manifest(old: Manifest, examples: list[Example], rejected: int) -> Manifest:
    counts = Counter(f"{e.split.value}/{e.kind.value}/{e.provenance.source}" for e in examples)
    dropped = dict(old.dropped)
    if rejected:
        dropped["review: rejected"] = rejected
    return old.model_copy(update={"counts": dict(sorted(counts.items())), "dropped": dropped})
