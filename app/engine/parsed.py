"""A checked process set's result: each executable process as a serialisable spec plus what the
platform needs to know about it (user tasks, forms, files, how it may be started)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.english import english_documentation
from app.engine.english import english_names
from app.engine.serializer import dump_specs


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
    #: The English of the name, the documentation and every named element (``english.py``).
    name_en: str = ""
    description_en: str = ""
    names_en: Mapping[str, str] = field(default_factory=dict)

    def content_hash(self, sources: Mapping[str, bytes], forms: Mapping[str, bytes]) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"model:{name}\0".encode() + sources[name] + b"\0")
        for key in sorted(self.form_keys):
            digest.update(f"form:{key}\0".encode() + forms[key] + b"\0")
        return digest.hexdigest()


def build_process(
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
    names_en = {
        element: name
        for file in sorted(files)
        if file in trees
        for element, name in english_names(trees[file]).items()
    }
    own_tree = trees.get(spec.file)
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
        name_en=names_en.get(process_id, "")[:200],
        description_en=english_documentation(own_tree, process_id) if own_tree is not None else "",
        names_en=names_en,
    )


def _documentation(parser: SpiffBpmnParser, process_id: str) -> str:
    node = parser.get_process_parser(process_id).node
    found = node.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}documentation")
    return " ".join((found.text or "").split())[:1000] if found is not None else ""
