"""The points scheme's versions: the company's organisation department publishes a changed scheme
as the next version, with a reason; the points are then computed with it. Anyone else is refused,
and a broken document or a missing reason changes nothing."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.members.points.models import PointsSchemeVersion
from app.members.points.queries import branch_points
from app.members.points.scheme import DEFAULT_PATH
from app.members.points.versions import current_scheme
from app.members.points.versions import publish_scheme
from tests.plugins.demo import holder_at

TODAY = date(2026, 11, 23)


def _document() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_a_published_version_is_the_one_the_points_use(demo):
    branch = db.session.get(OrgUnit, demo.branch.id)
    assert current_scheme(db.session).version == 1  # the shipped proposal
    before = branch_points(db.session, branch, 2026, TODAY)

    changed = copy.deepcopy(_document())
    changed["blocks"][0]["start"] = changed["blocks"][0]["max"] = 70  # a base of 70 (POINTS-BM)
    changed["status"] = "confirmed"
    with pytest.raises(Forbidden):
        run(
            publish_scheme,
            actor=demo.holder("branch_secretary"),
            document=changed,
            reason="本支部自定",
        )
    department = holder_at("HH", "company_org_dept")
    with pytest.raises(ValidationFailed) as refused:
        run(publish_scheme, actor=department, document=changed, reason=" ")
    assert "reason" in refused.value.field_errors
    broken = copy.deepcopy(changed)
    broken["blocks"][1]["items"][0]["cap"] = 99
    with pytest.raises(ValidationFailed) as refused:
        run(publish_scheme, actor=department, document=broken, reason="公司党委确认")
    assert "blocks[1].items[0].cap" in refused.value.field_errors
    assert db.session.scalars(select(PointsSchemeVersion)).all() == []

    version = run(publish_scheme, actor=department, document=changed, reason="公司党委确认积分方案")
    assert version == 2
    scheme = current_scheme(db.session)
    assert (scheme.version, scheme.proposal) == (2, False)
    after = branch_points(db.session, branch, 2026, TODAY)
    for person, points in after.items():
        assert points.blocks["basic"] == before[person].blocks["basic"] + 10
