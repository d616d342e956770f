"""Static checks of BPMN/DMN documents, run at deployment before anything can execute.

* every script, condition, timer expression, multi-instance expression, message expression and DMN
  cell compiles under the sandbox;
* every user or manual task sits in a lane named after a known role, and names a form key that
  exists; ``assigneeFrom``/``orgFrom`` name variables, a constant ``loopCardinality`` is within the
  multi-instance bound (``assignment_checks.py``);
* no sequence-flow cycle that no person decides (a loop the engine would run without bound; a
  rework loop through a user or manual task is allowed, see flow_graph.py), no standard loop
  without a maximum, no recursive call activity, and no path longer than the step bound (a loop
  counted once) — past a task-tree depth of 1000 SpiffWorkflow silently reports "completed", so
  the runtime also bounds how deep an instance may grow (runtime.py);
* every service task calls a domain action of the catalogue with the parameters it takes
  (``service_checks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set

from lxml import etree

from app.engine import flow_graph
from app.engine.assignment_checks import check_assignment_properties
from app.engine.assignment_checks import check_multi_instance_bound
from app.engine.deadlines import property_problems
from app.engine.dmn_checks import check_dmn
from app.engine.errors import CONVENTION
from app.engine.errors import ModelError
from app.engine.errors import element_error as _error
from app.engine.errors import local_name
from app.engine.sandbox import check_expression
from app.engine.sandbox import check_script
from app.engine.service_checks import check_service_tasks
from app.engine.services import ActionSignature

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

#: Where a person acts: a loop through one of these waits for a decision each round.
HUMAN_TASKS = frozenset({"userTask", "manualTask"})

NOT_FLOW_NODES = {
    "sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "ioSpecification", "extensionElements", "documentation",
    "property", "dataInputAssociation", "dataOutputAssociation", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "incoming", "outgoing",
}  # fmt: skip


def check_documents(
    trees: Mapping[str, etree._Element],
    *,
    known_roles: Set[str],
    known_forms: Set[str],
    step_bound: int,
    multi_instance_bound: int = 300,
    actions: Mapping[str, ActionSignature] | None = None,
) -> list[ModelError]:
    errors: list[ModelError] = []
    called = {
        node.get("calledElement")
        for name, root in trees.items()
        if not name.lower().endswith(".dmn")
        for node in root.iter(f"{{{BPMN}}}callActivity")
    }
    for name, root in trees.items():
        if name.lower().endswith(".dmn"):
            errors += check_dmn(name, root)
        else:
            errors += _check_code(name, root)
            errors += _check_user_tasks(name, root, known_roles, known_forms, called)
            errors += check_assignment_properties(name, root)
            errors += check_multi_instance_bound(name, root, multi_instance_bound)
            errors += _check_deadlines(name, root)
            errors += check_service_tasks(name, root, actions or {})
    errors += _check_paths(trees, step_bound)
    errors += _duplicate_decisions(trees)
    return errors


def _duplicate_decisions(trees: Mapping[str, etree._Element]) -> list[ModelError]:
    """Decision ids are one namespace across a deployment; the engine would keep the last one."""
    seen: dict[str, str] = {}
    errors = []
    for name, root in trees.items():
        if not name.lower().endswith(".dmn"):
            continue
        for decision in root.iter("{*}decision"):
            decision_id = decision.get("id") or ""
            if decision_id in seen:
                errors.append(
                    ModelError(
                        name,
                        decision_id,
                        decision.sourceline,
                        f"decision id also defined in {seen[decision_id]}",
                        f"决策 id 与 {seen[decision_id]} 中的重复",
                    )
                )
            seen.setdefault(decision_id, name)
    return errors


# -- code ----------------------------------------------------------------------------------------


def _check_code(file: str, root: etree._Element) -> list[ModelError]:
    errors = []
    scripts = root.xpath(
        "//bpmn:scriptTask/bpmn:script | //spiffworkflow:preScript | //spiffworkflow:postScript",
        namespaces=NS,
    )
    expressions = root.xpath(
        "//bpmn:conditionExpression | //bpmn:timeDuration | //bpmn:timeDate | //bpmn:timeCycle"
        " | //bpmn:loopCardinality | //bpmn:completionCondition"
        " | //spiffworkflow:messagePayload"
        " | //bpmn:conditionalEventDefinition/bpmn:condition"
        # formalExpression as written; messagePath once the library's validator has renamed it
        " | //bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression"
        " | //bpmn:correlationPropertyRetrievalExpression/bpmn:messagePath",
        namespaces=NS,
    )
    for node, checker, kind_en, kind_zh in [
        *((n, check_script, "script", "脚本") for n in scripts),
        *((n, check_expression, "expression", "表达式") for n in expressions),
    ]:
        source = (node.text or "").strip()
        if not source:
            continue
        for problem in checker(source):
            errors.append(
                _error(
                    file,
                    node,
                    f"{local_name(node.tag)} {kind_en} refused by the sandbox: {problem}",
                    f"{local_name(node.tag)} {kind_zh}不符合沙箱规则：{problem}",
                )
            )
    return errors


# -- people ---------------------------------------------------------------------------------------


def _lanes(root: etree._Element) -> dict[str, str]:
    """Flow node id → name of the innermost lane listing it (document order, like SpiffWorkflow)."""
    lanes = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id") or ""
    return lanes


def _check_user_tasks(
    file: str,
    root: etree._Element,
    known_roles: Set[str],
    known_forms: Set[str],
    called: Set[str | None],
) -> list[ModelError]:
    errors = []
    lanes = _lanes(root)
    for task in root.xpath("//bpmn:userTask | //bpmn:manualTask", namespaces=NS):
        lane = lanes.get(task.get("id"))
        # A document the XSD refused may hold a task outside any process: check it all the same.
        process = next(task.iterancestors(f"{{{BPMN}}}process"), None)
        lane_less = process is None or next(process.iter(f"{{{BPMN}}}lane"), None) is None
        if lane is None and lane_less and process is not None and process.get("id") in called:
            pass  # a called process without lanes: its tasks take the calling task's lane
        elif lane is None:
            errors.append(
                _error(
                    file,
                    task,
                    "the task is in no lane (role)",
                    "任务不在任何泳道（角色）中",
                    CONVENTION,
                )
            )
        elif lane not in known_roles:
            errors.append(
                _error(
                    file,
                    task,
                    f"lane '{lane}' is not a known role code",
                    f"泳道“{lane}”不是已知的角色编码",
                    CONVENTION,
                )
            )
        keys = task.xpath(".//spiffworkflow:property[@name='formKey']/@value", namespaces=NS)
        if local_name(task.tag) == "userTask" and not keys:
            errors.append(
                _error(
                    file,
                    task,
                    "the user task names no formKey",
                    "用户任务未指定表单（formKey）",
                    CONVENTION,
                )
            )
        for key in keys:
            if key not in known_forms:
                errors.append(
                    _error(
                        file,
                        task,
                        f"form '{key}' does not exist in forms/",
                        f"表单“{key}”在 forms/ 中不存在",
                        CONVENTION,
                    )
                )
    return errors


def _check_deadlines(file: str, root: etree._Element) -> list[ModelError]:
    """``dueIn``, ``dueFrom`` and ``dueCalendar`` of user and manual tasks (``deadlines.py``)."""
    errors = []
    for task in root.xpath("//bpmn:userTask | //bpmn:manualTask", namespaces=NS):
        properties = {
            node.get("name"): node.get("value") or ""
            for node in task.xpath(".//spiffworkflow:property", namespaces=NS)
        }
        for message_en, message_zh in property_problems(
            properties.get("dueIn"), properties.get("dueFrom"), properties.get("dueCalendar")
        ):
            errors.append(_error(file, task, message_en, message_zh, CONVENTION))
    return errors


# -- paths ----------------------------------------------------------------------------------------


def _check_paths(trees: Mapping[str, etree._Element], step_bound: int) -> list[ModelError]:
    processes = {
        p.get("id"): (file, p)
        for file, root in trees.items()
        if not file.lower().endswith(".dmn")
        for p in root.iter(f"{{{BPMN}}}process")
    }
    lengths: dict[str, int | None] = {}
    errors: list[ModelError] = []

    def length_of(container: etree._Element, file: str, calling: tuple[str, ...]) -> int | None:
        nodes = {
            c.get("id"): c
            for c in container
            if c.get("id") and local_name(c.tag) not in NOT_FLOW_NODES
        }
        edges: dict[str, list[str]] = {node_id: [] for node_id in nodes}
        for flow in container.iterfind(f"{{{BPMN}}}sequenceFlow"):
            if flow.get("sourceRef") in edges and flow.get("targetRef") in nodes:
                edges[flow.get("sourceRef")].append(flow.get("targetRef"))
        for node_id, node in nodes.items():
            if local_name(node.tag) == "boundaryEvent" and node.get("attachedToRef") in edges:
                edges[node.get("attachedToRef")].append(node_id)
        weights = {}
        for node_id, node in nodes.items():
            weight = _weight(node, file, calling)
            if weight is None:
                return None
            weights[node_id] = weight
        return _longest(edges, weights, file, nodes)

    def _weight(node: etree._Element, file: str, calling: tuple[str, ...]) -> int | None:
        kind = local_name(node.tag)
        weight = 1
        if kind in ("subProcess", "transaction", "adHocSubProcess"):
            weight = length_of(node, file, calling)
        elif kind == "callActivity":
            weight = called_length(node.get("calledElement") or "", node, file, calling)
        if weight is None:
            return None
        loop = node.find(f"{{{BPMN}}}standardLoopCharacteristics")
        if loop is not None:
            maximum = loop.get("loopMaximum")
            if not (maximum and maximum.isdigit()):
                errors.append(
                    _error(
                        file,
                        node,
                        "a loop without loopMaximum",
                        "循环未设置最大次数（loopMaximum）",
                    )
                )
                return None
            weight *= int(maximum)
        return weight + 1

    def _longest(
        edges: dict[str, list[str]],
        weights: dict[str, int],
        file: str,
        nodes: dict[str, etree._Element],
    ) -> int | None:
        human = {n for n, node in nodes.items() if local_name(node.tag) in HUMAN_TASKS}
        for component in flow_graph.loops(edges):
            spinning = flow_graph.undecided_loop(component, edges, human)
            if spinning is not None:
                errors.append(
                    _error(
                        file,
                        nodes[spinning],
                        "the flow loops back without a person deciding each round (a user or"
                        " manual task on every way round): an unbounded loop",
                        "流程存在无人决定的回路（每条回路都须经过用户任务或人工任务），"
                        "可能无限循环",
                    )
                )
                return None
        return flow_graph.longest_path(edges, weights)

    def called_length(
        process_id: str, node: etree._Element, file: str, calling: tuple[str, ...]
    ) -> int | None:
        if process_id in calling:
            errors.append(_error(file, node, "a process calls itself", "流程递归调用自身"))
            return None
        if process_id not in processes:
            return 1  # reported by the parser when it is missing
        if process_id not in lengths:
            called_file, process = processes[process_id]
            lengths[process_id] = length_of(process, called_file, (*calling, process_id))
        return lengths[process_id]

    for process_id, (file, process) in processes.items():
        if process.get("isExecutable") not in ("true", "1"):
            continue
        steps = called_length(process_id, process, file, ())
        if steps is not None and steps > step_bound:
            errors.append(
                _error(
                    file,
                    process,
                    f"a path of {steps} steps exceeds the bound of {step_bound}",
                    f"流程路径长度 {steps} 超过上限 {step_bound}",
                )
            )
    return errors
