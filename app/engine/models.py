"""Reading a set of BPMN/DMN files into checked, serialisable process specs.

``parse_models`` is the whole deployment check: hardened XML, a fresh ``BranchFlowParser`` with XSD
validation (a parser that raised once hands out half-built specs, so it is never reused), then our
own static checks (``checks.py``). Every problem found is reported, with file, element id, line
where known, and a message in English and Chinese; nothing is returned unless there are none.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from collections.abc import Set
from dataclasses import dataclass
from dataclasses import field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.checks import check_documents
from app.engine.errors import ModelError
from app.engine.multi_instance import BranchFlowParser
from app.engine.serializer import dump_specs
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml


class DeploymentRefused(Exception):
    def __init__(self, errors: list[ModelError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass(frozen=True)
class UserTaskInfo:
    element_id: str
    title: str
    lane: str | None
    form_key: str | None


@dataclass(frozen=True)
class ParsedProcess:
    process_id: str
    name: str
    #: Model files this process needs: its own, called processes' and DMN files.
    files: tuple[str, ...]
    form_keys: frozenset[str]
    spec_json: str
    user_tasks: tuple[UserTaskInfo, ...]
    message_start_names: tuple[str, ...] = field(default=())
    #: Lanes of the plain start events: who may start the process by hand (none: managers only).
    starter_roles: tuple[str, ...] = field(default=())
    #: The process's own ``bpmn:documentation``: what the start page says about it.
    description: str = ""

    def content_hash(self, sources: Mapping[str, bytes], forms: Mapping[str, bytes]) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"model:{name}\0".encode() + sources[name] + b"\0")
        for key in sorted(self.form_keys):
            digest.update(f"form:{key}\0".encode() + forms[key] + b"\0")
        return digest.hexdigest()


def _is_dmn(name: str) -> bool:
    return name.lower().endswith(".dmn")


def _spiff_error(exc: ValidationException, fallback_file: str | None = None) -> ModelError:
    line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number else None
    message = str(exc).split("\n")[0][:500]
    return ModelError(
        file=exc.file_name or fallback_file or "",
        element_id=exc.id or None,
        line=line,
        message_en=message,
        message_zh=f"模型校验失败：{message}",
    )


def parse_models(
    sources: Mapping[str, bytes],
    *,
    known_roles: Set[str],
    known_forms: Set[str],
    step_bound: int = 300,
    max_bytes: int = 5 * 1024 * 1024,
    multi_instance_bound: int = 300,
) -> list[ParsedProcess]:
    """Parse and check ``sources`` (name → bytes); raise DeploymentRefused with every problem."""
    errors: list[ModelError] = []
    trees: dict[str, etree._Element] = {}
    for name, data in sorted(sources.items()):
        try:
            trees[name] = parse_model_xml(data, max_bytes=max_bytes)
        except UnsafeXml as refused:
            errors.append(
                ModelError(name, None, refused.line, refused.reason_en, refused.reason_zh)
            )
    if errors:
        raise DeploymentRefused(errors)

    parser = BranchFlowParser(validator=VALIDATOR)
    for name, root in trees.items():
        try:
            if _is_dmn(name):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            errors.append(_spiff_error(exc, name))
    if errors:
        raise DeploymentRefused(errors)

    errors += check_documents(
        trees,
        known_roles=known_roles,
        known_forms=known_forms,
        step_bound=step_bound,
        multi_instance_bound=multi_instance_bound,
    )
    parsed = []
    for process_id in sorted(parser.get_process_ids()):
        try:
            parsed.append(_build(parser, process_id, trees))
        except ValidationException as exc:
            errors.append(_spiff_error(exc))
        except RecursionError:
            errors.append(
                ModelError(
                    "", process_id, None, "the process is too long to parse", "流程过长，无法解析"
                )
            )
    if errors:
        raise DeploymentRefused(errors)
    if not parsed:
        raise DeploymentRefused(
            [
                ModelError(
                    "",
                    None,
                    None,
                    "no executable process found",
                    "没有可执行的流程（isExecutable）",
                )
            ]
        )
    return parsed


def _build(
    parser: SpiffBpmnParser, process_id: str, trees: Mapping[str, etree._Element]
) -> ParsedProcess:
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    specs = [spec, *subprocess_specs.values()]
    files = {s.file for s in specs}
    user_tasks, forms, decisions, message_starts, starters = [], set(), set(), [], []
    for one in specs:
        for task_spec in one.task_specs.values():
            properties = getattr(task_spec, "extensions", {}).get("properties", {})
            if task_spec.__class__.__name__ in ("UserTask", "ManualTask"):
                form_key = properties.get("formKey")
                user_tasks.append(
                    UserTaskInfo(
                        task_spec.bpmn_id,
                        task_spec.bpmn_name or task_spec.bpmn_id,
                        task_spec.lane,
                        form_key,
                    )
                )
                if form_key:
                    forms.add(form_key)
            engine = getattr(task_spec, "dmnEngine", None)
            if engine is not None:
                decisions.add(id(engine.decision_table))
            event = getattr(task_spec, "event_definition", None)
            is_start = task_spec.__class__.__name__ == "StartEvent" and one is spec
            if is_start and event.__class__.__name__ == "MessageEventDefinition":
                message_starts.append(event.name)
            elif is_start and event.__class__.__name__ == "NoneEventDefinition" and task_spec.lane:
                starters.append(task_spec.lane)
    files |= {
        dmn.filename
        for dmn in parser.dmn_parsers.values()
        if dmn.decision is not None and any(id(t) in decisions for t in dmn.decision.decisionTables)
    }
    return ParsedProcess(
        process_id=process_id,
        name=spec.description or process_id,
        files=tuple(sorted(f for f in files if f)),
        form_keys=frozenset(forms),
        spec_json=dump_specs(spec, subprocess_specs),
        user_tasks=tuple(user_tasks),
        message_start_names=tuple(message_starts),
        starter_roles=tuple(sorted(set(starters))),
        description=_documentation(parser, process_id),
    )


def _documentation(parser: SpiffBpmnParser, process_id: str) -> str:
    node = parser.get_process_parser(process_id).node
    found = node.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}documentation")
    return " ".join((found.text or "").split())[:1000] if found is not None else ""


def errors_as_json(errors: list[ModelError]) -> str:
    return json.dumps([e.as_dict() for e in errors], ensure_ascii=False)
