"""A version or a draft as the files ``processes/`` and ``forms/`` hold, in a zip: unpacked at the
repository's root it puts each model and form where ``flask processes sync`` reads them, so that a
model made in the browser can be committed."""

from __future__ import annotations

import io
import json
import zipfile

from flask import current_app

from app.designer import imports
from app.designer.models import ModelDraft
from app.formdefs.registry import load_registry
from app.workflow.models import ProcessDefinition

#: A fixed time for every entry, so that the same files always make the same zip.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def version_zip(definition: ProcessDefinition) -> bytes:
    """Every model file of the version and the forms exactly as the version holds them."""
    models = {n: t.encode("utf-8") for n, t in json.loads(definition.sources_json).items()}
    forms = {k: t.encode("utf-8") for k, t in json.loads(definition.forms_json).items()}
    return _zip(models, forms)


def draft_zip(draft: ModelDraft, own_forms: dict[str, bytes]) -> bytes:
    """The draft's file and the forms it names: its own (``own_forms``: new or changed in the
    draft), else as they are in ``forms/`` now."""
    data = draft.xml.encode("utf-8")
    current = load_registry(current_app.config["FORMS_DIR"]).file_bytes() | own_forms
    forms = {k: current[k] for k in imports.form_keys(data) | set(own_forms) if k in current}
    return _zip({draft.file_name: data}, forms)


def _zip(models: dict[str, bytes], forms: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(models):
            archive.writestr(zipfile.ZipInfo(f"processes/{name}", _ZIP_TIME), models[name])
        for key in sorted(forms):
            archive.writestr(zipfile.ZipInfo(f"forms/{key}.json", _ZIP_TIME), forms[key])
    return buffer.getvalue()
