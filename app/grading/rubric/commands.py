"""Write use cases of the grading rubric, one command per function (see ``core.commands.run``).

A published rubric is never changed: each change stores version n+1 whole, and the audit trail
records who published it, why, and every changed value (``{path: [old, new]}``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.grading.policy import require_rubric_editor
from app.grading.rubric.document import canonical_json
from app.grading.rubric.document import changed_paths
from app.grading.rubric.document import content_hash
from app.grading.rubric.document import default_document
from app.grading.rubric.document import validate
from app.grading.rubric.models import RubricVersion
from app.grading.rubric.queries import current_rubric
from app.identity.policy import load_scope

REASON_LIMIT = 1000
#: Stored as the reason of version 1 when a cycle pins the rubric before anyone published one.
DEFAULT_REASON = "采用系统内置的建议值（domain.md §6–§10），公司尚未发布评分细则"


def publish_rubric(
    ctx: CommandContext,
    *,
    document: dict[str, Any],
    reason: str,
    base_version: int | None = None,
) -> int:
    """Store ``document`` as the next version and return its number. Records ``rubric_published``.

    ``base_version`` is the version the editor started from: if another was published since, the
    command refuses with ``Conflict`` instead of silently undoing that one.
    """
    if ctx.actor.user_id is not None:
        require_rubric_editor(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    current = current_rubric(ctx.session)
    if base_version is not None and base_version != current.version:
        raise Conflict(_("Someone published another version of the rubric in the meantime."))
    errors: dict[str, str] = {}
    locale = str(get_locale() or "zh_CN")
    for problem in validate(document):
        message = problem.message(locale)
        errors[problem.path] = (
            f"{errors[problem.path]} {message}" if problem.path in errors else message
        )
    reason = reason.strip()
    if not reason or len(reason) > REASON_LIMIT:
        errors["reason"] = _(
            "Give the reason for the change (at most %(n)d characters).", n=REASON_LIMIT
        )
    if errors:
        raise ValidationFailed(_("The rubric was not published."), errors)
    changes = changed_paths(current.rubric.to_document(), document)
    if not changes:
        raise ValidationFailed(_("Nothing was changed: this is the current rubric."))
    row = _store(ctx, document, current.version + 1, reason)
    ctx.record(
        "rubric_published",
        ("rubric_version", row.id),
        version=row.version,
        based_on=current.version,
        reason=reason,
        content_hash=row.content_hash,
        changes=changes,
    )
    return row.version


def ensure_default_rubric(ctx: CommandContext) -> int:
    """The id of the newest stored version; stores the shipped default as version 1 if none is.

    A grading cycle calls this in its own transaction to pin ``rubric_version_id``. It needs no
    permission: it publishes nothing new, it only writes down the rubric already in force.
    """
    current = current_rubric(ctx.session)
    if current.id is not None:
        return current.id
    row = _store(ctx, default_document(), 1, DEFAULT_REASON)
    ctx.record(
        "rubric_published",
        ("rubric_version", row.id),
        version=1,
        based_on=0,
        reason=DEFAULT_REASON,
        content_hash=row.content_hash,
        changes={},
        shipped_default=True,
    )
    return row.id


def _store(
    ctx: CommandContext, document: dict[str, Any], version: int, reason: str
) -> RubricVersion:
    row = RubricVersion(
        version=version,
        content_json=canonical_json(document),
        content_hash=content_hash(document),
        created_at=ctx.now,
        created_by_user_id=ctx.actor.user_id,
        created_by_login=ctx.actor.login,
        reason=reason,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row
