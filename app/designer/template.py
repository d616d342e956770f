"""The smallest model that deploys: one lane, a start event, one user task and an end event, with
its diagram, so that a designer starts from something the checks accept and the modeler can draw."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

PROCESS_KEY = re.compile(r"^[a-z][a-z0-9_]{2,60}$")
GROUPS = ("meetings", "grading", "other")
DEFAULT_LANE = "branch_secretary"

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_{key}" targetNamespace="https://branchflow.example/processes/{group}">
  <bpmn:collaboration id="collab_{key}">
    <bpmn:participant id="pool_{key}" name={name} processRef="{key}"/>
  </bpmn:collaboration>
  <bpmn:process id="{key}" name={name} isExecutable="true">
    <bpmn:documentation>{documentation}</bpmn:documentation>
    <bpmn:laneSet id="lanes_{key}">
      <bpmn:lane id="lane_main" name="{lane}">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>handle</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="发起"/>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="handle"/>
    <bpmn:userTask id="handle" name="办理">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form_key}"/>
        <spiffworkflow:property name="dueIn" value="P7D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_end" sourceRef="handle" targetRef="end"/>
    <bpmn:endEvent id="end" name="办结"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collab_{key}">
      <bpmndi:BPMNShape id="pool_{key}_di" bpmnElement="pool_{key}" isHorizontal="true">
        <dc:Bounds x="100" y="80" width="600" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_main_di" bpmnElement="lane_main" isHorizontal="true">
        <dc:Bounds x="130" y="80" width="570" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="192" y="162" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handle_di" bpmnElement="handle">
        <dc:Bounds x="320" y="140" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="542" y="162" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_di" bpmnElement="flow_start">
        <di:waypoint x="228" y="180"/>
        <di:waypoint x="320" y="180"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_end_di" bpmnElement="flow_end">
        <di:waypoint x="420" y="180"/>
        <di:waypoint x="542" y="180"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def template_xml(key: str, name: str, group: str, form_key: str) -> str:
    """A new process ``key`` named ``name``; the caller has checked ``key`` and ``group``."""
    return _TEMPLATE.format(
        key=key,
        group=group,
        name=quoteattr(name),
        documentation=_text(name),
        lane=DEFAULT_LANE,
        form_key=form_key,
    )


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
