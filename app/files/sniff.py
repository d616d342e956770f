"""What an upload really is, read from its first bytes — never from its name or the browser's word.

A file whose bytes do not match a known type is refused; so is HTML or SVG renamed to .png.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
KNOWN_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/msword",  # also .xls/.ppt: the OLE container does not say which
        *_OOXML.values(),
    }
)
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/msword": ".doc",
    _OOXML["word/"]: ".docx",
    _OOXML["xl/"]: ".xlsx",
    _OOXML["ppt/"]: ".pptx",
}


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` by its signature, or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(_OLE):
        return "application/msword"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = archive.namelist()[:200]  # only the names: nothing is extracted
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, media_type in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return media_type
    return None
