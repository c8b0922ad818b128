"""Limits that keep a hostile policy file from taking minutes or gigabytes to read.

The 50 MB file limit bounds what is on disk, not what it unpacks to: a 1 MB ``.docx`` can hold
1 GB of XML, and a PDF's streams are compressed too. So a zip package is checked from its
central directory before python-docx unpacks it (the number of parts, each part's unpacked
size and compression ratio, the total), and its XML is streamed once through a counting parser
that builds no tree, with the bytes really read bounded as well in case a declared size lies.
A PDF's decoded streams, pages and content are bounded in ``pdf.py`` with the limits here, and
every format's reader output is bounded in blocks, since the clause analysis after reading
grows with them.

Each failure is one line naming the file and the limit it passed.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import RawDocument

# Real policy documents stay far below these: the largest handbooks seen have a few thousand
# paragraphs, a few MB of XML and a few hundred pages.
MAX_BLOCKS = 20_000  # headings, paragraphs, list items and table rows of one document
MAX_TEXT_MB = 3  # their text: about 1,000 pages, where the clause analysis takes a minute
MAX_ZIP_PARTS = 1_000
MAX_ZIP_DIRECTORY_MB = 1  # the central directory, read before anything else
MAX_PART_MB = 64  # one part of a package, unpacked (an image, or word/document.xml)
MAX_UNPACKED_MB = 256  # all parts together, unpacked
MAX_RATIO = 200  # unpacked / packed size of a part over 1 MB; Word's XML packs 10-30 times
MAX_XML_ELEMENTS = 1_000_000  # every element of every XML part
MAX_DOCX_PARAGRAPHS = 30_000  # paragraphs and table rows, table cells' paragraphs included
MAX_DOCX_RUNS = 100_000  # runs of text: python-docx reads one in about 0.1 ms
MAX_PDF_PAGES = 2_000
MAX_PDF_STREAM_MB = 32  # one PDF stream, decoded
MAX_PDF_CONTENT_MB = 8  # decoded page content of the whole PDF: pypdf reads ~0.4 MB/s

_MB = 1024 * 1024
_CHUNK = 1 << 16
_EOCD = b"PK\x05\x06"  # end of central directory record
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPHS = {f"{_W}p", f"{_W}tr"}
_RUN = f"{_W}r"
_TEXT = f"{_W}t"
_XML_SUFFIXES = (".xml", ".rels")
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Word and LibreOffice write


def check_blocks(raw: RawDocument, path: Path) -> RawDocument:
    """The reader's output, unless it has more blocks or text than one document may have."""
    if len(raw.blocks) > MAX_BLOCKS:
        raise StudioError(f"holds {len(raw.blocks)} paragraphs, list items and table rows, over "
                          f"the limit of {MAX_BLOCKS} for one policy document; split it into "
                          "several files", path)
    chars = sum(len(b.text) + len(b.question or "") for b in raw.blocks)
    if chars > MAX_TEXT_MB * _MB:
        raise StudioError(f"holds {chars / _MB:.1f} MB of text, over the {MAX_TEXT_MB} MB limit "
                          "for one policy document; split it into several files", path)
    return raw


def check_zip_package(path: Path, what: str) -> None:
    """Refuse a zip package (``what``: '.docx') that would unpack past the limits, before any
    part of it is unpacked; then stream its XML parts, counting elements without a tree."""
    _check_directory_size(path, what)
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            _check_parts(infos, path)
            counter = _ElementCounter()
            for info in infos:
                if info.filename.lower().endswith(_XML_SUFFIXES):
                    _stream_part(package, info, counter, path)
    except StudioError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError, ValueError) as exc:  # RuntimeError: an encrypted part
        raise StudioError(f"not a readable {what} file ({type(exc).__name__}: damaged or not "
                          "a zip package)", path) from None


def _check_directory_size(path: Path, what: str) -> None:
    """Read the end record by hand: zipfile would load the whole central directory, a million
    entries in a 50 MB file, before any check could run."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - 22 - 65535))
        tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise StudioError(f"not a readable {what} file (not a zip package)", path)
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    directory = int.from_bytes(tail[at + 12:at + 16], "little")
    if entries > MAX_ZIP_PARTS:
        raise StudioError(f"holds {entries} zip parts, over the limit of {MAX_ZIP_PARTS}", path)
    if directory > MAX_ZIP_DIRECTORY_MB * _MB:
        raise StudioError(f"its zip directory is {directory / _MB:.1f} MB, over the "
                          f"{MAX_ZIP_DIRECTORY_MB} MB limit", path)


def _check_parts(infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Declared sizes, ratios and methods of every part, from the central directory alone."""
    if len(infos) > MAX_ZIP_PARTS:
        raise StudioError(f"holds {len(infos)} zip parts, over the limit of {MAX_ZIP_PARTS}",
                          path)
    total = 0
    for info in infos:
        name = info.filename
        if info.compress_type not in _METHODS:
            raise StudioError(f"part {name} uses zip compression method {info.compress_type}; "
                              "only stored and deflated parts are read", path)
        if info.file_size > MAX_PART_MB * _MB:
            raise StudioError(f"part {name} unpacks to {info.file_size / _MB:.1f} MB, over the "
                              f"{MAX_PART_MB} MB limit for one part", path)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _MB and ratio > MAX_RATIO:
            raise StudioError(f"part {name} unpacks {ratio:.0f} times its packed size, over the "
                              f"limit of {MAX_RATIO} (a zip bomb?)", path)
        total += info.file_size
        if total > MAX_UNPACKED_MB * _MB:
            raise StudioError(f"unpacks to over {MAX_UNPACKED_MB} MB, the limit for all its "
                              "parts together", path)


class _ElementCounter:
    """An lxml parser target: counts start tags, keeps nothing."""

    def __init__(self) -> None:
        self.elements = 0
        self.paragraphs = 0
        self.runs = 0
        self.chars = 0  # of document text (w:t), not of markup
        self._in_text = False

    def start(self, tag: str, attrib: object) -> None:
        self.elements += 1
        self._in_text = tag == _TEXT
        if tag == _RUN:
            self.runs += 1
        elif tag in _PARAGRAPHS:
            self.paragraphs += 1

    def end(self, tag: str) -> None:
        self._in_text = False

    def data(self, data: str) -> None:
        if self._in_text:
            self.chars += len(data)

    def close(self) -> None:
        pass


def _stream_part(package: zipfile.ZipFile, info: zipfile.ZipInfo, counter: _ElementCounter,
                 path: Path) -> None:
    """Feed one XML part to the counter a chunk at a time; stop at the first passed limit."""
    from lxml import etree  # installed with python-docx, the only reader of zip packages

    parser = etree.XMLParser(target=counter, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        with package.open(info) as stream:
            _feed(parser, stream, info, counter, path)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise StudioError(f"part {info.filename} is not well-formed XML ({exc})",
                          path) from None


def _feed(parser: Any, stream: IO[bytes], info: zipfile.ZipInfo, counter: _ElementCounter,
          path: Path) -> None:
    """The bytes really read are bounded too: a declared size may lie."""
    read = 0
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        read += len(chunk)
        if read > min(info.file_size, MAX_PART_MB * _MB):
            raise StudioError(f"part {info.filename} unpacks past its declared size "
                              f"({info.file_size} bytes); the file is damaged or hostile", path)
        parser.feed(chunk)
        _check_counts(counter, path)


def _check_counts(counter: _ElementCounter, path: Path) -> None:
    if counter.elements > MAX_XML_ELEMENTS:
        raise StudioError(f"holds over {MAX_XML_ELEMENTS} XML elements, the limit for one "
                          "document (a zip bomb, or several documents in one?)", path)
    if counter.paragraphs > MAX_DOCX_PARAGRAPHS:
        raise StudioError(f"holds over {MAX_DOCX_PARAGRAPHS} paragraphs and table rows, the "
                          "limit for one policy document; split it into several files", path)
    if counter.chars > MAX_TEXT_MB * _MB:
        raise StudioError(f"holds over {MAX_TEXT_MB} MB of text, the limit for one policy "
                          "document; split it into several files", path)
    if counter.runs > MAX_DOCX_RUNS:
        raise StudioError(f"holds over {MAX_DOCX_RUNS} runs of text, the limit for one "
                          "document (save it again from Word to merge them, or split it)", path)
