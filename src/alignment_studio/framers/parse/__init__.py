"""Read a policy file into a PolicyDocument: one reader per format, one structure builder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alignment_studio.errors import StudioError
from alignment_studio.framers.blocks import Block, BlockType, RawDocument
from alignment_studio.framers.parse.html import read_html
from alignment_studio.framers.parse.markdown import read_markdown
from alignment_studio.framers.parse.text import read_text
from alignment_studio.framers.structure import build_document, slugify
from alignment_studio.types import PolicyDocument
from alignment_studio.workspace.store import sha256_bytes

READERS: dict[str, Callable[[str], RawDocument]] = {
    ".md": read_markdown, ".markdown": read_markdown, ".txt": read_text, ".text": read_text,
    ".html": read_html, ".htm": read_html,
}


def decode_policy_file(path: Path) -> tuple[str, bytes]:
    """Text and raw bytes of a policy file; missing, empty, binary or undecodable files fail."""
    if not path.exists():
        raise StudioError("policy file not found", path)
    if not path.is_file():
        raise StudioError("not a file", path)
    data = path.read_bytes()
    if not data.strip():
        raise StudioError("policy file is empty", path)
    if b"\x00" in data[:8192]:
        raise StudioError("looks like a binary file, not a text policy document", path)
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        raise StudioError(f"not valid UTF-8 text (byte {exc.start}); save it as UTF-8",
                          path) from exc


def read_document(path: Path, doc_id: str | None = None) -> PolicyDocument:
    """Parse a policy file (Markdown, HTML or plain text) into sections and individual policies."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise StudioError(f"unsupported policy format {path.suffix or '(none)'}; "
                          f"supported: {supported}", path)
    text, data = decode_policy_file(path)
    raw = reader(text.replace("\r\n", "\n").replace("\r", "\n"))
    document = build_document(raw, doc_id or slugify(path.stem), str(path), sha256_bytes(data),
                              fallback_title=path.stem.replace("-", " ").title())
    if not document.policies():
        raise StudioError("no policy text found (only headings or markup)", path)
    return document


__all__ = ["READERS", "Block", "BlockType", "RawDocument", "decode_policy_file", "read_document"]
