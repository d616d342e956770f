"""The brands page (``/grading/brands``) and the brands section of a branch's page: the company sees
every brand, a unit its branches', a branch its own; filters by unit, stage and type; anything
outside the reader's view is "not found"."""

from __future__ import annotations

import re

import pytest

from tests.conftest import log_in
from tests.factories import make_user
from tests.plugins.demo import holder_at
from tests.processes.test_brand_creation import named_brand
from tests.processes.test_brand_creation import propose
from tests.processes.test_brand_creation import review

OTHER_UNIT_BRANCH = "HH02-01"


@pytest.fixture
def brands(demo, clock) -> dict[str, int]:
    """HH01-01: "井站红旗" named 公司级 and "油地共建" proposed; HH02-01: "采气先锋" registered.
    Brand name → its instance id."""
    named = named_brand(demo.branch.code, clock)  # the clock ends on 2027-02-23
    proposed = propose(demo.branch.code, "油地共建", "regional_joint")
    registered = propose(OTHER_UNIT_BRANCH, "采气先锋", "star_flag")
    review("HH02", registered)
    return {"井站红旗": named, "油地共建": proposed, "采气先锋": registered}


def _rows(page: str) -> dict[str, str]:
    """``branch:name`` → stage, for every row of the list."""
    return dict(re.findall(r'data-brand="([^"]+)" data-stage="([^"]+)"', page))


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _sign_in(client, app, login: str) -> None:
    assert log_in(client, login, app.config["DEMO_PASSWORD"]).status_code == 302


def test_the_company_sees_every_brand_with_links_and_filters(client, app, brands):
    _sign_in(client, app, holder_at("HH", "company_org_dept").login)
    page = _page(client, "/grading/brands")
    assert _rows(page) == {
        "HH01-01:井站红旗": "named",
        "HH01-01:油地共建": "proposed",
        "HH02-01:采气先锋": "registered",
    }
    for instance_id in brands.values():
        assert f'href="/instances/{instance_id}"' in page
    assert 'href="/orgs/HH01-01"' in page
    assert 'href="/orgs/HH02-01"' in page
    assert _rows(_page(client, "/grading/brands?unit=HH01")) == {
        "HH01-01:井站红旗": "named",
        "HH01-01:油地共建": "proposed",
    }
    assert _rows(_page(client, "/grading/brands?stage=named")) == {"HH01-01:井站红旗": "named"}
    assert _rows(_page(client, "/grading/brands?type=star_flag&stage=registered")) == {
        "HH02-01:采气先锋": "registered"
    }
    assert _rows(_page(client, "/grading/brands?unit=HH02&stage=named")) == {}
    for bad in ("stage=everything", "type=nonsense", "unit=NOPE"):
        assert client.get(f"/grading/brands?{bad}").status_code == 404


def test_a_unit_sees_only_its_own_branches(client, app, brands):
    _sign_in(client, app, holder_at("HH01", "unit_org_reviewer").login)
    assert set(_rows(_page(client, "/grading/brands"))) == {"HH01-01:井站红旗", "HH01-01:油地共建"}
    assert client.get("/grading/brands?unit=HH02").status_code == 404  # another unit


def test_a_branch_sees_its_own_brands_and_no_other(client, app, brands):
    _sign_in(client, app, holder_at("HH01-01", "branch_secretary").login)
    page = _page(client, "/grading/brands")
    assert set(_rows(page)) == {"HH01-01:井站红旗", "HH01-01:油地共建"}
    assert 'name="unit"' not in page  # no unit to choose from
    assert client.get("/grading/brands?unit=HH01").status_code == 404
    other = holder_at(OTHER_UNIT_BRANCH, "branch_secretary")
    client2 = app.test_client()
    _sign_in(client2, app, other.login)
    assert _rows(_page(client2, "/grading/brands")) == {"HH02-01:采气先锋": "registered"}


def test_someone_without_a_role_is_told_not_found(client, brands):
    make_user("nobody")
    assert log_in(client, "nobody").status_code == 302
    assert client.get("/grading/brands").status_code == 404


def test_the_branch_page_shows_its_brands_and_their_history(client, app, brands):
    _sign_in(client, app, holder_at("HH01-01", "branch_secretary").login)
    page = _page(client, "/orgs/HH01-01")
    section = page[page.index('id="brands"') :]
    section = section[: section.index("</section>")]
    assert "井站红旗" in section
    assert "油地共建" in section
    assert "采气先锋" not in section  # another unit's brand
    assert 'data-stage="named"' in section
    assert 'data-stage="proposed"' in section
    # registered on the approval day, cultivated and named when the results were accepted
    assert re.search(r"2026-11-23 → .*2027-02-23 → .*2027-02-23", section)
    assert f'href="/instances/{brands["井站红旗"]}"' in section
    assert client.get(f"/orgs/{OTHER_UNIT_BRANCH}").status_code == 404
