"""DOCX ingestion: the fixture written as a real .docx (python-docx) parses to the same tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from renderers import write_docx

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document

docx = pytest.importorskip("docx")


def test_example_as_docx_gives_the_same_tree_and_ids(example_policy: Path,
                                                     tmp_path: Path) -> None:
    target = tmp_path / "guidelines.docx"
    write_docx(example_policy, target)
    md_doc, docx_doc = read_document(example_policy), read_document(target)
    assert [(s.id, s.title, s.level) for s in docx_doc.all_sections()] == [
        (s.id, s.title, s.level) for s in md_doc.all_sections()]
    assert [(p.id, p.form, p.modality, p.question) for p in docx_doc.policies()] == [
        (p.id, p.form, p.modality, p.question) for p in md_doc.policies()]


def test_broken_docx_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(StudioError) as info:
        read_document(path)
    assert str(path) in str(info.value) and "not a readable .docx" in str(info.value)
