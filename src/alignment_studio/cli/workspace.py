"""init, parse and lineage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from alignment_studio.cli.guard import guard
from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.stages.init import init_workspace, outside
from alignment_studio.types import Policy, PolicyDocument, Section
from alignment_studio.workspace import Workspace

console = Console()


def init(directory: Path,
         policy: Annotated[list[Path] | None, typer.Option("--policy", "-p",
                                                           help="policy file(s)")] = None,
         seeds: Annotated[list[Path] | None, typer.Option("--seeds", "-s",
                                                          help="seed YAML file(s)")] = None,
         ) -> None:
    """Create a workspace: DIR/studio.yaml (every key documented) and DIR/.studio/.

    Every policy and seed file is read first, as frame reads it: the first bad one stops init
    (exit 2) and nothing is written. Files inside DIR are stored relative to it."""
    path = init_workspace(directory, policy or [], seeds or [])
    console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    away = outside(path.parent, [*(policy or []), *(seeds or [])])
    if away:
        names = ", ".join(str(p) for p in away)
        console.print(f"note: {names} {'is' if len(away) == 1 else 'are'} outside the workspace, "
                      f"so studio.yaml names {'it' if len(away) == 1 else 'them'} by absolute "
                      f"path; to move or share the workspace, keep its files inside {path.parent}",
                      markup=False, highlight=False, soft_wrap=True)


def parse(file: Path,
          fmt: Annotated[str, typer.Option("--format", help="tree or json")] = "tree") -> None:
    """Print the section tree and individual policies of a policy file."""
    if fmt not in ("tree", "json"):
        raise StudioError(f"--format must be 'tree' or 'json', not {fmt!r}")
    document = read_document(file)
    if fmt == "json":
        typer.echo(document.model_dump_json(indent=2))
        return
    console.print(document_tree(document))
    console.print(f"{len(document.all_sections())} sections, {len(document.policies())} policies")


def document_tree(document: PolicyDocument) -> Tree:
    tree = Tree(f"[bold]{document.title}[/bold] ({document.id}@{document.version})")

    def add(node: Tree, section: Section) -> None:
        branch = node.add(f"[bold]{section.title}[/bold] [dim]{section.id}[/dim]")
        for p in section.policies:
            leaf = branch.add(f"[cyan]{p.id.rsplit('/', 1)[-1]}[/cyan] {p.modality.value:<14} "
                              f"{escape(p.text[:100])}")
            parts = statement_parts(p)
            if parts:
                leaf.add(f"[dim]{escape(parts)}[/dim]")
        for child in section.children:
            add(branch, child)

    for top in document.sections:
        add(tree, top)
    return tree


def statement_parts(policy: Policy) -> str:
    """'actor: you · if …· unless …· refs: …' for the tree (empty when nothing was found)."""
    parts = [f"actor: {policy.actor}"] if policy.actor else []
    parts += policy.conditions + policy.exceptions
    if policy.refs:
        parts.append("refs: " + ", ".join(policy.refs))
    if policy.terms:
        parts.append("defines: " + ", ".join(policy.terms))
    return " · ".join(parts)


def lineage(directory: Path, artifact: Annotated[str | None, typer.Argument()] = None) -> None:
    """Show what produced what: every artifact, or one artifact and its inputs."""
    store = Workspace(directory).store
    rows = store.lineage(artifact) if artifact else store.all()
    table = Table(title=f"lineage of {artifact}" if artifact else "artifacts")
    table.add_column("artifact", no_wrap=True)
    table.add_column("kind")
    table.add_column("sha256", no_wrap=True)
    table.add_column("inputs", overflow="fold")
    table.add_column("created")
    import datetime as dt

    for a in rows:
        created = dt.datetime.fromtimestamp(a.created_at).strftime("%m-%d %H:%M")
        table.add_row(a.id, a.kind, a.sha256[:12], "\n".join(a.inputs), created)
    console.print(table)


def register(app: typer.Typer) -> None:
    for command in (init, parse, lineage):
        app.command()(guard(command))
