"""How ``flask processes migrate`` reads: each instance of an older version, whether it can move
(or moved) to the target version and why not, in both languages."""

from __future__ import annotations

from app.workflow.migration import MigrationPlan


def migration_lines(
    plan: MigrationPlan, moved: list[int] | None, failed: dict[int, str]
) -> list[str]:
    """``moved`` None: a dry run (nothing was moved)."""
    head = "dry run / 试迁移" if moved is None else "migration / 迁移"
    lines = [
        f"{head}: {plan.process_key} → version / 版本 {plan.to_version}"
        f" ({len(plan.checks)} running instance(s) of older versions / 个旧版本运行中实例)"
    ]
    for check in plan.checks:
        where = f"{check.org_code} {check.org_name}"
        key = f" [{check.business_key}]" if check.business_key else ""
        waits = ", ".join(check.open_elements) or "—"
        if not check.movable:
            verdict = "stays / 保留"
        elif moved is None:
            verdict = "can move / 可迁移"
        elif check.instance_id in moved:
            verdict = "moved / 已迁移"
        else:
            verdict = "not moved / 未迁移"
        lines.append(
            f"  instance / 实例 {check.instance_id}{key} v{check.from_version} @ {where}"
            f" (at / 停在: {waits}): {verdict}"
        )
        lines += [f"      - {reason}" for reason in check.reasons]
        if check.instance_id in failed:
            lines.append(f"      - {failed[check.instance_id]}")
    if moved is not None:
        stayed = len(plan.checks) - len(moved)
        lines.append(f"moved / 已迁移: {len(moved)}, stayed / 保留: {stayed}")
    return lines
