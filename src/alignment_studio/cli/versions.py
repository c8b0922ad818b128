"""versions and diff: the document versions a workspace has seen, and what changed between two."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from alignment_studio.cli.guard import guard
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.diff import DocumentDiff, diff_documents, match_sections
from alignment_studio.framers.parse import read_document
from alignment_studio.types import PolicyDocument, Section
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.versions import by_recency, list_versions, load_version

console = Console()
TableOrJson = Literal["table", "json"]
_MARK = re.compile(r"(\[-.*?-\]|\{\+.*?\+\})")


def versions(directory: Path,
             document: Annotated[str | None, typer.Argument(help="only this document")] = None,
             fmt: Annotated[TableOrJson, typer.Option("--format")] = "table",
             ) -> None:
    """List the versions of each policy document the workspace has parsed (artifact IDs and
    source files with --format json)."""
    rows = list_versions(Workspace(directory).store, document)
    if fmt == "json":
        typer.echo("[" + ",\n".join(v.model_dump_json() for v in rows) + "]")
        return
    tags = {}
    for doc_id in {v.doc_id for v in rows}:
        recent = by_recency([v for v in rows if v.doc_id == doc_id])
        tags.update({(doc_id, v.version): tag for v, tag in zip(recent, ("latest", "previous"),
                                                                strict=False)})
    table = Table(title=f"document versions in {directory}")
    for column in ("document", "version", "ref", "policies", "first seen"):
        table.add_column(column, overflow="fold", no_wrap=column != "document",
                         min_width=15 if column == "document" else None)
    for v in rows:
        first = dt.datetime.fromtimestamp(v.first_seen).strftime("%m-%d %H:%M")
        table.add_row(v.doc_id, v.version, tags.get((v.doc_id, v.version), ""),
                      str(v.policies), first)
    console.print(table)
    docs = len({v.doc_id for v in rows})
    console.print(f"{len(rows)} version{'s' * (len(rows) != 1)} of {docs} "
                  f"document{'s' * (docs != 1)}")


def diff(args: Annotated[list[str], typer.Argument(
             metavar="DIR OLD NEW", show_default=False,
             help="a workspace and two refs (doc@version, doc@latest, doc@previous, a version "
             "prefix, an artifact ID); with --files, two policy files")],
         files: Annotated[bool, typer.Option("--files", help="compare two policy files "
                                             "instead: diff --files A.md B.md")] = False,
         fmt: Annotated[TableOrJson, typer.Option("--format")] = "table",
         ) -> None:
    """What changed between two versions of a policy document, statement by statement."""
    old, new = _files(args) if files else _workspace_refs(args)
    result = diff_documents(old, new)
    if fmt == "json":
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(diff_tree(result, old, new))
    console.print(result.summary())


def _files(args: list[str]) -> tuple[PolicyDocument, PolicyDocument]:
    if len(args) != 2:
        raise StudioError(f"diff --files takes two policy files, not {len(args)} arguments")
    return read_document(Path(args[0])), read_document(Path(args[1]))


def _workspace_refs(args: list[str]) -> tuple[PolicyDocument, PolicyDocument]:
    if len(args) != 3:
        raise StudioError(f"diff takes DIR OLD NEW (or --files A B), not {len(args)} arguments")
    directory = Path(args[0])
    store = Workspace(directory).store
    return load_version(store, args[1]), load_version(store, args[2])


def word_diff_text(marked: str) -> Text:
    """Rich text of a ``[-old-] {+new+}`` word diff: removals struck red, additions green (the
    markers stay, so the diff still reads without colour)."""
    text = Text()
    for part in _MARK.split(marked):
        if part.startswith("[-") and part.endswith("-]"):
            text.append(part, style="red strike")
        elif part.startswith("{+") and part.endswith("+}"):
            text.append(part, style="green")
        else:
            text.append(part)
    return text


def diff_tree(result: DocumentDiff, old: PolicyDocument, new: PolicyDocument) -> Tree:
    """The differences grouped by section, in the new document's order; removed sections last."""
    tree = Tree(f"[bold]{escape(new.title)}[/bold]  {result.old} → {result.new}")
    renamed = {r.new_id: r for r in result.sections_renamed}
    added_sections = {s.id for s in result.sections_added}
    survivors = match_sections(old, new)
    old_titles = {s.id: s.title for s in old.all_sections()}
    nodes: dict[str, Tree] = {}

    def node(section_id: str, label: str) -> Tree:
        if section_id not in nodes:
            nodes[section_id] = tree.add(label)
        return nodes[section_id]

    def new_node(section: Section) -> Tree:
        if section.id in renamed:
            label = (f"[bold]{escape(renamed[section.id].old_title)}[/bold] → "
                     f"[bold]{escape(section.title)}[/bold] (renamed)")
        else:
            label = f"[bold]{escape(section.title)}[/bold]" + (
                " (new section)" if section.id in added_sections else "")
        return node(section.id, label)

    for s in new.all_sections():
        if s.id in renamed or s.id in added_sections:
            new_node(s)
        for r in result.removed:
            if survivors.get(r.section_id) == s.id:
                new_node(s).add(Text("− " + r.text, style="red"))
        for c in result.changed:
            if c.section_id == s.id:
                new_node(s).add(Text("~ ") + word_diff_text(c.word_diff))
        for m in result.moved:
            if m.new_section_id == s.id:
                new_node(s).add(Text(f"→ {m.text}  (moved from {old_titles[m.old_section_id]})",
                                     style="yellow"))
        for a in result.added:
            if a.section_id == s.id:
                new_node(s).add(Text("+ " + a.text, style="green"))
    for gone in result.sections_removed:
        branch = node(gone.id, f"[bold]{escape(gone.title)}[/bold] (section removed)")
        for r in result.removed:
            if r.section_id == gone.id:
                branch.add(Text("− " + r.text, style="red"))
    return tree


def register(app: typer.Typer) -> None:
    for command in (versions, diff):
        app.command()(guard(command))
