"""Content-addressed storage on disk, outside the web root: ``<FILES_DIR>/ab/abcdef…``.

Writing is idempotent and atomic (temporary file, then rename), so a command that rolls back after
writing leaves at most an unreferenced file, never a half-written one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def _root() -> Path:
    return Path(current_app.config["FILES_DIR"])


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a content hash")
    return _root() / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Keep ``data``; returns its SHA-256, which names it."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest
