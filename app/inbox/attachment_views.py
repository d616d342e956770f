"""Downloading an uploaded file: only for people who may see the instance it belongs to."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import send_file

from app.core.errors import NotFound
from app.extensions import db
from app.files import storage
from app.files.models import Attachment
from app.identity.session import current_scope
from app.workflow.policy import visible_instance

bp = Blueprint("files", __name__, url_prefix="/files")

#: Shown in the browser; anything else is always a download, so no upload can act as a page.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


@bp.get("/<int:attachment_id>")
def download(attachment_id: int) -> Response:
    row = db.session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound()
    visible_instance(db.session, current_scope(), row.instance_id)
    response = send_file(
        storage.path_of(row.sha256),
        mimetype=row.content_type,
        as_attachment=row.content_type not in INLINE_TYPES,
        download_name=row.original_name,
        etag=row.sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
