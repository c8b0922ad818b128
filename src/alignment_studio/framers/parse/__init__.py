"""Read a policy file into a PolicyDocument: one reader per format, one structure builder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import Block, BlockType, RawDocument, without_contents
from alignment_studio.framers.parse.docx import read_docx
from alignment_studio.framers.parse.html import read_html
from alignment_studio.framers.parse.limits import check_blocks
from alignment_studio.framers.parse.markdown import read_markdown
from alignment_studio.framers.parse.pdf import read_pdf
from alignment_studio.framers.parse.text import read_asciidoc, read_text
from alignment_studio.framers.statements import Settings
from alignment_studio.framers.structure import build_document, slugify
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace.store import sha256_bytes

READERS: dict[str, Callable[[str], RawDocument]] = {
    ".md": read_markdown, ".markdown": read_markdown, ".txt": read_text, ".text": read_text,
    ".rst": read_text, ".rest": read_text,  # the text reader knows reStructuredText's titles
    ".html": read_html, ".htm": read_html, ".adoc": read_asciidoc, ".asciidoc": read_asciidoc,
    ".asc": read_asciidoc,
}
BINARY_READERS: dict[str, Callable[[Path], RawDocument]] = {".docx": read_docx, ".pdf": read_pdf}
# Larger files are refused before they are read: a policy document is rarely over a few MB,
# and a huge upload should fail fast instead of exhausting memory in a reader.
MAX_FILE_MB = 50
MAX_FILE_MB_ENV = "ALIGNMENT_STUDIO_MAX_FILE_MB"


def _read_bytes(path: Path) -> bytes:
    """Raw bytes of a policy file; a missing, non-regular or empty file fails."""
    if not path.exists():
        raise StudioError("policy file not found", path)
    if not path.is_file():
        raise StudioError("not a file", path)
    _check_size(path)
    data = path.read_bytes()
    if not data.strip():
        raise StudioError("policy file is empty", path)
    return data


def max_file_mb() -> float:
    """The size limit in MB: MAX_FILE_MB unless ALIGNMENT_STUDIO_MAX_FILE_MB sets another."""
    raw = os.environ.get(MAX_FILE_MB_ENV, "").strip()
    if not raw:
        return MAX_FILE_MB
    try:
        limit = float(raw)
    except ValueError:
        limit = -1.0
    if limit <= 0:
        raise StudioError(f"{MAX_FILE_MB_ENV}={raw!r} is not a positive number of MB")
    return limit


def _check_size(path: Path) -> None:
    limit = max_file_mb()
    size = path.stat().st_size
    if size > limit * 1024 * 1024:
        raise StudioError(f"file is {size / 1024 / 1024:.1f} MB, over the {limit:g} MB limit "
                          f"for policy documents (set {MAX_FILE_MB_ENV} to raise it)", path)


def decode_policy_file(path: Path) -> tuple[str, bytes]:
    """Text and raw bytes of a text policy file; binary or undecodable files fail too."""
    data = _read_bytes(path)
    if b"\x00" in data[:8192]:
        raise StudioError("looks like a binary file, not a text policy document", path)
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        raise StudioError(f"not valid UTF-8 text (byte {exc.start}); save it as UTF-8",
                          path) from exc


def read_document(path: Path, doc_id: str | None = None,
                  settings: Settings | None = None) -> PolicyDocument:
    """Parse a policy file (Markdown, HTML, text, DOCX or PDF) into sections and policies."""
    reader = READERS.get(path.suffix.lower())
    if reader is None and path.suffix.lower() not in BINARY_READERS:
        supported = ", ".join(sorted([*READERS, *BINARY_READERS]))
        raise StudioError(f"unsupported policy format {path.suffix or '(none)'}; "
                          f"supported: {supported}", path)
    if reader is None:
        data = _read_bytes(path)
        raw = BINARY_READERS[path.suffix.lower()](path)
    else:
        text, data = decode_policy_file(path)
        raw = reader(text.replace("\r\n", "\n").replace("\r", "\n"))
    document = build_document(without_contents(check_blocks(raw, path)),
                              doc_id or slugify(path.stem), str(path),
                              sha256_bytes(data),
                              fallback_title=path.stem.replace("-", " ").title(),
                              settings=settings)
    if not document.policies():
        raise StudioError("no policy text found (only headings or markup)", path)
    return document


__all__ = ["BINARY_READERS", "MAX_FILE_MB", "READERS", "Block", "BlockType", "RawDocument",
           "decode_policy_file", "max_file_mb", "read_document"]
