"""ontology: the domain ontology of a workspace's policies (or of one policy file)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from alignment_studio.cli.guard import guard
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.ontology import (
    build_ontology,
    ontology_to_graphml,
    ontology_to_json,
)
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Ontology, PolicyDocument

FORMATS = ("tree", "json", "graphml")


def ontology(path: Annotated[Path, typer.Argument(help="workspace folder or one policy file")],
             fmt: Annotated[Literal["tree", "json", "graphml"], typer.Option(
                 "--format", help="a tree, or a file as JSON or GraphML")] = "tree",
             out: Annotated[Path | None, typer.Option("--out", help="write to FILE")] = None,
             ) -> None:
    """Concepts, is-a edges and relations of the policies, each linked to its policies."""
    built = build_ontology(documents_at(path))
    if fmt == "tree":
        if out is None:
            show(Console(), built)
        else:
            with out.open("w", encoding="utf-8") as handle:
                show(Console(file=handle, width=120), built)
        return
    text = ontology_to_json(built) if fmt == "json" else ontology_to_graphml(built)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, "utf-8")
        Console(stderr=True).print(f"wrote {out}: {len(built.concepts)} concepts, "
                                   f"{len(built.relations)} relations")


def documents_at(path: Path) -> list[PolicyDocument]:
    """One policy file's document, or every policy document of a workspace."""
    if path.is_file():
        return [read_document(path)]
    if not path.is_dir():
        raise StudioError("no such workspace folder or policy file", path)
    from alignment_studio.stages import parse  # the workspace stack, only when needed
    from alignment_studio.workspace import Workspace

    return [document for _, document in parse.documents(Workspace(path))]


def show(console: Console, built: Ontology) -> None:
    """Concepts by category with their is-a parents and policy counts; then defined terms."""
    by_category: dict[str, list[str]] = defaultdict(list)
    labels = {c.id: c.label for c in built.concepts}
    for c in sorted(built.concepts, key=lambda c: (-len(c.policy_ids), c.label.lower())):
        parents = ", ".join(labels[p] for p in built.parents(c.id))
        by_category[c.category.value].append(
            f"[bold]{c.label}[/bold] [dim]{len(c.policy_ids)} policies[/dim]"
            + (f" is-a {parents}" if parents else ""))
    tree = Tree(f"[bold]ontology[/bold]: {len(built.concepts)} concepts, "
                f"{len(built.relations)} relations")
    for category in sorted(by_category):
        branch = tree.add(f"[cyan]{category}[/cyan] ({len(by_category[category])})")
        for line in by_category[category]:
            branch.add(line)
    console.print(tree)
    defined = [c for c in built.concepts if c.definition]
    if defined:
        table = Table(title="defined terms")
        table.add_column("term", no_wrap=True)
        table.add_column("defined in", overflow="fold")
        table.add_column("definition", overflow="fold")
        for c in defined:
            table.add_row(c.label, c.defined_in or "", c.definition or "")
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(guard(ontology))
