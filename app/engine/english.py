"""The English of a model: each named element may carry its English name, and a process its
English documentation, as ``spiffworkflow:property`` entries of its extensionElements
(``name_en``, ``documentation_en``). Modelers keep such properties as they keep ``formKey``; the
engine ignores them; the pages show them to a reader who chose English.

A Chinese name without its English is a convention problem where English is required (the
shipped models): the English pages would otherwise show Chinese.
"""

from __future__ import annotations

import re

from lxml import etree

from app.engine.errors import CONVENTION
from app.engine.errors import ModelError
from app.engine.errors import element_error
from app.engine.errors import local_name

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NAME_EN = "name_en"
DOCUMENTATION_EN = "documentation_en"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: Named by role codes, which have English names of their own (roles.toml).
NAMED_ELSEWHERE = frozenset({"lane"})


def own_property(node: etree._Element, key: str) -> str | None:
    """The value of the node's own property ``key`` (not one of a nested element's)."""
    for extensions in node.iterchildren(f"{{{BPMN}}}extensionElements"):
        for properties in extensions.iterchildren(f"{{{SPIFF}}}properties"):
            for prop in properties.iterchildren(f"{{{SPIFF}}}property"):
                if prop.get("name") == key:
                    return prop.get("value")
    return None


def english_names(root: etree._Element) -> dict[str, str]:
    """Element id → English name, for every element of the document that has one."""
    names = {}
    for node in root.iter(f"{{{BPMN}}}*"):
        value = own_property(node, NAME_EN)
        if value and node.get("id"):
            names[node.get("id")] = " ".join(value.split())
    return names


def english_documentation(root: etree._Element, process_id: str) -> str:
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("id") == process_id:
            return " ".join((own_property(process, DOCUMENTATION_EN) or "").split())[:1000]
    return ""


def check_english(file: str, root: etree._Element) -> list[ModelError]:
    """Each Chinese name and process documentation without its English."""
    problems = []
    for node in root.iter(f"{{{BPMN}}}*"):
        kind = local_name(node.tag)
        if kind in NAMED_ELSEWHERE:
            continue
        if CJK.search(node.get("name") or "") and not own_property(node, NAME_EN):
            problems.append(
                element_error(
                    file,
                    node,
                    f"the {kind} has a Chinese name but no English one (property name_en)",
                    f"该元素（{kind}）有中文名称，但没有英文名称（属性 name_en）",
                    CONVENTION,
                )
            )
        if kind == "process" and not own_property(node, DOCUMENTATION_EN):
            documentation = node.find(f"{{{BPMN}}}documentation")
            if documentation is not None and CJK.search(documentation.text or ""):
                problems.append(
                    element_error(
                        file,
                        node,
                        "the process has Chinese documentation but no English"
                        " (property documentation_en)",
                        "流程有中文说明，但没有英文说明（属性 documentation_en）",
                        CONVENTION,
                    )
                )
    return problems
