"""DOCX ingestion: the fixture written as a real .docx (python-docx) parses to the same tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import BlockType
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.parse.markdown import read_markdown

docx = pytest.importorskip("docx")


def write_docx(markdown: Path, target: Path) -> None:
    """A Word document with the Markdown's structure: heading styles, list and quote styles."""
    document = docx.Document()
    for block in read_markdown(markdown.read_text()).blocks:
        if block.type == BlockType.heading:
            document.add_heading(block.text, level=block.level)
        elif block.type == BlockType.list_item:
            document.add_paragraph(block.text, style="List Bullet")
        elif block.type == BlockType.callout:
            paragraph = document.add_paragraph(style="Intense Quote")
            paragraph.add_run("Important:").bold = True
            paragraph.add_run(" " + block.text)
        elif block.type == BlockType.qa:
            question = document.add_paragraph()
            question.add_run("Q:").bold = True
            question.add_run(f" {block.question}")
            answer = document.add_paragraph()
            answer.add_run("A:").bold = True
            answer.add_run(f" {block.text}")
        else:
            document.add_paragraph(block.text)
    document.save(str(target))


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
