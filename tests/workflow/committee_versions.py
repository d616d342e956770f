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


def with_report_step(form_key: str = "bcm_archive") -> bytes:
    """The meeting with a step added: after archiving, the secretary reports to the unit (due 3
    working days after the meeting), then the follow-up as before."""
    xml = COMMITTEE.read_text(encoding="utf-8")
    added = REPORT.replace("{form_key}", form_key) + (
        '\n    <bpmn:sequenceFlow id="flow_reported" sourceRef="report_to_unit"'
        ' targetRef="follow_up"/>'
    )
    xml = xml.replace(
        '<bpmn:sequenceFlow id="flow_archived" sourceRef="archive" targetRef="follow_up"/>',
        '<bpmn:sequenceFlow id="flow_archived" sourceRef="archive" targetRef="report_to_unit"/>\n'
        f"    {added}",
    )
    xml = xml.replace(
        "<bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>report_to_unit</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>",
    )
    shape = (
        '<bpmndi:BPMNShape id="report_to_unit_di" bpmnElement="report_to_unit">'
        '<dc:Bounds x="850" y="415" width="100" height="80"/></bpmndi:BPMNShape>\n'
        '      <bpmndi:BPMNEdge id="flow_reported_di" bpmnElement="flow_reported">'
        '<di:waypoint x="950" y="455"/><di:waypoint x="990" y="455"/></bpmndi:BPMNEdge>\n'
        "    </bpmndi:BPMNPlane>"
    )
    return xml.replace("</bpmndi:BPMNPlane>", shape).encode()
