"""What changed between two versions of a model file, in words: elements added, removed and
changed (with the properties that changed), and the forms whose content changed. The coloured
diagram diff is the browser's; this summary is what the request page lists and what is kept with
the publish request.

Both files are read by the hardened parser only; a file it refuses compares as empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from app.engine.errors import local_name
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml

#: Diagram interchange (positions and shapes) is layout, not behaviour: left out of the summary.
_LAYOUT = ("/BPMN/20100524/DI", "/DD/20100524/", "/DMN/20180521/DMNDI", "/DMN/20191111/DMNDI")


@dataclass(frozen=True)
class ElementFacts:
    kind: str
    name: str
    properties: dict[str, str]


def diff_summary(
    old_xml: bytes | None,
    new_xml: bytes,
    old_forms: dict[str, str],
    new_forms: dict[str, str],
) -> dict[str, object]:
    """{added, removed: [{id, kind, name}], changed: [{id, kind, name, properties: [{name, old,
    new}]}], forms_changed, forms_added, forms_removed: [key]}."""
    old, new = _elements(old_xml), _elements(new_xml)
    changed = []
    for element_id in sorted(old.keys() & new.keys()):
        before, after = old[element_id], new[element_id]
        names = sorted(before.properties.keys() | after.properties.keys())
        differences = [
            {"name": n, "old": before.properties.get(n, ""), "new": after.properties.get(n, "")}
            for n in names
            if before.properties.get(n) != after.properties.get(n)
        ]
        if differences or before.kind != after.kind:
            changed.append(_entry(element_id, after) | {"properties": differences})
    used_before, used_after = set(old_forms), set(new_forms)
    return {
        "added": [_entry(i, new[i]) for i in sorted(new.keys() - old.keys())],
        "removed": [_entry(i, old[i]) for i in sorted(old.keys() - new.keys())],
        "changed": changed,
        "forms_added": sorted(used_after - used_before),
        "forms_removed": sorted(used_before - used_after),
        "forms_changed": sorted(
            k for k in used_before & used_after if old_forms[k] != new_forms[k]
        ),
    }


def is_empty(summary: dict[str, object]) -> bool:
    return not any(summary.values())


def _entry(element_id: str, facts: ElementFacts) -> dict[str, object]:
    return {"id": element_id, "kind": facts.kind, "name": facts.name}


def _elements(data: bytes | None) -> dict[str, ElementFacts]:
    if not data:
        return {}
    try:
        root = parse_model_xml(data)
    except UnsafeXml:
        return {}
    found = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or any(ns in node.tag for ns in _LAYOUT):
            continue
        element_id = node.get("id")
        if not element_id or node is root:
            continue
        found[element_id] = ElementFacts(
            local_name(node.tag), node.get("name") or "", _properties(node)
        )
    return found


def _properties(node: etree._Element) -> dict[str, str]:
    """The element's attributes, its extension properties and the text of its own parts
    (conditions, scripts, timers, documentation), by a name a designer recognises."""
    facts = {
        local_name(name): value
        for name, value in node.attrib.items()
        if local_name(name) not in ("id",)
    }
    for child in node:
        if not isinstance(child.tag, str) or child.get("id"):
            continue  # elements with their own id are compared on their own
        tag = local_name(child.tag)
        if tag == "extensionElements":
            for prop in child.iter("{*}property"):
                facts[prop.get("name") or "property"] = prop.get("value") or ""
            for operator in child.iter("{*}serviceTaskOperator"):
                facts["action"] = operator.get("id") or ""
                for param in operator.iter("{*}parameter"):
                    facts[f"action.{param.get('id')}"] = param.get("value") or ""
            for script in child.iter("{*}preScript", "{*}postScript"):
                facts[local_name(script.tag)] = (script.text or "").strip()
        elif tag not in ("incoming", "outgoing", "flowNodeRef"):
            text = "".join(child.itertext()).strip()
            if text:
                facts[tag] = text
    return facts
