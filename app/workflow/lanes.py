"""A model's lanes under the names of the roles they stand for: the models name their lanes with
role codes (the engine assigns tasks by them), a person reads role names (the instance page and
the auditor's step-through draw the same diagram)."""

from __future__ import annotations

from lxml import etree

from app.engine.english import english_names
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml
from app.identity.labels import role_label
from app.workflow.english import in_english

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def parsed_model(xml: str) -> etree._Element | None:
    try:
        return parse_model_xml(xml.encode())
    except UnsafeXml:  # deployed models were checked; a broken one keeps its codes
        return None


def with_role_lane_names(xml: str) -> str:
    """The BPMN with each lane named by the role it stands for, in the reader's language, and
    for a reader of English every element under the English name the model gives it."""
    root = parsed_model(xml)
    if root is None:
        return xml
    if in_english():
        english = english_names(root)
        for node in root.iter(f"{{{BPMN_NS}}}*"):
            if node.get("id") in english and node.get("name"):
                node.set("name", english[node.get("id")])
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        code = lane.get("name")
        if code:
            lane.set("name", role_label(code))
    return etree.tostring(root, encoding="unicode")
