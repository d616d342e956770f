"""Pinning a problem on the element it concerns, when the one who found it did not say.

SpiffWorkflow names the element of its semantic errors but not their line, gives only a line for
XSD errors, and names neither for a missing called process; an unexpected exception names
nothing. Designers look for an element id, so we find it in our own tree where we can.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from app.engine.errors import ENGINE
from app.engine.errors import ModelError
from app.engine.errors import element_id_of
from app.engine.errors import local_name

TOO_LONG_EN = "the process is too long to parse"
TOO_LONG_ZH = "流程过长，无法解析"
_XSD_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)'")
_MISSING_PROCESS = re.compile(r"The process '([^']*)' was not found")
_DATA_STORE = re.compile(r"Data Store with name (.*?) has no implementation", re.DOTALL)


def executable_process_ids(root: etree._Element) -> list[str]:
    # The library's own reading: a process without isExecutable counts as executable.
    return [
        p.get("id") or ""
        for p in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
        if p.get("isExecutable", "true") == "true"
    ]


def unexpected(
    file: str, element_id: str | None, exc: BaseException, category: str = ENGINE
) -> ModelError:
    """Something raised that should not have: the model is odd in a way nothing checks for."""
    what = f"{type(exc).__name__}: {exc}"[:300]
    return ModelError(
        file,
        element_id,
        None,
        f"the model could not be checked ({what})",
        f"模型无法完成检查（{what}）",
        category,
    )


def problem_at(
    trees: Mapping[str, etree._Element], file: str, element_id: str, en: str, zh: str
) -> ModelError:
    node = _by_id(trees.get(file), element_id)
    return ModelError(file, element_id, node.sourceline if node is not None else None, en, zh)


def library_problem(
    exc: ValidationException,
    file: str,
    trees: Mapping[str, etree._Element],
    fallback_id: str | None = None,
) -> ModelError:
    """A refusal of the library, with file, element id and line wherever they can be found."""
    message = str(exc).split("\n")[0][:500]
    file = exc.file_name or file
    line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number else None
    element_id = exc.id or None
    node = None
    if element_id is None and line is not None:
        node = _at_line(trees.get(file), line, message)
    elif element_id is None and (missing := _MISSING_PROCESS.search(message)):
        file, node = _caller_of(trees, missing.group(1), file)
    elif element_id is None and (store := _DATA_STORE.search(str(exc))):
        node = _data_store(trees.get(file), store.group(1))
    else:
        node = _by_id(trees.get(file), element_id)
    if node is not None:
        element_id = element_id or element_id_of(node)
        line = line or node.sourceline
    if "RecursionError" in message:  # the library wraps it: a chain of some 500 nodes
        return ModelError(file, element_id or fallback_id, line, TOO_LONG_EN, TOO_LONG_ZH)
    return ModelError(file, element_id or fallback_id, line, message, f"模型校验失败：{message}")


def _by_id(root: etree._Element | None, element_id: str | None) -> etree._Element | None:
    if root is None or not element_id:
        return None
    return next((n for n in root.iter() if n.get("id") == element_id), None)


def _at_line(root: etree._Element | None, line: int, message: str) -> etree._Element | None:
    """The element an XSD error points at: the one on its line, by the tag the message names."""
    if root is None:
        return None
    on_line = [n for n in root.iter() if isinstance(n.tag, str) and n.sourceline == line]
    named = _XSD_ELEMENT.search(message)
    if named:
        on_line = [n for n in on_line if local_name(n.tag) == named.group(1)] or on_line
    return on_line[0] if on_line else root


def _caller_of(
    trees: Mapping[str, etree._Element], process_id: str, file: str
) -> tuple[str, etree._Element | None]:
    """The call activity that names a process no file of the set defines."""
    ordered = sorted(trees.items(), key=lambda item: item[0] != file)  # its own file first
    for name, root in ordered:
        for call in root.iter("{*}callActivity"):
            if call.get("calledElement") == process_id:
                return name, call
    return file, None


def _data_store(root: etree._Element | None, name: str) -> etree._Element | None:
    if root is None:
        return None
    stores = list(root.iter("{*}dataStore"))
    return next((s for s in stores if s.get("name") == name), stores[0] if stores else root)
