"""What deployment reports: one problem of a model, where it is and what it is, in two languages.

Every problem has a category, so a designer sees at once what kind of work a model needs:

* ``xml`` — the file is not safe or not well-formed XML; nothing else could be read from it;
* ``engine`` — the engine cannot run it: XSD-invalid documents, unsupported elements, code the
  sandbox refuses, loops without bound, recursive calls, over-long paths, overlapping DMN rules,
  missing called processes or decisions;
* ``convention`` — it runs, but breaks BranchFlow's own conventions: lanes named after role codes,
  user tasks naming a form that exists.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass

from lxml import etree

XML = "xml"
ENGINE = "engine"
CONVENTION = "convention"
CATEGORIES = (XML, ENGINE, CONVENTION)


@dataclass(frozen=True)
class ModelError:
    file: str
    element_id: str | None
    line: int | None
    message_en: str
    message_zh: str
    # Most checks are about what the engine can run; the others say so where they are made.
    category: str = ENGINE

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        element = f" [{self.element_id}]" if self.element_id else ""
        return f"{where}{element}: {self.message_en}"


def local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def element_error(
    file: str, node: etree._Element, en: str, zh: str, category: str = ENGINE
) -> ModelError:
    """A problem at ``node``: its id (or the nearest ancestor's) and its line."""
    return ModelError(file, element_id_of(node), node.sourceline, en, zh, category)


def element_id_of(node: etree._Element) -> str | None:
    """The node's id, or the nearest ancestor's: the element a designer would look for."""
    return node.get("id") or _owner_id(node)


def _owner_id(node: etree._Element) -> str | None:
    parent = node.getparent()
    while parent is not None and not parent.get("id"):
        parent = parent.getparent()
    return parent.get("id") if parent is not None else None
