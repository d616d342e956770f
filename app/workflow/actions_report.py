"""The catalogue of domain actions as lines for a terminal (``flask processes actions``)."""

from __future__ import annotations

from typing import Any


def catalogue_lines(actions: list[dict[str, Any]]) -> list[str]:
    lines = []
    for action in actions:
        label = action["label"]
        lines.append(f"{action['name']} — {label['zh']} / {label['en']}")
        lines.append(f"  {action['description']}")
        lines.append(f"  writes / 写入: {'; '.join(action['writes'])}")
        if not action["parameters"]:
            lines.append("  parameters / 参数: (none / 无)")
        for param in action["parameters"]:
            need = "required / 必填" if param["required"] else "optional / 可选"
            lines.append(
                f"  - {param['name']}: {param['type']} ({need}) "
                f"{param['label']['zh']} / {param['label']['en']}"
            )
        lines.append("")
    return lines
