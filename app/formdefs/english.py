"""Whether a form file says in English everything it shows in Chinese.

A form shows its texts in the reader's language: ``title`` and ``description`` (of the form, a
field, a column, a section, a threshold) with their ``x-title-en`` and ``x-description-en``, the
option labels ``x-labels`` with ``x-labels-en`` under the same values. A Chinese text anywhere
else in the file has no English place at all, so it is reported too (``pattern`` excepted: a
regular expression the reader never sees). The deployment check refuses a form with gaps, so a
new form cannot leave English readers with Chinese labels.
"""

from __future__ import annotations

import re
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: Text key → the key holding its English, on the same object.
ENGLISH_OF = {"title": "x-title-en", "description": "x-description-en"}
LABELS, LABELS_EN = "x-labels", "x-labels-en"
#: Keys whose Chinese is never shown to a reader.
NOT_SHOWN = frozenset({"pattern"})


def has_chinese(text: Any) -> bool:
    return isinstance(text, str) and bool(CJK.search(text))


def untranslated(document: Any) -> list[str]:
    """The places (``schema.properties.minutes.description``) of Chinese text in a form file
    without a plain-English counterpart; empty when the form is complete."""
    gaps: list[str] = []
    _walk(document, "", gaps)
    return gaps


def _english(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and not has_chinese(value)


def _walk(node: Any, path: str, gaps: list[str]) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, f"{path}[{index}]", gaps)
        return
    if not isinstance(node, dict):
        if has_chinese(node):
            gaps.append(path)
        return
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if key in ENGLISH_OF and isinstance(value, str):
            if has_chinese(value) and not _english(node.get(ENGLISH_OF[key])):
                gaps.append(where)
        elif key == LABELS and isinstance(value, dict):
            english = node.get(LABELS_EN)
            english = english if isinstance(english, dict) else {}
            gaps += [
                f"{where}.{option}"
                for option, label in value.items()
                if has_chinese(label) and not _english(english.get(option))
            ]
        elif key not in NOT_SHOWN:
            _walk(value, where, gaps)
