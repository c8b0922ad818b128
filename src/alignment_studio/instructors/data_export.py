"""The data set in the formats the Hugging Face stack reads as they are, with a dataset card.

Two tables, in TRL's conversational forms:

- ``sft``: ``messages``, the prompt's system and user turns followed by the reference answer as
  the assistant turn (TRL's conversational language-modeling type: ``SFTTrainer`` reads it, as
  do Axolotl's and LLaMA-Factory's chat-template loaders);
- ``preference``: ``prompt`` (the system and user turns), ``chosen`` and ``rejected`` (one
  assistant turn each): TRL's conversational preference type (``DPOTrainer``, ``RewardTrainer``).

Each row also carries ``id``, ``kind``, ``verdict`` (compliant, violating or needs_info for a
scenario), ``policy_ids``, ``book`` and ``source``, so a row leads back to its clause; trainers
drop columns they do not use. The verdict is not called ``label``: that name means "desirable
or not" in TRL's unpaired-preference type.

Formats: ``trl`` writes one JSONL file per table and split (``sft-train.jsonl`` …), ``parquet``
one Parquet file per table and split, ``hf`` one ``datasets`` folder per table
(``save_to_disk`` of a ``DatasetDict`` keyed by split). Each export has a ``README.md``: Hugging
Face metadata (for JSONL and Parquet a ``configs`` list, so ``load_dataset(PATH, "sft")`` works),
the files, how to load them, and the data card of the data set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from alignment_studio.core.errors import StudioError
from alignment_studio.types import DatasetBundle, Example, Split

TABLES = ("sft", "preference")


class DataFormat(str, Enum):
    trl = "trl"
    hf = "hf"
    parquet = "parquet"


class ExportedTable(BaseModel):
    """One table and split of an export: where it is and how many rows it has."""

    model_config = ConfigDict(extra="forbid")
    table: str
    split: Split
    rows: int
    path: str  # relative to the export folder


class DataExport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: DataFormat
    path: Path
    tables: list[ExportedTable]
    files: list[str]


def _turns(example: Example) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in example.messages]


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def _meta(example: Example) -> dict[str, Any]:
    return {"id": example.id, "kind": example.kind.value,
            "verdict": example.label.value if example.label else None,
            "policy_ids": list(example.policy_ids), "book": example.book,
            "source": example.provenance.source}


def sft_row(example: Example) -> dict[str, Any] | None:
    """The conversation with its reference answer as the last turn; None without an answer."""
    if example.target is None:
        return None
    return {"messages": _turns(example) + _assistant(example.target), **_meta(example)}


def preference_row(example: Example) -> dict[str, Any] | None:
    """Prompt, chosen and rejected as conversations; None for an item that is not a pair."""
    if example.chosen is None or example.rejected is None:
        return None
    return {"prompt": _turns(example), "chosen": _assistant(example.chosen),
            "rejected": _assistant(example.rejected), **_meta(example)}


def table_rows(bundle: DatasetBundle, table: str, split: Split) -> list[dict[str, Any]]:
    """The rows of one table for one split, in the data set's order."""
    build = sft_row if table == "sft" else preference_row
    return [row for row in map(build, bundle.split(split)) if row is not None]


def features(table: str) -> Any:
    """The ``datasets`` schema of a table, so an all-empty column keeps its type."""
    from datasets import Features, Value

    turns = [{"role": Value("string"), "content": Value("string")}]
    meta = {"id": Value("string"), "kind": Value("string"), "verdict": Value("string"),
            "policy_ids": [Value("string")], "book": Value("string"),
            "source": Value("string")}
    if table == "sft":
        return Features({"messages": turns, **meta})
    return Features({"prompt": turns, "chosen": turns, "rejected": turns, **meta})


def require_datasets() -> None:
    """Fail with one line if the ``datasets`` package (the hf extra) is missing."""
    try:
        import datasets  # noqa: F401
    except ImportError as exc:
        raise StudioError("--format hf and parquet need the 'datasets' package: "
                          "pip install 'alignment-studio[hf]'") from exc


@contextmanager
def quiet_datasets() -> Iterator[None]:
    """No progress bars from ``datasets`` while writing (the command prints one line)."""
    import datasets

    was_on = not datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_on:
            datasets.enable_progress_bars()


def _to_dataset(rows: list[dict[str, Any]], table: str) -> Any:
    from datasets import Dataset

    return Dataset.from_list(rows, features=features(table))


def _write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def write_tables(bundle: DatasetBundle, fmt: DataFormat, out: Path,
                 splits: list[Split]) -> list[ExportedTable]:
    """Every non-empty table and split of ``bundle`` under ``out`` in ``fmt``."""
    written: list[ExportedTable] = []
    for table in TABLES:
        parts = {s: table_rows(bundle, table, s) for s in splits}
        parts = {s: rows for s, rows in parts.items() if rows}
        if fmt == DataFormat.hf and parts:
            from datasets import DatasetDict

            DatasetDict({s.value: _to_dataset(r, table) for s, r in parts.items()}).save_to_disk(
                str(out / table))
        for split, rows in parts.items():
            name = table if fmt == DataFormat.hf else f"{table}-{split.value}.{_suffix(fmt)}"
            if fmt == DataFormat.trl:
                _write_jsonl(rows, out / name)
            elif fmt == DataFormat.parquet:
                _to_dataset(rows, table).to_parquet(str(out / name))
            written.append(ExportedTable(table=table, split=split, rows=len(rows), path=name))
    return written


def _suffix(fmt: DataFormat) -> str:
    return "jsonl" if fmt == DataFormat.trl else "parquet"


def card_metadata(fmt: DataFormat, tables: list[ExportedTable]) -> dict[str, Any]:
    """The dataset card's YAML header; ``configs`` tells ``load_dataset(PATH, NAME)`` which
    files make which table and split (not for ``hf``, which ``load_from_disk`` reads)."""
    meta: dict[str, Any] = {"tags": ["alignment-studio", "policy-alignment", "trl"],
                            "language": ["en"]}
    if fmt != DataFormat.hf:
        meta["configs"] = [
            {"config_name": table, "data_files": [
                {"split": t.split.value, "path": t.path} for t in tables if t.table == table]}
            for table in TABLES if any(t.table == table for t in tables)]
    return meta


def _loading(fmt: DataFormat, tables: list[ExportedTable]) -> list[str]:
    """A Python snippet that loads every table of the export."""
    names = sorted({t.table for t in tables}, key=TABLES.index)
    folder = "path/to/this/folder"
    if fmt == DataFormat.hf:
        code = ["from datasets import load_from_disk", ""] + [
            f'{n} = load_from_disk("{folder}/{n}")  # {n}["train"], {n}["test"]' for n in names]
    else:
        code = ["from datasets import load_dataset", ""] + [
            f'{n} = load_dataset("{folder}", "{n}")  # {n}["train"], {n}["test"]' for n in names]
    return ["```python", *code, "```"]


def render_card(name: str, bundle: DatasetBundle, fmt: DataFormat,
                tables: list[ExportedTable], datacard: str, source: str) -> str:
    """README.md of an export: metadata, files, loading, columns, then the data card."""
    header = yaml.safe_dump(card_metadata(fmt, tables), sort_keys=False, allow_unicode=True)
    lines = ["---", header.rstrip(), "---", "",
             f"# {name}: policy-alignment data", "",
             f"Exported by Alignment Studio from data set artifact `{source}` (version "
             f"`{bundle.version}`), with every recorded review applied. Conversations are in "
             "TRL's conversational formats: `messages` for supervised fine-tuning, "
             "`prompt`/`chosen`/`rejected` for preference optimisation.", "",
             "| table | split | rows | path |", "|---|---|---:|---|"]
    lines += [f"| {t.table} | {t.split.value} | {t.rows} | `{t.path}` |" for t in tables]
    lines += ["", *_loading(fmt, tables), "",
              "Besides the conversations, every row has `id`, `kind` (instruction, scenario, "
              "preference, conflict, attack), `verdict` (compliant, violating or needs_info "
              "for a scenario, else null), `policy_ids` (the clauses it was derived from), "
              "`book` (guardian: the clause is in the prompt; closed: the user's words alone) "
              "and `source` (where it came from: seed, structure, teacher, human …).", "",
              "---", "", datacard]
    return "\n".join(lines).rstrip() + "\n"


def write_data_export(name: str, bundle: DatasetBundle, fmt: DataFormat, out: Path,
                      splits: list[Split], datacard: str, source: str) -> DataExport:
    """The data set's tables in ``out`` (a new or empty folder) with README.md; ``name`` is
    the card's title, ``source`` the data set artifact the bundle comes from."""
    if fmt != DataFormat.trl:
        require_datasets()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise StudioError("export folder is not empty; choose another --out or empty it", out)
    if not any(sft_row(e) or preference_row(e) for s in splits for e in bundle.split(s)):
        raise StudioError("the data set has no conversation or preference pair in the "
                          f"{' and '.join(s.value for s in splits)} split to export")
    out.mkdir(parents=True, exist_ok=True)
    if fmt == DataFormat.trl:
        tables = write_tables(bundle, fmt, out, splits)
    else:
        with quiet_datasets():
            tables = write_tables(bundle, fmt, out, splits)
    (out / "README.md").write_text(render_card(name, bundle, fmt, tables, datacard, source),
                                   "utf-8")
    return DataExport(format=fmt, path=out, tables=tables,
                      files=sorted(p.name for p in out.iterdir()))
