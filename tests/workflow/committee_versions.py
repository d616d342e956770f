"""Versions of the shipped committee meeting for the designer's tests: the second replaces its
archiving step by the secretary's report to the unit, due 3 working days after the meeting."""

from __future__ import annotations

from tests.conftest import ROOT

COMMITTEE = ROOT / "processes" / "meetings" / "branch_committee_meeting.bpmn"
REPORT = """<bpmn:userTask id="report_to_unit" name="向上级党组织报告会议情况">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form_key}"/>
        <spiffworkflow:property name="dueFrom" value="meeting_at"/>
        <spiffworkflow:property name="dueIn" value="P3D"/>
        <spiffworkflow:property name="dueCalendar" value="working"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>"""


def second_version(form_key: str = "bcm_archive") -> bytes:
    """The meeting with its archiving step replaced by a report to the unit, due 3 working days
    after the meeting."""
    xml = COMMITTEE.read_text(encoding="utf-8")
    start = xml.index('<bpmn:userTask id="archive"')
    end = xml.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    xml = xml[:start] + REPORT.replace("{form_key}", form_key) + xml[end:]
    # the secretary reports: the step sits in the secretary's lane
    xml = xml.replace("<bpmn:flowNodeRef>archive</bpmn:flowNodeRef>", "")
    xml = xml.replace(
        "<bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>report_to_unit</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>",
    )
    for old, new in (
        ('Ref="archive"', 'Ref="report_to_unit"'),
        ('bpmnElement="archive"', 'bpmnElement="report_to_unit"'),
    ):
        xml = xml.replace(old, new)
    return xml.encode()
