"""What deployment reports: one problem of a model, where it is and what it is, in two languages."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class ModelError:
    file: str
    element_id: str | None
    line: int | None
    message_en: str
    message_zh: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        element = f" [{self.element_id}]" if self.element_id else ""
        return f"{where}{element}: {self.message_en}"


def local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def element_error(file: str, node: etree._Element, en: str, zh: str) -> ModelError:
    """A problem at ``node``: its id (or the nearest ancestor's) and its line."""
    return ModelError(file, node.get("id") or _owner_id(node), node.sourceline, en, zh)


def _owner_id(node: etree._Element) -> str | None:
    parent = node.getparent()
    while parent is not None and not parent.get("id"):
        parent = parent.getparent()
    return parent.get("id") if parent is not None else None
