"""Bounded parsing: a .docx or PDF that unpacks past a limit fails fast, as one line naming the
file and the limit, before python-docx or pypdf has unpacked it; a damaged PDF is called
damaged, never 'no text layer'. The files are built here, tiny on disk.

Limits far above a test's reach are lowered with monkeypatch: the check is the same code."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import limits, pdf, read_document
from cli_run import SCRIPT
from hostile_files import (
    W,
    document_xml,
    lie_about_size,
    scanned_page,
    text_page,
    write_docx,
    write_encrypted_pdf,
    write_pdf,
)

pytest.importorskip("docx")
pytest.importorskip("pypdf")
RULES = ["Staff must lock their screens.", "Visitors must sign in at reception."]


def refused(path: Path) -> str:
    with pytest.raises(StudioError) as info:
        read_document(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


def measured_parse(path: Path) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """`alignment-studio parse PATH` as a user runs it, with its wall time and its peak memory
    (KB), taken in a fresh parent process so no other child of the tests is counted."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
             "sys.exit(r.returncode)")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", probe, str(SCRIPT), "parse", str(path)],
                            capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    *lines, peak = result.stderr.strip().splitlines()
    return (subprocess.CompletedProcess(result.args, result.returncode, result.stdout,
                                        "\n".join(lines)), elapsed, int(peak))


def test_a_small_docx_and_pdf_built_here_are_read(tmp_path: Path) -> None:
    """The hostile files below differ from these in one respect each."""
    docx = write_docx(tmp_path / "rules.docx", document_xml(RULES))
    assert [p.text for p in read_document(docx).policies()] == RULES
    text = write_pdf(tmp_path / "rules.pdf", [text_page("Rules", *RULES)])
    assert read_document(text).policies()


def test_a_zip_bomb_docx_fails_fast_through_the_cli(tmp_path: Path) -> None:
    """100 MB of XML packed into about 100 KB, under the real limits: refused from the zip
    directory alone, within seconds and far below 1 GB."""
    bomb = write_docx(tmp_path / "bomb.docx", document_xml(RULES, padding=100 << 20))
    assert bomb.stat().st_size < 1 << 20
    result, seconds, peak_kb = measured_parse(bomb)
    assert seconds < 30 and peak_kb < 1 << 20  # 1 GB
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"error: {bomb}: part word/document.xml unpacks to 100.0 MB, over the "
        f"{limits.MAX_PART_MB} MB limit for one part")


def test_a_part_that_packs_too_well_is_refused(tmp_path: Path) -> None:
    bomb = write_docx(tmp_path / "ratio.docx", document_xml(RULES, padding=4 << 20))
    assert "unpacks" in refused(bomb) and f"over the limit of {limits.MAX_RATIO}" in refused(bomb)


def test_all_parts_together_are_bounded(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_UNPACKED_MB", 1)
    extra = {f"word/media/image{i}.bin": bytes(range(256)) * 1200 for i in range(4)}
    docx = write_docx(tmp_path / "parts.docx", document_xml(RULES), extra)
    assert "unpacks to over 1 MB, the limit for all its parts together" in refused(docx)


def test_too_many_parts_are_refused_from_the_end_record(tmp_path: Path) -> None:
    extra = {f"customXml/item{i}.xml": b"<a/>" for i in range(limits.MAX_ZIP_PARTS)}
    docx = write_docx(tmp_path / "parts.docx", document_xml(RULES), extra)
    assert f"zip parts, over the limit of {limits.MAX_ZIP_PARTS}" in refused(docx)


def test_a_part_that_lies_about_its_size_is_damaged(tmp_path: Path) -> None:
    """The declared size passes every check; the bytes that follow do not match it."""
    docx = write_docx(tmp_path / "liar.docx", document_xml(RULES, padding=1 << 20))
    lie_about_size(docx, "word/document.xml", 4096)
    assert "not a readable .docx file" in refused(docx)


def test_unusual_compression_and_broken_xml_are_refused(tmp_path: Path) -> None:
    odd = tmp_path / "bzip2.docx"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_BZIP2) as package:
        package.writestr("word/document.xml", document_xml(RULES))
    assert "uses zip compression method 12" in refused(odd)
    broken = write_docx(tmp_path / "broken.docx", document_xml(RULES)[:-20])
    assert "part word/document.xml is not well-formed XML" in refused(broken)


@pytest.mark.parametrize(("limit", "value", "needle"), [
    ("MAX_DOCX_PARAGRAPHS", 50, "over 50 paragraphs and table rows"),
    ("MAX_DOCX_RUNS", 50, "over 50 runs of text"),
    ("MAX_XML_ELEMENTS", 100, "over 100 XML elements"),
    ("MAX_TEXT_MB", 0.001, "over 0.001 MB of text"),
])
def test_element_counts_are_bounded_while_streaming(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    limit: str, value: float,
                                                    needle: str) -> None:
    monkeypatch.setattr(limits, limit, value)
    docx = write_docx(tmp_path / "many.docx", document_xml(RULES * 30))
    assert needle in refused(docx)


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    """A 'billion laughs' DTD in the XML neither hangs nor expands."""
    entities = ['<!ENTITY e0 "ha">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)]  # e9: 10^9 'ha's
    laughs = (f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(entities)}]>'
              f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&e9;</w:t></w:r></w:p>'
              "</w:body></w:document>").encode()
    started = time.monotonic()
    with pytest.raises(StudioError):
        read_document(write_docx(tmp_path / "laughs.docx", laughs))
    assert time.monotonic() - started < 10


def test_blocks_and_text_of_any_format_are_bounded(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    markdown = tmp_path / "rules.md"
    markdown.write_text("\n\n".join(RULES * 3), encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_BLOCKS", 5)
    assert "holds 6 paragraphs, list items and table rows, over the limit of 5" in refused(
        markdown)
    monkeypatch.setattr(limits, "MAX_BLOCKS", 50)
    monkeypatch.setattr(limits, "MAX_TEXT_MB", 0.0001)
    assert "MB of text, over the 0.0001 MB limit" in refused(markdown)


def test_a_pdf_stream_bomb_fails_fast_through_the_cli(tmp_path: Path) -> None:
    """A page whose content stream inflates to 40 MB: past the decoded stream limit (or, with
    a pypdf too old to be configured, the page content limit)."""
    bomb = write_pdf(tmp_path / "bomb.pdf", [b" " * (40 << 20)])
    assert bomb.stat().st_size < 1 << 20
    result, seconds, peak_kb = measured_parse(bomb)
    assert seconds < 30 and peak_kb < 1 << 20
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith(f"error: {bomb}: ") and "\n" not in line and "MB" in line
    assert "limit" in line


def test_pdf_pages_and_content_are_bounded(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    page = text_page("Rules", *RULES)
    three = write_pdf(tmp_path / "three.pdf", [page] * 3)
    monkeypatch.setattr(pdf, "MAX_PDF_PAGES", 2)
    assert "has 3 pages, over the limit of 2" in refused(three)
    monkeypatch.setattr(pdf, "MAX_PDF_PAGES", 10)
    monkeypatch.setattr(pdf, "MAX_PDF_CONTENT_MB", len(page) * 2.5 / (1 << 20))
    assert "page content unpacks to over" in refused(three) and "MB by page 3" in refused(three)


def test_a_form_drawn_many_times_counts_each_time(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf reads a form's content at every use: a tiny page that draws one form a hundred
    times is as costly as a hundred copies of it."""
    form = text_page(*RULES)
    once = write_pdf(tmp_path / "once.pdf", [b"/Fm1 Do\n"], form=form)
    assert [p.text for p in read_document(once).policies()] == RULES
    monkeypatch.setattr(pdf, "MAX_PDF_CONTENT_MB", len(form) * 50 / (1 << 20))
    often = write_pdf(tmp_path / "often.pdf", [b"/Fm1 Do\n" * 100], form=form)
    assert "page content unpacks to over" in refused(often) and "by page 1" in refused(often)


def test_damaged_encrypted_and_scanned_pdfs_say_what_they_are(tmp_path: Path) -> None:
    """A PDF pypdf half-reads (its page content is missing) is damaged, not 'no text layer'."""
    damaged = write_pdf(tmp_path / "damaged.pdf", [text_page(*RULES)])
    damaged.write_bytes(damaged.read_bytes().replace(b"/Contents 7 0 R", b"/Contents 99 0 R"))
    message = refused(damaged)
    assert "damaged or truncated" in message and "no text layer" not in message
    good = write_pdf(tmp_path / "good.pdf", [text_page(*RULES)]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good[:len(good) // 2])
    assert "damaged or truncated" in refused(truncated)
    assert "encrypted PDF" in refused(write_encrypted_pdf(tmp_path / "locked.pdf"))
    scanned = write_pdf(tmp_path / "scan.pdf", [scanned_page()], image=True)
    assert refused(scanned).endswith("the PDF looks scanned; run OCR (e.g. ocrmypdf) first")
