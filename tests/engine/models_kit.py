"""Small BPMN documents for deployment tests, built from a few lines of flow."""

from __future__ import annotations

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    ' id="defs_{pid}" targetNamespace="http://branchflow.example/test">\n'
)


def user_task(task_id: str, form: str = "test_any", name: str = "任务") -> str:
    return (
        f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formKey" value="{form}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def document(pid: str, body: str, lanes: dict[str, list[str]] | None = None) -> bytes:
    lane_xml = ""
    if lanes:
        lane_xml = (
            '<bpmn:laneSet id="ls">'
            + "".join(
                f'<bpmn:lane id="lane_{i}" name="{role}">'
                + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
                + "</bpmn:lane>"
                for i, (role, nodes) in enumerate(lanes.items())
            )
            + "</bpmn:laneSet>"
        )
    xml = (
        HEAD.format(pid=pid)
        + f'<bpmn:process id="{pid}" name="{pid}" isExecutable="true">{lane_xml}{body}</bpmn:process>'
        + "</bpmn:definitions>"
    )
    return xml.encode()


def between_start_and_end(pid: str, element: str, element_id: str) -> bytes:
    """start → ``element`` → end, all in the branch secretary's lane."""
    body = (
        '<bpmn:startEvent id="start"/>'
        + element
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", element_id)
        + flow("f2", element_id, "end")
    )
    return document(pid, body, {"branch_secretary": ["start", element_id, "end"]})


def one_task(
    pid: str, *, role: str = "branch_secretary", form: str = "test_any", script: str | None = None
) -> bytes:
    """start → task → [script] → end, all in one lane."""
    body = '<bpmn:startEvent id="start"/>' + user_task("t1", form) + flow("f1", "start", "t1")
    last = "t1"
    if script is not None:
        body += f'<bpmn:scriptTask id="s1"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
        body += flow("f2", "t1", "s1")
        last = "s1"
    body += '<bpmn:endEvent id="end"/>' + flow("f3", last, "end")
    return document(
        pid, body, {role: ["start", "t1", "s1", "end"] if script else ["start", "t1", "end"]}
    )


def chain(pid: str, length: int) -> bytes:
    """start → length script tasks → end."""
    body = '<bpmn:startEvent id="start"/>'
    previous = "start"
    for i in range(length):
        body += f'<bpmn:scriptTask id="s{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
        body += flow(f"f{i}", previous, f"s{i}")
        previous = f"s{i}"
    body += '<bpmn:endEvent id="end"/>' + flow("f_end", previous, "end")
    return document(pid, body)
