"""Paths into a rubric document (``aspects[0].criteria[1].points``): read, write, and name them.

The same paths name the problems ``validate`` reports, the fields of the edit page and the changes
the audit trail records. Pure Python: no Flask.
"""

from __future__ import annotations

import re
from typing import Any

from app.grading.rubric.checks import LEVEL_IDS

_TOKEN = re.compile(r"([A-Za-z_]+)|\[(\d+)\]")


def get_path(document: Any, path: str) -> Any:
    value = document
    for name, index in _TOKEN.findall(path):
        value = value[name] if name else value[int(index)]
    return value


def set_path(document: Any, path: str, new: Any) -> None:
    tokens = [name or int(index) for name, index in _TOKEN.findall(path)]
    target = document
    for token in tokens[:-1]:
        target = target[token]
    target[tokens[-1]] = new


def where_and_what(path: str, *documents: Any) -> tuple[list[str], str]:
    """A changed path as people read it: ``aspects[0].criteria[1].points`` → (["A1", "C02"],
    "points").

    Indices are replaced by the id of the entry (from the first document that has it); the last
    key is returned apart so that the page can name it in the reader's language.
    """
    tokens = [name or int(index) for name, index in _TOKEN.findall(path)]
    if not tokens:
        return [], path
    where: list[str] = []
    for position, token in enumerate(tokens[:-1]):
        if isinstance(token, str):
            if not isinstance(tokens[position + 1], int):
                where.append(token)
            continue
        where.append(_entry_name(tokens[: position + 1], documents) or f"#{token + 1}")
    last = tokens[-1]
    return where, str(last) if isinstance(last, str) else f"#{last + 1}"


def _entry_name(tokens: list[Any], documents: tuple[Any, ...]) -> str | None:
    for document in documents:
        try:
            entry = document
            for token in tokens:
                entry = entry[token]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(entry, dict):
            if entry.get("id") in LEVEL_IDS and "zh" in entry:
                return str(entry["zh"])
            if "id" in entry:
                return str(entry["id"])
            if "stars" in entry:
                return f"{entry['stars']}★"
    return None
