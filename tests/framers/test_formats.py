"""The contract every registered document format keeps: the bundled example written in that
format reads into a document with the example's sections and policies, under the file's ID, the
same way twice. A format registered without a sample here fails, so a new reader is tested."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from renderers import render_pdf, to_asciidoc, to_html, to_text, write_docx

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import BINARY_READERS, READERS, read_document

Writer = Callable[[Path, Path], object]
SAMPLES: dict[str, Writer] = {
    ".md": lambda md, out: shutil.copy(md, out),
    ".markdown": lambda md, out: shutil.copy(md, out),
    ".txt": lambda md, out: out.write_text(to_text(md.read_text())),
    ".text": lambda md, out: out.write_text(to_text(md.read_text())),
    ".rst": lambda md, out: out.write_text(to_text(md.read_text())),
    ".rest": lambda md, out: out.write_text(to_text(md.read_text())),
    ".html": lambda md, out: out.write_text(to_html(md.read_text())),
    ".htm": lambda md, out: out.write_text(to_html(md.read_text())),
    ".adoc": lambda md, out: out.write_text(to_asciidoc(md.read_text())),
    ".asciidoc": lambda md, out: out.write_text(to_asciidoc(md.read_text())),
    ".asc": lambda md, out: out.write_text(to_asciidoc(md.read_text())),
    ".docx": write_docx,
    ".pdf": render_pdf,
}
FORMATS = sorted([*READERS, *BINARY_READERS])


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_reads_the_example(suffix: str, example_policy: Path,
                                        tmp_path: Path) -> None:
    assert suffix in SAMPLES, f"no sample for the format {suffix}: add a writer to SAMPLES"
    target = tmp_path / f"code-of-conduct{suffix}"
    SAMPLES[suffix](example_policy, target)
    document = read_document(target)
    expected = read_document(example_policy)
    assert document.id == "code-of-conduct"
    titles = {s.title for s in expected.all_sections()}
    found = {s.title for s in document.all_sections()}
    assert len(titles & found) >= 0.9 * len(titles), titles - found
    ids = [p.id for p in document.policies()]
    assert len(ids) >= 0.9 * len(expected.policies()) and len(set(ids)) == len(ids)
    assert all(i.startswith("code-of-conduct/") and p.text.strip()
               for i, p in zip(ids, document.policies(), strict=True))
    assert [p.id for p in read_document(target).policies()] == ids  # the same, every time


def test_an_unregistered_format_is_refused_naming_every_registered_one(tmp_path: Path) -> None:
    path = tmp_path / "policy.odt"
    path.write_text("Employees must lock their screens.")
    with pytest.raises(StudioError) as caught:
        read_document(path)
    assert all(suffix in str(caught.value) for suffix in FORMATS)
