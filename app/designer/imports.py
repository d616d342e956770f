"""Reading an uploaded model file: the hardened parser only, and a clear reason when refused.

What the engine cannot run is not decided here: an accepted file becomes a draft and the
deployment checks name each such element. Refused here is only what is no model at all: not a
.bpmn/.dmn name, empty or too large, not UTF-8, unsafe or malformed XML, or a document that is
neither BPMN nor DMN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.engine.locate import executable_process_ids
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
IMPORT_FOLDER = "imported"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ImportedModel:
    file_name: str
    title: str
    process_ids: list[str]


def read_upload(upload_name: str, data: bytes, max_bytes: int) -> ImportedModel:
    suffix = PurePosixPath(upload_name.replace("\\", "/")).suffix.lower()
    stem = PurePosixPath(upload_name.replace("\\", "/")).stem
    if suffix not in (".bpmn", ".dmn"):
        raise _refused(_("Only .bpmn and .dmn files can be imported."))
    if not data.strip():
        raise _refused(_("The file is empty."))
    if len(data) > max_bytes:
        raise _refused(_("The file is larger than %(kib)d KiB.", kib=max_bytes // 1024))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refused(_("The file is not UTF-8 text.")) from None
    try:
        root = parse_model_xml(data, max_bytes=max_bytes)
    except UnsafeXml as refused:
        chinese = str(get_locale() or "zh").startswith("zh")
        reason = refused.reason_zh if chinese else refused.reason_en
        raise _refused(_("The file cannot be read as a model: %(reason)s", reason=reason)) from None
    namespace = root.tag.partition("}")[0].lstrip("{") if isinstance(root.tag, str) else ""
    if not isinstance(root.tag, str) or not root.tag.endswith("}definitions"):
        raise _refused(_("The file is neither a BPMN nor a DMN document."))
    if suffix == ".bpmn" and namespace != BPMN_NS:
        raise _refused(_("The file is not a BPMN 2.0 document."))
    if suffix == ".dmn" and "/DMN/" not in namespace.upper():
        raise _refused(_("The file is not a DMN document."))
    process_ids = executable_process_ids(root) if suffix == ".bpmn" else []
    first = next(iter(root.iter(f"{{{BPMN_NS}}}process")), None)
    title = (first.get("name") if first is not None else None) or root.get("name") or stem
    name_stem = _UNSAFE_NAME.sub("_", (process_ids[0] if process_ids else stem)).strip("_")
    return ImportedModel(f"{IMPORT_FOLDER}/{name_stem or 'model'}{suffix}", title, process_ids)


def form_keys(data: bytes) -> set[str]:
    """The form keys a BPMN file's user tasks name (none when the file cannot be read)."""
    try:
        root = parse_model_xml(data)
    except UnsafeXml:
        return set()
    return {
        prop.get("value") or ""
        for prop in root.iter("{*}property")
        if prop.get("name") == "formKey" and prop.get("value")
    }


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={"file": message})
