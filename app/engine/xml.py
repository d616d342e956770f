"""The only way BPMN and DMN XML is read: a hardened lxml parser.

SpiffWorkflow parses with lxml's process-global default parser, whose safety depends on the lxml
version and on whatever else in the process may have changed it. We parse every file ourselves, with
no DTD, no entities, no network, and limits on size and nesting depth; any DOCTYPE is refused
outright. The parsed tree is then handed to SpiffWorkflow, which never sees the raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64


@dataclass(frozen=True)
class UnsafeXml(ValueError):
    """The file was refused; ``reason_en``/``reason_zh`` say why, ``line`` where when known."""

    reason_en: str
    reason_zh: str
    line: int | None = None

    def __str__(self) -> str:
        return self.reason_en


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep state and must not be shared across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_model_xml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> etree._Element:
    if len(data) > max_bytes:
        raise UnsafeXml(
            f"the file is larger than {max_bytes // 1024} KiB",
            f"文件超过 {max_bytes // 1024} KiB 的上限",
        )
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXml(
            "DOCTYPE and entity declarations are not allowed", "不允许包含 DOCTYPE 或实体声明"
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(
            f"not well-formed XML: {exc.msg}", f"XML 格式错误：{exc.msg}", exc.lineno
        ) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXml("DOCTYPE is not allowed", "不允许包含 DOCTYPE")
    if _depth(root) > max_depth:
        raise UnsafeXml(
            f"elements are nested deeper than {max_depth} levels",
            f"元素嵌套超过 {max_depth} 层",
        )
    return root


def _depth(root: etree._Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest
