"""Member development's first steps in a real browser at the demo branch, as its people would do
them: the organisation member registers an applicant's letter, the secretary chenjinpeng assigns
himself the talk and holds it, recommends the applicant and the committee's decision makes them an
activist; the upper committee's filing waits for the public notice. For an activist of seven
months the second half-yearly assessment and the development target are refused ("not yet": the
rule, its article and the first day, and nothing changes); the secretary reads both dossiers."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from app.core.clock import local_zone
from app.demo.development import activist_assessed_once
from app.extensions import db
from app.members.waiting_periods import add_months
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记 陈金鹏, HH01-01 长流水采油站党支部
ORG_MEMBER = "zhouying"  # 组织委员 周颖
REVIEWER = "yangzhizhen"  # 第一采油厂党委组织部门审核人
BRANCH = "HH01-01"
BEIJING = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICANT = "石嘉伟"
ACTIVIST = ("鲁文静", "female", "1997-09-09", "E2E-DEV-002")


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def _start(page: Page, name: str) -> str:
    """Start a procedure at the branch from the start page; the new instance's id."""
    page.goto("/inbox/start")
    card = page.locator("section.card").filter(has_text=name)
    card.get_by_label("发起单位").select_option(BRANCH)
    with page.expect_navigation():
        card.get_by_role("button", name="发起").click()
    return _instance_of(page)


def _instance_of(page: Page) -> str:
    href = page.locator("a[href^='/instances/']").first.get_attribute("href")
    return re.search(r"/instances/(\d+)", href).group(1)


def _open(page: Page, title: str, instance_id: str) -> str:
    """Open the step of ``instance_id`` from the inbox as its user would: among my tasks, else
    among those to claim (then claim it); its address."""
    for view in ("/inbox/", "/inbox/?view=claimable"):
        page.goto(view)
        links = page.get_by_role("link", name=title, exact=True)
        for index in range(links.count()):
            links.nth(index).click()
            if page.locator(f'a[href="/instances/{instance_id}"]').count():
                expect(page.get_by_role("heading", level=1)).to_have_text(title)
                claim = page.get_by_role("button", name="认领")
                if claim.count():
                    with page.expect_navigation():
                        claim.click()
                return page.url
            page.go_back()
    raise AssertionError(f"{title} not in the inbox")


def _choose(page: Page, field: str, name: str) -> None:
    """Pick a person by name in a people picker (options read "name · party status")."""
    select = page.get_by_label(field)
    select.select_option(select.locator("option", has_text=name).first.get_attribute("value"))


def _refused(page: Page, rule: str, day: date) -> None:
    """The page says "not yet" with the rule and the first day; the step stays open."""
    message = page.locator(".flash-error, .errors, .field-error, [id$='-error']").filter(
        has_text=day.isoformat()
    )
    expect(message.first).to_contain_text(rule)
    expect(page.get_by_role("button", name="提交")).to_be_visible()


def test_the_secretary_takes_an_applicant_through_the_first_steps(new_page, login, live_server):
    today = live_server.clock.now().astimezone(BEIJING).date()

    # The organisation member registers the letter handed in today.
    clerk = login(new_page(), ORG_MEMBER)
    intake = _start(clerk, "入党申请受理与谈话")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("接收申请书并登记")
    clerk.get_by_label("申请人姓名").fill(APPLICANT)
    clerk.get_by_label("性别").select_option("male")
    clerk.get_by_label("出生日期").fill("1999-05-20")
    clerk.get_by_label("员工编号").fill("E2E-DEV-001")
    clerk.get_by_label("递交日期").fill(today.isoformat())
    clerk.get_by_label("入党申请书（本人签名）").set_input_files(
        {"name": "入党申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    clerk.get_by_label(re.compile("申请书要素齐全")).check()
    _submit(clerk)
    expect(clerk.locator(".flash-success")).to_be_visible()

    # The secretary assigns the talk to himself and holds it.
    secretary = login(new_page(), SECRETARY)
    _open(secretary, "指派谈话人", intake)
    _choose(secretary, "谈话人（支部委员）", "陈金鹏")
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_be_visible()
    _open(secretary, "同入党申请人谈话", intake)
    secretary.get_by_label("谈话日期").fill(today.isoformat())
    secretary.get_by_label("谈话记录").fill("了解入党动机和工作表现，鼓励其加强理论学习。")
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_be_visible()

    # He recommends the applicant; the committee (he is on it) makes them an activist today.
    cultivation = _start(secretary, "入党积极分子的确定和培养教育")
    _choose(secretary, "推荐人选（入党申请人）", APPLICANT)
    secretary.get_by_label("推荐方式").select_option("member")
    secretary.get_by_label("推荐理由").fill("工作积极肯干，群众基础好。")
    _submit(secretary)
    _open(secretary, "支委会研究确定入党积极分子", cultivation)
    secretary.get_by_label("同意确定为入党积极分子").check()
    secretary.get_by_label("确定日期（支委会会议日期）").fill(today.isoformat())
    secretary.get_by_label("支委会意见").fill("同意确定为入党积极分子。")
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_be_visible()
    _open(clerk, "入党积极分子人选公示", cultivation)
    clerk.get_by_label("公示开始日期").fill(today.isoformat())
    clerk.get_by_label("公示范围或地点").fill("站务公开栏")
    _submit(clerk)
    expect(clerk.locator(".flash-success")).to_be_visible()

    # The unit files the activist only once the notice has run 5 working days.
    reviewer = login(new_page(), REVIEWER)
    _open(reviewer, "报上级党委备案", cultivation)
    expect(reviewer.locator("main")).to_contain_text("5个工作日")
    reviewer.get_by_label(re.compile("同意备案")).check()
    reviewer.get_by_label("备案日期").fill(today.isoformat())
    reviewer.get_by_label("备案意见").fill("同意备案。")
    _submit(reviewer)
    expect(reviewer.locator("main")).to_contain_text("5个工作日")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("报上级党委备案")

    # An activist of seven months, assessed once a month ago (recorded by the procedures).
    with live_server.app.app_context():
        activist_id = activist_assessed_once(BRANCH, ACTIVIST, local_zone(), today)
        assessed = db.session.scalar(
            select(func.max(HumanTask.instance_id)).where(
                HumanTask.element_id == "second_review", HumanTask.state == HumanTaskState.READY
            )
        )
    decided = add_months(today, -7)
    second_allowed = add_months(add_months(today, -1), 6)

    # The second half-yearly assessment: refused until half a year after the first.
    review = _open(clerk, "第二次半年考察", str(assessed))
    expect(clerk.locator("main")).to_contain_text(second_allowed.isoformat())
    clerk.get_by_label("考察日期").fill(today.isoformat())
    clerk.get_by_label("考察意见").fill("表现良好。")
    _submit(clerk)
    _refused(clerk, "第十二条", second_allowed)
    clerk.goto(review)  # nothing changed: the step is still open
    expect(clerk.get_by_role("button", name="提交")).to_be_visible()

    # The development target: the committee's decision is refused before a year as activist.
    target = _start(clerk, "发展对象的确定和考察")
    _choose(clerk, "发展对象人选（入党积极分子）", ACTIVIST[0])
    clerk.get_by_label("已列入年度发展党员计划").check()
    _submit(clerk)
    _open(clerk, "听取党小组、培养联系人、党员和群众意见", target)
    clerk.get_by_label("党小组意见").fill("同意。")
    clerk.get_by_label("培养联系人意见").fill("同意。")
    clerk.get_by_label("党员和群众意见汇总").fill("群众评价良好。")
    _submit(clerk)
    one_year = add_months(decided, 12)
    _open(secretary, "支委会讨论确定发展对象", target)
    expect(secretary.locator("main")).to_contain_text(one_year.isoformat())
    secretary.get_by_label("同意列为发展对象").check()
    secretary.get_by_label("讨论日期（支委会会议日期）").fill(today.isoformat())
    secretary.get_by_label("支委会意见").fill("同意列为发展对象。")
    _submit(secretary)
    _refused(secretary, "第十三条", one_year)

    # The dossiers: the applicant's first three steps, the activist still an activist.
    secretary.get_by_role("navigation").get_by_role("link", name="台账").first.click()
    secretary.get_by_role("link", name="发展党员", exact=True).click()
    row = secretary.locator("#development-people tr").filter(has_text=APPLICANT)
    row.get_by_role("link").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text(APPLICANT)
    steps = secretary.locator("#dossier-steps tbody tr")
    for number in (1, 2, 3):
        expect(steps.nth(number - 1)).to_contain_text(today.isoformat())
    expect(steps.nth(1)).to_contain_text("陈金鹏")  # the talk, held by the secretary
    expect(steps.nth(4)).to_contain_text("尚未进行")
    secretary.goto(f"/members/{activist_id}/dossier")
    expect(secretary.locator("main")).to_contain_text("入党积极分子")
    expect(secretary.locator("#dossier-steps tbody tr").nth(6)).to_contain_text("尚未进行")
    expect(secretary.locator("#development-defects")).to_have_count(0)
