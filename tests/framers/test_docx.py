"""DOCX ingestion: the fixture written as a real .docx (python-docx) parses to the same tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from renderers import write_docx

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Modality

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


def test_bold_numbered_section_titles_ending_in_a_period_are_headings(tmp_path: Path) -> None:
    """A regulation in Word without heading styles: "§ 2.2 Wildlife protection." in a bold,
    larger run is a heading although it ends in a period; a bold sentence is not."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for text, bold in (("§ 2.2 Wildlife protection.", True), ("(a) The following are "
                       "prohibited:", False), ("(1) The taking of wildlife.", False),
                       ("§ 2.10 Camping.", True), ("Camping is allowed in designated sites.",
                                                   False)):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = bold
        if bold:
            run.font.size = Pt(12)
    path = tmp_path / "parks.docx"
    document.save(str(path))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["§ 2.2 Wildlife protection.",
                                                     "§ 2.10 Camping."]
    assert next(p for p in doc.policies() if p.text.startswith("The taking")).modality == \
        Modality.prohibition
