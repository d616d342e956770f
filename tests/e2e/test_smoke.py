"""Smoke tests in a real browser: login in Chinese and English, a wrong password, the phone layout,
the keyboard. The branch secretary of HH01-01 (chenjinpeng) is a demo login (README.md)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO_PASSWORD
from tests.e2e.helpers import FIXTURES
from tests.e2e.helpers import LOGIN_PATH
from tests.e2e.helpers import focused
from tests.e2e.helpers import horizontal_overflow
from tests.e2e.helpers import path_of
from tests.e2e.helpers import tab_to
from tests.e2e.helpers import unlabelled_controls
from tests.e2e.helpers import wider_than_viewport

pytestmark = pytest.mark.e2e

E2E_PROCESSES_DIR = FIXTURES / "processes"
E2E_FORMS_DIR = FIXTURES / "forms"

SECRETARY = "chenjinpeng"  # 支部书记, HH01-01 长流水采油站党支部


def test_secretary_signs_in_in_chinese_and_switches_to_english(page: Page, login):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))  # not signed in: sent to the form
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")

    login(page, SECRETARY)
    expect(page.locator("header .whoami")).to_contain_text(SECRETARY)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="待办").click()
    expect(page).to_have_url(re.compile(r"/inbox"))
    expect(page.get_by_role("heading", level=1)).to_have_text("待办")
    expect(page.get_by_role("link", name=re.compile("我的待办"))).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/inbox"))  # the switch brings one back to the same page
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.get_by_role("link", name=re.compile("My tasks"))).to_be_visible()
    expect(page.get_by_role("button", name="中文")).to_be_visible()


def test_wrong_password_shows_the_error_in_chinese_and_stays_on_the_form(page: Page):
    page.goto(LOGIN_PATH)
    page.get_by_label("用户名").fill("tanghong")
    page.get_by_label("密码").fill("not-" + DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()

    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    assert path_of(page) == LOGIN_PATH
    expect(page.get_by_label("用户名")).to_have_value("tanghong")  # kept for a second try
    expect(page.get_by_label("密码")).to_have_value("")  # the password is not sent back
    expect(page.locator("header .whoami")).to_have_count(0)


def test_on_a_phone_the_inbox_fits_the_screen_and_the_navigation_works(phone_page: Page, login):
    page = phone_page
    login(page, SECRETARY)
    nav = page.get_by_role("navigation", name="主导航")

    # Start the fixture procedure from the navigation, so the inbox has a task row to lay out.
    nav.get_by_role("link", name="发起").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("发起流程")
    card = page.locator("section.card").filter(has_text="浏览器冒烟测试")
    card.get_by_role("button", name="发起").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写冒烟测试记录")
    assert horizontal_overflow(page) == 0, wider_than_viewport(page)

    nav.get_by_role("link", name="待办").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("待办")
    page.get_by_role("navigation", name="任务列表").get_by_role("link", name="待认领").tap()
    expect(page.get_by_role("link", name="填写冒烟测试记录").first).to_be_visible()
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"), (
        f"the inbox scrolls sideways on a phone: {wider_than_viewport(page)}"
    )

    width = page.evaluate("() => window.innerWidth")
    links = nav.get_by_role("link")
    assert links.count() >= 4
    for link in links.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        name = link.inner_text()
        assert box["x"] >= 0, f"{name} is off screen: {box}"
        assert box["x"] + box["width"] <= width, f"{name} is off screen: {box}"
        centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
        hit = link.evaluate(
            "(el, [x, y]) => { const at = document.elementFromPoint(x, y);"
            " return el.contains(at) ? '' : (at ? at.outerHTML.slice(0, 120) : 'nothing'); }",
            centre,
        )
        assert hit == "", f"{name}: a tap on its centre reaches {hit}"

    nav.get_by_role("link", name="首页").tap()
    expect(page).to_have_url(re.compile(r"/$"))


def test_the_login_form_works_with_the_keyboard_alone(page: Page):
    page.goto(LOGIN_PATH)
    tab_to(page, "input#login")
    page.keyboard.type(SECRETARY)
    page.keyboard.press("Tab")
    assert focused(page) == "input#password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert path_of(page) == "/"
    expect(page.locator("header .whoami")).to_contain_text(SECRETARY)


def test_every_control_of_the_login_page_has_a_label(page: Page):
    page.goto(LOGIN_PATH)
    assert unlabelled_controls(page) == []
    expect(page.get_by_label("用户名")).to_have_attribute("id", "login")
    expect(page.get_by_label("密码")).to_have_attribute("type", "password")
