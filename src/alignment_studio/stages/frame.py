"""The frame stage: documents, seeds and people's grades become a data set artifact.

A data set artifact holds the examples (``dataset.jsonl``, one per line, which JSONL readers such
as ``datasets.load_dataset("json")`` take as it is), its name, version and manifest
(``manifest.json``), every dropped item with its reason, the data card, the coverage figures and
the ontology; this module writes and reads them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from alignment_studio.backends import get_backend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.launch import world_size
from alignment_studio.framers.coverage import Coverage
from alignment_studio.framers.datacard import build_datacard, render_markdown
from alignment_studio.framers.fluency import Perplexity
from alignment_studio.framers.frame import FrameResult, frame_dataset
from alignment_studio.framers.grades import grade_examples, grades_input, with_examples
from alignment_studio.framers.ontology import ontology_to_graphml, ontology_to_json
from alignment_studio.framers.seeds import load_seeds
from alignment_studio.stages import parse
from alignment_studio.types import DatasetBundle, Dropped, Example, PolicyDocument
from alignment_studio.workspace import Artifact, Workspace
from alignment_studio.workspace.store import sha256_tree

VERSION = "frame-v2"
DATASET_FILE = "dataset.jsonl"
MANIFEST_FILE = "manifest.json"  # older artifacts have none: the manifest is dataset.jsonl's line 1
DROPPED_FILE = "dropped.jsonl"
COVERAGE_FILE = "coverage.json"
DATACARD_FILE = "datacard.md"
console = Console(stderr=True)


def dataset(ws: Workspace) -> Artifact:
    """The workspace's data set, framed now or reused when nothing it depends on changed."""
    return ws.once("dataset", lambda: _frame(ws))


def uses_teacher(ws: Workspace) -> bool:
    """Whether framing asks a teacher: one is named (not ``teacher: none``) and given work."""
    frame_settings = ws.config.frame
    return ws.config.teacher is not None and (frame_settings.teacher_policies > 0
                                              or frame_settings.fill_gaps)


def _frame(ws: Workspace) -> Artifact:
    parsed = parse.documents(ws)
    seed_inputs = [ws.file_input(ws.path(s), "seed file") for s in ws.config.seeds]
    prompts_dir = ws.root / "prompts"
    teacher = ws.config.teacher if uses_teacher(ws) else None
    config = {"frame": ws.config.frame.model_dump(),
              "teacher": teacher.model_dump(include={"backend", "model", "base_url"})
              if teacher is not None else None,
              "values": ws.config.values.model_dump(),
              "organization": ws.config.organization, "version": VERSION,
              "prompts": sha256_tree(prompts_dir) if prompts_dir.is_dir() else None}
    documents = [document for _, document in parsed]
    graded = graded_examples(ws, documents)
    inputs = [artifact.id for artifact, _ in parsed] + seed_inputs + grades_input(graded)
    key, found = ws.cached("dataset", inputs, config)
    if found:
        return found
    if world_size() > 1:
        raise StudioError("under a multi-GPU launch the data set must exist already: run "
                          "'alignment-studio frame DIR' once, without accelerate, first",
                          ws.config_path)
    seeds = [load_seeds(ws.path(s), documents) for s in ws.config.seeds]
    for skipped in (d for resolved in seeds for d in resolved.skipped):
        console.print(f"frame: skipped {skipped.reason}", markup=False, highlight=False,
                      soft_wrap=True)
    backend = get_backend(ws.resolve(teacher), cache_dir=ws.cache_dir) if teacher else None
    try:
        result = frame_dataset(documents, seeds, backend, ws.config.frame,
                               ws.config.organization, ws.prompts,
                               ws.store.work_dir("dataset", key) / "teacher.jsonl",
                               f"{teacher.backend}:{teacher.model}" if teacher else "none",
                               teacher.calls_at_once() if teacher else 1, ws.config.values,
                               student_perplexity(ws) if teacher else None)
    finally:
        if backend is not None:
            backend.close()
    result = with_examples(result, graded)
    with ws.store.build("dataset", key) as tmp:
        write(result, tmp)
        return ws.store.commit(tmp, "dataset", key, inputs, config)


def student_perplexity(ws: Workspace) -> Perplexity:
    """The student's perplexity of texts (the fluency filter on teacher items), the student
    loaded only when there is something to score and released right after."""

    def score(texts: Sequence[str]) -> list[float] | None:
        backend = get_backend(ws.resolve(ws.config.student), cache_dir=ws.cache_dir)
        try:
            with console.status(f"frame: the student reads {len(texts)} texts for fluency"):
                return asyncio.run(backend.perplexity(texts))
        finally:
            backend.close()

    return score


def graded_examples(ws: Workspace, documents: list[PolicyDocument]) -> list[Example]:
    """The web studio's comparison grades that prefer one answer and name a policy of
    ``documents``, as human preference examples."""
    return grade_examples(ws.db.list_grades(), set(parse.policies(documents)))


def write(result: FrameResult, folder: Path) -> None:
    """A data set artifact's files: the examples and their manifest, the dropped items, the
    data card (for people), its JSON and the coverage (for tools), and the ontology (JSON and
    GraphML)."""
    result.bundle.write_jsonl(folder / DATASET_FILE, folder / MANIFEST_FILE)
    write_dropped(result.dropped, folder / DROPPED_FILE)
    card = build_datacard(result.bundle, result.coverage, result.dropped)
    (folder / DATACARD_FILE).write_text(render_markdown(card), "utf-8")
    (folder / "datacard.json").write_text(card.model_dump_json(indent=1), "utf-8")
    (folder / COVERAGE_FILE).write_text(result.coverage.model_dump_json(indent=1), "utf-8")
    (folder / "ontology.json").write_text(ontology_to_json(result.ontology), "utf-8")
    (folder / "ontology.graphml").write_text(ontology_to_graphml(result.ontology), "utf-8")


def write_dropped(dropped: list[Dropped], path: Path) -> None:
    """Every dropped item with its stage and reason, one JSON object per line."""
    path.write_text("".join(d.model_dump_json() + "\n" for d in dropped), encoding="utf-8")


def bundle(ws: Workspace, artifact: Artifact) -> DatasetBundle:
    """The examples of a data set artifact, as framed (reviews not applied)."""
    folder = ws.store.path_of(artifact)
    try:
        return DatasetBundle.read_jsonl(folder / DATASET_FILE, folder / MANIFEST_FILE)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:  # JSON, pydantic
        raise _damaged(ws, artifact, exc) from None


def _damaged(ws: Workspace, artifact: Artifact, exc: Exception) -> StudioError:
    """A data set artifact whose files cannot be read (truncated, edited, removed): one line
    that says how to get it back."""
    folder = ws.store.path_of(artifact)
    where = folder.relative_to(ws.root)
    why = " ".join(str(exc).split())[:100]
    return StudioError(f"the data set artifact {artifact.id} is damaged ({type(exc).__name__}: "
                       f"{why}); restore {where} from a backup, or delete that folder and run "
                       f"'alignment-studio frame {ws.root}' to rebuild it", folder / DATASET_FILE)


def coverage(ws: Workspace, artifact: Artifact) -> Coverage | None:
    """The coverage figures of a data set artifact (None for one made without them)."""
    path = ws.store.path_of(artifact) / COVERAGE_FILE
    return Coverage.model_validate_json(path.read_text("utf-8")) if path.is_file() else None


def datacard_path(ws: Workspace, artifact: Artifact) -> Path:
    """The data card of a data set artifact, for people to read."""
    return ws.store.path_of(artifact) / DATACARD_FILE


def latest(ws: Workspace) -> Artifact | None:
    """The newest data set of the workspace, without framing one."""
    return ws.store.latest("dataset")
