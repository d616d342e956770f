"""The branch-building procedures' records, read back: the instances of a procedure at some
branches with their answers (``app.workflow.instance_records``, shared with member points)."""

from __future__ import annotations

from app.workflow.instance_records import LIVE as LIVE
from app.workflow.instance_records import Found as Found
from app.workflow.instance_records import answered as answered
from app.workflow.instance_records import instances as instances
