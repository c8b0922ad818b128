"""Hostile policy files, built at test time and kept tiny on disk: zip packages whose parts
unpack far past their size, and PDFs whose streams do.

A .docx here is the least python-docx opens: the content types, the package relationship and
``word/document.xml``; a PDF is written by hand, object by object, with a cross-reference
table, so each stream can be exactly what a test needs.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def document_xml(paragraphs: list[str], padding: int = 0) -> bytes:
    """word/document.xml with one run per paragraph; ``padding`` spaces of filler (which
    deflate packs a thousand times) make a part that unpacks far past its packed size."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
    return (head.encode() + b" " * padding + f"<w:body>{body}</w:body></w:document>".encode())


def write_docx(target: Path, document: bytes, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", PACKAGE_RELS)
        package.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return target


def lie_about_size(target: Path, member: str, declared: int) -> None:
    """Rewrite the central directory so ``member`` claims to unpack to ``declared`` bytes."""
    data = bytearray(target.read_bytes())
    name = member.encode()
    at = data.rfind(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == name:
            data[at + 24:at + 28] = declared.to_bytes(4, "little")
            target.write_bytes(bytes(data))
            return
        at = data.rfind(b"PK\x01\x02", 0, at)
    raise AssertionError(f"{member} not in {target}")


def write_pdf(target: Path, pages: list[bytes], image: bool = False,
              form: bytes = b"") -> Path:
    """A PDF with one page per content stream, Helvetica as F1, (``image``) a grey image as
    Im1 and (``form``) a form XObject Fm1 with that content; streams deflated."""
    count = len(pages)
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(count))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream(b"\x80" * 64, b"/Type /XObject /Subtype /Image /Width 8 /Height 8 "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8"),
        _stream(form, b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                b"/Resources << /Font << /F1 3 0 R >> >>"),
    ]
    xobjects = (b" /Im1 4 0 R" if image else b"") + (b" /Fm1 5 0 R" if form else b"")
    for i, content in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
                       b"/Font << /F1 3 0 R >> /XObject <<" + xobjects
                       + f" >> >> /Contents {7 + 2 * i} 0 R >>".encode())
        objects.append(_stream(content))
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    target.write_bytes(bytes(out))
    return target


def _stream(data: bytes, keys: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return (b"<< " + keys + f" /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
            + packed + b"\nendstream")


def scanned_page() -> bytes:
    """A page that only draws the image: what a scanner without OCR writes."""
    return b"q 400 0 0 300 100 400 cm /Im1 Do Q\n"


def write_encrypted_pdf(target: Path) -> Path:
    """A text PDF that needs a user password (RC4, which pypdf writes without extra packages)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=write_pdf(target, [text_page("Staff must sign in.")]))
    writer.encrypt(user_password="user-secret", owner_password="owner-secret",
                   algorithm="RC4-128")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def text_page(*lines: str) -> bytes:
    """A content stream that shows each line in 11 pt Helvetica, top down."""
    shown = "".join(f"1 0 0 1 72 {760 - 16 * i} Tm ({line}) Tj\n" for i, line in enumerate(lines))
    return f"BT /F1 11 Tf\n{shown}ET\n".encode()
