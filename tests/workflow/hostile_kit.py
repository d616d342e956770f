"""Small models that put one piece of code at one expression site, reached as soon as they start.

Each site is where a designer may write code in BPMN or DMN; the hostile corpus
(test_hostile_models.py) puts hostile code at each of them.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from tests.engine.models_kit import between_start_and_end
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task

SPIFF = "spiffworkflow"


def _script_task(task_id: str, script: str, extra: str = "", loop: str = "") -> str:
    return (
        f'<bpmn:scriptTask id="{task_id}">{extra}{loop}'
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
    )


def script(code: str) -> dict[str, bytes]:
    return {"h_script.bpmn": between_start_and_end("h_script", _script_task("site", code), "site")}


def pre_script(code: str) -> dict[str, bytes]:
    task = user_task("site").replace(
        "<bpmn:extensionElements>",
        f"<bpmn:extensionElements><{SPIFF}:preScript>{escape(code)}</{SPIFF}:preScript>",
    )
    return {"h_pre.bpmn": between_start_and_end("h_pre", task, "site")}


def post_script(code: str) -> dict[str, bytes]:
    # An embedded sub-process: it completes on its own at start, and then runs its post-script
    # (the library runs no pre- or post-script on a script task).
    sub = (
        f'<bpmn:subProcess id="site"><bpmn:extensionElements><{SPIFF}:postScript>{escape(code)}'
        f"</{SPIFF}:postScript></bpmn:extensionElements>"
        '<bpmn:startEvent id="sub_start"/><bpmn:endEvent id="sub_end"/>'
        + flow("sub_f", "sub_start", "sub_end")
        + "</bpmn:subProcess>"
    )
    return {"h_post.bpmn": between_start_and_end("h_post", sub, "site")}


def condition(code: str) -> dict[str, bytes]:
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:exclusiveGateway id="gate" default="f_else"/>'
        '<bpmn:endEvent id="end_a"/><bpmn:endEvent id="end_b"/>'
        + flow("f1", "start", "gate")
        + flow("site", "gate", "end_a", escape(code))
        + flow("f_else", "gate", "end_b")
    )
    return {
        "h_condition.bpmn": document(
            "h_condition", body, {"branch_secretary": ["start", "gate", "end_a", "end_b"]}
        )
    }


def timer(code: str) -> dict[str, bytes]:
    wait = (
        '<bpmn:intermediateCatchEvent id="site"><bpmn:timerEventDefinition id="td">'
        f"<bpmn:timeDuration>{escape(code)}</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )
    return {"h_timer.bpmn": between_start_and_end("h_timer", wait, "site")}


def conditional_event(code: str) -> dict[str, bytes]:
    wait = (
        '<bpmn:intermediateCatchEvent id="site"><bpmn:conditionalEventDefinition id="cd">'
        f"<bpmn:condition>{escape(code)}</bpmn:condition>"
        "</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>"
    )
    return {"h_conditional.bpmn": between_start_and_end("h_conditional", wait, "site")}


def _with_messages(pid: str, process_xml: bytes, retrieval: str) -> bytes:
    """Add a message, a correlation property and a collaboration around ``process_xml``."""
    header = (
        f'<bpmn:collaboration id="collab_{pid}"><bpmn:participant id="p_{pid}" processRef="{pid}"/>'
        '<bpmn:correlationKey id="key" name="key"><bpmn:correlationPropertyRef>prop'
        "</bpmn:correlationPropertyRef></bpmn:correlationKey></bpmn:collaboration>"
        '<bpmn:message id="hostile_message" name="hostile_message"/>'
        '<bpmn:correlationProperty id="prop" name="case">'
        '<bpmn:correlationPropertyRetrievalExpression messageRef="hostile_message">'
        f"<bpmn:formalExpression>{escape(retrieval)}</bpmn:formalExpression>"
        "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"
    )
    text = process_xml.decode()
    at = text.index("<bpmn:process ")
    return (text[:at] + header + text[at:]).encode()


def _throw(pid: str, payload: str, retrieval: str) -> dict[str, bytes]:
    throw = (
        '<bpmn:intermediateThrowEvent id="site">'
        '<bpmn:messageEventDefinition id="med" messageRef="hostile_message">'
        f"<bpmn:extensionElements><{SPIFF}:messagePayload>{escape(payload)}"
        f"</{SPIFF}:messagePayload></bpmn:extensionElements>"
        "</bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>"
    )
    return {
        f"{pid}.bpmn": _with_messages(pid, between_start_and_end(pid, throw, "site"), retrieval)
    }


def message_payload(code: str) -> dict[str, bytes]:
    return _throw("h_payload", code, "case")


def correlation(code: str) -> dict[str, bytes]:
    return _throw("h_correlation", "{'case': 1}", code)


def _decision(input_expression: str, output_entry: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="h_defs"'
        ' name="h" namespace="http://branchflow.example/test">'
        '<decision id="h_decision" name="h"><decisionTable id="h_table" hitPolicy="UNIQUE">'
        '<input id="h_in" label="x"><inputExpression id="h_input_expression" typeRef="number">'
        f"<text>{escape(input_expression)}</text></inputExpression></input>"
        '<output id="h_out" name="result" typeRef="string"/>'
        # Not "-": a wildcard entry never evaluates the input expression.
        '<rule id="h_rule"><inputEntry id="h_entry"><text>!= None</text></inputEntry>'
        f'<outputEntry id="h_output"><text>{escape(output_entry)}</text></outputEntry></rule>'
        "</decisionTable></decision></definitions>"
    ).encode()


def _decide(pid: str, decision: bytes) -> dict[str, bytes]:
    task = (
        '<bpmn:businessRuleTask id="site"><bpmn:extensionElements>'
        f"<{SPIFF}:calledDecisionId>h_decision</{SPIFF}:calledDecisionId>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>"
    )
    return {f"{pid}.bpmn": between_start_and_end(pid, task, "site"), f"{pid}.dmn": decision}


def dmn_output(code: str) -> dict[str, bytes]:
    return _decide("h_dmn_output", _decision("1", code))


def dmn_input(code: str) -> dict[str, bytes]:
    return _decide("h_dmn_input", _decision(code, '"ok"'))


def _multi(pid: str, cardinality: str, completion: str | None = None) -> dict[str, bytes]:
    done = (
        f"<bpmn:completionCondition>{escape(completion)}</bpmn:completionCondition>"
        if completion
        else ""
    )
    loop = (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        f"<bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>{done}"
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    return {
        f"{pid}.bpmn": between_start_and_end(
            pid, _script_task("site", "done = 1", loop=loop), "site"
        )
    }


def cardinality(code: str) -> dict[str, bytes]:
    return _multi("h_cardinality", code)


def completion_condition(code: str) -> dict[str, bytes]:
    return _multi("h_completion", "2", code)


#: Every expression site: name → model builder.
SITES = {
    "script": script,
    "pre_script": pre_script,
    "post_script": post_script,
    "condition": condition,
    "timer": timer,
    "conditional_event": conditional_event,
    "message_payload": message_payload,
    "correlation": correlation,
    "dmn_output": dmn_output,
    "dmn_input": dmn_input,
    "cardinality": cardinality,
    "completion_condition": completion_condition,
}
