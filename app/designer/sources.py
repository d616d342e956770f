"""Model files as the designer sees them: deployed (in ``process_definitions``), shipped (under
``processes/``) or drafted, and the file set a draft is checked and deployed with.

A model is named by its file name as ``processes/`` names it (``meetings/x.bpmn``). A draft of one
file is checked together with every file of the latest versions that use it (the processes that
call it, the decision tables it calls), so that call activities and business rule tasks resolve
and a change to a shared file is checked where it is used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import undefer

from app.engine.errors import ModelError
from app.workflow.deploy import check_sources
from app.workflow.deploy import read_model_files
from app.workflow.models import ProcessDefinition


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kind_of(file_name: str) -> str:
    return "dmn" if file_name.lower().endswith(".dmn") else "bpmn"


@dataclass
class ModelFile:
    """One model file and the latest deployed versions of the processes that use it."""

    file_name: str
    kind: str
    text: str | None = None  # the content in the newest version using it, else in processes/
    definitions: list[ProcessDefinition] = field(default_factory=list)
    on_disk: bool = False

    @property
    def deployed(self) -> bool:
        return bool(self.definitions)


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The newest version of every process, with its files."""
    newest = (
        select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("v"))
        .group_by(ProcessDefinition.process_key)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (newest.c.process_key == ProcessDefinition.process_key)
                & (newest.c.v == ProcessDefinition.version),
            )
            .options(undefer(ProcessDefinition.sources_json))
            .order_by(ProcessDefinition.process_key)
        )
    )


def disk_files() -> dict[str, bytes]:
    root = current_app.config["PROCESSES_DIR"]
    return read_model_files([root], root=root) if root.is_dir() else {}


def model_files(session: Session) -> dict[str, ModelFile]:
    """Every model file deployed or shipped, by name."""
    files: dict[str, ModelFile] = {}
    # Oldest first, so that a file shared by several processes shows its newest deployed text.
    for definition in sorted(latest_definitions(session), key=lambda d: (d.deployed_at, d.id)):
        for name, text in json.loads(definition.sources_json).items():
            model = files.setdefault(name, ModelFile(name, kind_of(name)))
            model.definitions.append(definition)
            model.text = text
    for name, data in disk_files().items():
        model = files.setdefault(name, ModelFile(name, kind_of(name)))
        model.on_disk = True
        if model.text is None:
            model.text = data.decode("utf-8", errors="replace")
    return dict(sorted(files.items()))


def model_file(session: Session, file_name: str) -> ModelFile | None:
    return model_files(session).get(file_name)


def model_set(session: Session, file_name: str, data: bytes) -> dict[str, bytes]:
    """The files ``file_name`` is checked and deployed with, ``data`` standing for it."""
    sources: dict[str, bytes] = {}
    model = model_file(session, file_name)
    for definition in model.definitions if model else []:
        for name, text in json.loads(definition.sources_json).items():
            sources.setdefault(name, text.encode("utf-8"))
    sources[file_name] = data
    return sources


def check_problems(
    session: Session, file_name: str, data: bytes, forms: dict[str, bytes] | None = None
) -> list[dict[str, object]]:
    """Every deployment check of the draft in its set, as plain dicts (ModelError fields);
    ``forms``: the forms the draft carries, beside those of forms/."""
    result = check_sources(model_set(session, file_name, data), forms)
    return [problem.as_dict() for problem in result.problems]


def as_errors(problems: list[dict[str, object]]) -> list[ModelError]:
    return [ModelError(**problem) for problem in problems]  # type: ignore[arg-type]
