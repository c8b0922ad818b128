"""diff_documents on a real 18F policy, edited by hand between two parses of a workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alignment_studio.framers.diff import diff_documents, similarity, word_diff
from alignment_studio.framers.parse import read_document
from alignment_studio.stages import parse
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.versions import load_version
from policy_edits import ADDED, DELETED, DOC, EDITED_NEW, EDITED_OLD, MOVED, edit


def by_text(document: PolicyDocument, text: str) -> str:
    [pid] = [p.id for p in document.policies() if p.text == text]
    return pid


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory,
             policies_18f: list[Path]) -> tuple[PolicyDocument, PolicyDocument]:
    """The workspace's previous and latest version of the policy, loaded through refs."""
    root = tmp_path_factory.mktemp("diff")
    policy = root / f"{DOC}.md"
    shutil.copy(next(p for p in policies_18f if p.stem == DOC), policy)
    init_workspace(root / "ws", [policy], [])
    parse.documents(Workspace(root / "ws"))
    edit(policy)
    parse.documents(Workspace(root / "ws"))
    store = Workspace(root / "ws").store
    return load_version(store, f"{DOC}@previous"), load_version(store, f"{DOC}@latest")


def test_diff_lists_exactly_the_edits(versions: tuple[PolicyDocument, PolicyDocument]) -> None:
    old, new = versions
    result = diff_documents(old, new)
    assert [(a.text, a.section_id) for a in result.added] == [
        (ADDED, f"{DOC}/other-unacceptable-behavior")]
    assert [(r.id, r.text) for r in result.removed] == [(by_text(old, DELETED), DELETED)]
    assert [(c.old_id, c.new_id, c.old_text, c.new_text) for c in result.changed] == [
        (by_text(old, EDITED_OLD), by_text(new, EDITED_NEW), EDITED_OLD, EDITED_NEW)]
    assert result.changed[0].word_diff == ("TTS is committed to building a [-safe-] "
                                           "{+safe, inclusive+} and harassment-free environment "
                                           "for everyone.")
    assert [(m.old_section_id, m.new_section_id, m.text) for m in result.moved] == [
        (f"{DOC}/introduction", f"{DOC}/what-we-strive-for", MOVED)]
    assert [(r.old_id, r.new_id, r.old_title, r.new_title) for r in result.sections_renamed] == [
        (f"{DOC}/reporting-violations", f"{DOC}/reporting-harassment", "Reporting violations",
         "Reporting harassment")]
    assert not result.sections_added and not result.sections_removed


def test_unchanged_statements_are_paired_not_reported(
        versions: tuple[PolicyDocument, PolicyDocument]) -> None:
    old, new = versions
    result = diff_documents(old, new)
    reported = ({a.id for a in result.added} | {r.id for r in result.removed}
                | {c.old_id for c in result.changed} | {c.new_id for c in result.changed}
                | {m.old_id for m in result.moved} | {m.new_id for m in result.moved})
    assert len(result.unchanged) == len(old.policies()) - 3 == len(new.policies()) - 3
    old_text = {p.id: p.text for p in old.policies()}
    new_text = {p.id: p.text for p in new.policies()}
    for kept in result.unchanged:
        assert old_text[kept.old_id] == new_text[kept.new_id]
        assert kept.old_id not in reported and kept.new_id not in reported
        if kept.old_id.startswith(f"{DOC}/reporting-violations/"):  # renamed: prefix only
            assert kept.new_id == kept.old_id.replace("violations", "harassment", 1)
        else:
            assert kept.new_id == kept.old_id
    assert result.summary() == (f"1 added, 1 removed, 1 changed, 1 moved, "
                                f"{len(old.policies()) - 3} unchanged; sections: 1 renamed")


def test_same_version_has_no_differences(
        versions: tuple[PolicyDocument, PolicyDocument]) -> None:
    _, new = versions
    result = diff_documents(new, new)
    assert result.is_empty and len(result.unchanged) == len(new.policies())
    assert all(k.old_id == k.new_id for k in result.unchanged)


def test_files_with_other_names_compare_by_section(tmp_path: Path,
                                                   policies_18f: list[Path]) -> None:
    """Document IDs come from file names; sections still pair across two differently named files."""
    old_path, new_path = tmp_path / "conduct-2024.md", tmp_path / "conduct-2025.md"
    shutil.copy(next(p for p in policies_18f if p.stem == DOC), old_path)
    shutil.copy(old_path, new_path)
    edit(new_path)
    result = diff_documents(read_document(old_path), read_document(new_path))
    assert ([a.text for a in result.added], [r.text for r in result.removed],
            [m.text for m in result.moved]) == ([ADDED], [DELETED], [MOVED])
    assert [(c.old_text, c.new_text) for c in result.changed] == [(EDITED_OLD, EDITED_NEW)]
    assert [r.new_title for r in result.sections_renamed] == ["Reporting harassment"]


def write(path: Path, text: str) -> PolicyDocument:
    path.write_text(text, "utf-8")
    return read_document(path)


def test_edits_pair_best_first_and_one_to_one(tmp_path: Path) -> None:
    old = write(tmp_path / "a.md", "# Desk\n\n- Lock your screen when you leave your desk.\n"
                "- Lock your drawer when you leave the office at night.\n")
    new = write(tmp_path / "b.md", "# Desk\n\n- Lock your drawer when you leave the office.\n"
                "- Always lock your screen when you leave your desk.\n")
    result = diff_documents(old, new)
    assert [(c.old_text, c.new_text) for c in result.changed] == [
        ("Lock your drawer when you leave the office at night.",
         "Lock your drawer when you leave the office."),
        ("Lock your screen when you leave your desk.",
         "Always lock your screen when you leave your desk.")]  # new document order
    assert not result.added and not result.removed


def test_dissimilar_rewrite_is_removed_and_added(tmp_path: Path) -> None:
    old = write(tmp_path / "a.md", "# Travel\n\nBook flights through the travel portal.\n")
    new = write(tmp_path / "b.md", "# Travel\n\nAsk your manager before any trip abroad.\n")
    result = diff_documents(old, new)
    assert not result.changed
    assert [r.text for r in result.removed] == ["Book flights through the travel portal."]
    assert [a.text for a in result.added] == ["Ask your manager before any trip abroad."]


def test_edited_statement_in_another_section_is_not_a_change(tmp_path: Path) -> None:
    old = write(tmp_path / "a.md", "# One\n\nKeep receipts for every expense.\n\n# Two\n\nHi.\n")
    new = write(tmp_path / "b.md", "# One\n\nHello.\n\n# Two\n\nKeep receipts for each expense.\n")
    result = diff_documents(old, new)
    assert not result.changed and not result.moved
    assert "Keep receipts for every expense." in [r.text for r in result.removed]


def test_similarity_and_word_diff_by_hand() -> None:
    assert similarity("a b c d", "a b x d") == pytest.approx(2 * 3 / 8)
    assert similarity("race,", "age,") == 0.0  # words, not characters
    assert word_diff("a b c d", "a b x d") == "a b [-c-] {+x+} d"
    assert word_diff("a b", "a b c") == "a b {+c+}"
    assert word_diff("a b c", "b c") == "[-a-] b c"


def test_renamed_section_is_found_by_its_statements(tmp_path: Path) -> None:
    kept = "Request leave two weeks ahead.\n\nRecord sick days in the time system.\n\n"
    old = write(tmp_path / "a.md", f"# Leave\n\n{kept}Holidays follow the federal calendar.\n"
                "\n# Meals\n\nLunch is not paid time.\n")
    new = write(tmp_path / "b.md", f"# Time off\n\n{kept}Unused leave expires in January.\n"
                "\n# Expenses\n\nKeep every receipt for a year.\n")
    result = diff_documents(old, new)
    assert [(r.old_title, r.new_title) for r in result.sections_renamed] == [("Leave", "Time off")]
    assert [s.title for s in result.sections_removed] == ["Meals"]  # nothing in common
    assert [s.title for s in result.sections_added] == ["Expenses"]
    assert [k.new_id for k in result.unchanged] == [p.id for p in new.policies()[:2]]
    assert [r.text for r in result.removed] == ["Holidays follow the federal calendar.",
                                                "Lunch is not paid time."]
    assert [a.text for a in result.added] == ["Unused leave expires in January.",
                                              "Keep every receipt for a year."]
