"""The rubric edit form: which values of a document the page edits, and the posted form back into a
document. Field names are the document paths (``aspects[0].criteria[1].points``), so the problems
``validate`` reports by path land next to their fields. Only known paths are read from the form;
anything else posted is ignored. Pure Python: no Flask.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from app.grading.rubric.document import GROUPS
from app.grading.rubric.document import changed_groups
from app.grading.rubric.paths import get_path
from app.grading.rubric.paths import set_path

CONFIRM_PREFIX = "confirm."


def number_paths(document: dict[str, Any]) -> list[str]:
    paths = ["bonus.cap", "model_quota_percent", "acceptance_sample_percent"]
    for i, aspect in enumerate(document.get("aspects", [])):
        paths.append(f"aspects[{i}].points")
        paths += [f"aspects[{i}].criteria[{j}].points" for j in range(len(aspect["criteria"]))]
    paths += [f"levels[{i}].min_score" for i in range(len(document.get("levels", [])))]
    # The lowest band (1 star) always starts at 0: not a field.
    paths += [f"stars[{i}].min_score" for i in range(len(document.get("stars", [])) - 1)]
    return paths


def text_paths(document: dict[str, Any]) -> list[str]:
    paths = ["bonus.zh"]
    for i, aspect in enumerate(document.get("aspects", [])):
        for j in range(len(aspect["criteria"])):
            paths += [f"aspects[{i}].criteria[{j}].{key}" for key in ("zh", "en", "scoring")]
    for i in range(len(document.get("vetoes", []))):
        paths += [f"vetoes[{i}].zh", f"vetoes[{i}].en"]
    return paths


def english_paths(document: dict[str, Any]) -> list[str]:
    """The English texts the page edits; a document may lack them (versions published before)."""
    paths = ["bonus.en"]
    for i, aspect in enumerate(document.get("aspects", [])):
        paths += [f"aspects[{i}].criteria[{j}].scoring_en" for j in range(len(aspect["criteria"]))]
    return paths


def _get_optional(document: dict[str, Any], path: str) -> Any:
    try:
        return get_path(document, path)
    except (KeyError, IndexError, TypeError):
        return None


def star_list_paths(document: dict[str, Any]) -> list[str]:
    return [f"classes[{i}].stars" for i in range(len(document.get("classes", [])))]


def field_id(path: str) -> str:
    """An HTML id for a path: ``aspects[0].points`` → ``f-aspects-0-points``."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def show(value: Any) -> str:
    """A value as the form shows it: 4, 4.5, "4,5" for a list of stars."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, list):
        return ",".join(show(item) for item in value)
    return str(value)


def form_values(document: dict[str, Any]) -> dict[str, str]:
    """What each field of the page shows for ``document``."""
    paths = number_paths(document) + text_paths(document) + star_list_paths(document)
    values = {path: show(get_path(document, path)) for path in paths}
    values |= {path: show(_get_optional(document, path)) for path in english_paths(document)}
    return values


def _number(text: str) -> Any:
    """A number typed in the form; the text itself when it is none (``validate`` then says so)."""
    cleaned = text.strip().replace("．", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text.strip()
    if not number.is_finite():
        return text.strip()
    return int(number) if number == number.to_integral_value() else float(number)


def _stars(text: str) -> Any:
    parts = [part.strip() for part in re.split(r"[,，、\s]+", text.strip()) if part.strip()]
    if parts and all(part.isdigit() for part in parts):
        return sorted({int(part) for part in parts})
    return text.strip()


def apply_form(document: dict[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """``document`` with the posted values; a group stays a proposal only while nobody changed it
    and nobody ticked its "confirmed" box."""
    edited = copy.deepcopy(document)
    for path in number_paths(document):
        if path in form:
            set_path(edited, path, _number(form[path]))
    for path in text_paths(document):
        if path in form:
            set_path(edited, path, form[path].strip())
    for path in english_paths(document):
        # Left empty where the document has none: no change to record, no proposal confirmed.
        if path in form and (form[path].strip() or _get_optional(document, path) is not None):
            set_path(edited, path, form[path].strip())
    for path in star_list_paths(document):
        if path in form:
            set_path(edited, path, _stars(form[path]))
    still = set(document.get("proposals", [])) - changed_groups(document, edited)
    still -= {group for group in GROUPS if form.get(CONFIRM_PREFIX + group)}
    edited["proposals"] = [group for group in GROUPS if group in still]
    return edited
