"""The form editor in the browser, as a designer uses it: add a field, give it Chinese and English
labels and a kind, move it with the keyboard, see the server's preview follow, try sample input and
meet the server's validation error, and read and edit the same form as JSON. The page is the
designer's copy editor (GET /designer/forms/<key>/edit), whose save only checks the form.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.helpers import log_in
from tests.e2e.helpers import unlabelled_controls
from tests.e2e.helpers import wider_than_viewport

pytestmark = pytest.mark.e2e

DESIGNER = "lixiaoxin"
FORM = "pgm_branch_receipt"


def _open(page: Page) -> Page:
    log_in(page, DESIGNER)
    page.goto(f"/designer/forms/{FORM}/edit")
    expect(page.locator("[data-fe-preview]")).to_contain_text("已阅知党小组汇报")
    return page


def _field_order(page: Page) -> list[str]:
    return page.locator("[data-fe-fields] [data-field-row]").evaluate_all(
        "rows => rows.map(r => r.dataset.fieldRow)"
    )


def _json(page: Page) -> dict:
    return json.loads(page.locator("[data-fe-json]").input_value())


def test_a_designer_adds_a_field_reorders_it_and_sees_preview_and_validation(page: Page) -> None:
    _open(page)
    page.get_by_role("button", name="添加字段").click()
    props = page.locator("[data-fe-props]")
    props.get_by_label("标签（中文）").fill("到会人数")
    props.get_by_label("标签（英文）").fill("Members present")
    props.get_by_label("字段类型").select_option("int")
    props.get_by_label("最小值").fill("1")
    props.get_by_label("必填").check()
    preview = page.locator("[data-fe-preview]")
    expect(preview.locator("label[for='f-field_3']")).to_contain_text("到会人数")
    expect(preview.locator("#f-field_3")).to_have_attribute("type", "number")

    # Reordered with the keyboard: the field list, the JSON and the preview follow.
    move_up = page.locator("[data-field-row='field_3'] [data-move='-1']")
    move_up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # focus stays on the moved field's button
    assert _field_order(page) == ["field_3", "report_read", "branch_comments"]
    expect(preview.locator(".field").first).to_have_class("field field-int")

    # Sample input checked by the server: its validation message beside the field.
    preview.locator("#f-field_3").fill("0")
    page.get_by_role("button", name="校验示例内容").click()
    expect(preview.locator("#f-field_3-error")).to_have_text("不能小于 1。")
    expect(preview.locator(".field-bool .errors")).to_be_visible()  # the unchecked confirmation

    # The same form as JSON, and an edit there shows in the editor.
    page.get_by_role("tab", name="JSON").click()
    document = _json(page)
    assert list(document["schema"]["properties"]) == ["field_3", "report_read", "branch_comments"]
    assert document["schema"]["properties"]["field_3"] == {
        "type": "integer",
        "title": "到会人数",
        "x-title-en": "Members present",
        "minimum": 1,
    }
    assert "field_3" in document["schema"]["required"]
    document["schema"]["properties"]["field_3"]["title"] = "实到人数"
    page.locator("[data-fe-json]").fill(json.dumps(document, ensure_ascii=False))
    expect(page.locator("[data-field-row='field_3']")).to_contain_text("实到人数")
    page.get_by_role("tab", name="预览").click()
    expect(preview.locator("label[for='f-field_3']")).to_contain_text("实到人数")

    page.get_by_role("button", name="检查").click()
    expect(page.locator("[data-fe-status]")).to_have_text("检查未发现问题。")


def test_problems_show_on_the_field_and_sections_group_fields(page: Page) -> None:
    _open(page)
    page.locator("[data-select='branch_comments']").click()
    page.locator("[data-fe-props]").get_by_label("标签（英文）").fill("")
    row = page.locator("[data-field-row='branch_comments']")
    expect(row).to_have_class("fe-field selected has-problem")
    problems = page.locator("[data-fe-problems]")
    expect(problems).to_contain_text("schema.properties.branch_comments.title")
    expect(problems).to_contain_text("中文文字缺少对应的英文")
    page.get_by_role("button", name="检查").click()
    expect(page.locator("[data-fe-status]")).to_have_text("检查发现问题，见列表。")

    page.get_by_role("button", name="添加分区").click()
    page.get_by_label("分区 1 · 中文标题").fill("阅知")
    page.get_by_label("分区 1 · 英文标题").fill("Reading")
    expect(page.locator("[data-fe-preview] legend").first).to_have_text("阅知")
    page.get_by_role("button", name="添加分区").click()
    page.locator("[data-field-row='branch_comments'] [data-move='1']").click()  # into section 2
    sections = _json_after_tab(page)["ui"]["sections"]
    assert [s["fields"] for s in sections] == [["report_read"], ["branch_comments"]]
    assert unlabelled_controls(page) == []  # the list, the properties and the preview alike
    assert wider_than_viewport(page) == []


def _json_after_tab(page: Page) -> dict:
    page.get_by_role("tab", name="JSON").click()
    return _json(page)


def test_typing_keeps_its_place_while_the_preview_follows_and_english_readers_get_english(
    page: Page,
) -> None:
    _open(page)
    page.get_by_role("button", name="添加分区").click()
    title = page.get_by_label("分区 1 · 中文标题")
    title.press_sequentially("阅知汇报")
    expect(page.locator("[data-fe-preview] legend")).to_have_text("阅知汇报")
    expect(title).to_be_focused()  # the list redrawn after the preview's answer kept the caret
    expect(title).to_have_value("阅知汇报")
    english = page.get_by_label("分区 1 · 英文标题")
    english.press_sequentially("Reading the report")
    expect(page.locator("[data-fe-json]")).to_have_value(re.compile("Reading the report"))

    page.locator("header form[action$='/language'] button").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Add a field")).to_be_visible()
    expect(page.locator("[data-fe-preview]")).to_contain_text("Report read")
    page.get_by_role("button", name="Add a field").click()
    page.locator("[data-fe-props]").get_by_label("Kind of field").select_option("enum")
    options = page.locator("[data-fe-options]")
    options.get_by_label("Label (Chinese) 1").fill("同意")
    options.get_by_label("Label (English) 1").fill("Agreed")
    expect(page.locator("[data-fe-preview] #f-field_3 option").nth(1)).to_have_text("Agreed")
    # Renamed as typed, and later edits go to the renamed field.
    props = page.locator("[data-fe-props]")
    props.get_by_label("Key (data name)").fill("decision")
    props.get_by_label("Label (English)", exact=True).fill("Decision")
    page.get_by_role("tab", name="JSON").click()
    expect(page.locator("[data-fe-json]")).to_have_value(re.compile('"decision"'))
    spec = _json(page)["schema"]["properties"]["decision"]
    assert spec["x-title-en"] == "Decision"
    assert spec["x-labels-en"] == {"option_1": "Agreed"}
    page.locator("[data-fe-json]").fill('{"schema": {"properties": {"a": 1}}}')
    expect(page.locator("[data-fe-json-error]")).to_be_visible()
    expect(page.locator("[data-field-row='decision']")).to_be_visible()  # the last valid form
