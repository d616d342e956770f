"""Deploying BPMN/DMN files: check everything, then store a new version of each changed process."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core.commands import CommandContext
from app.engine.errors import CONVENTION
from app.engine.errors import ModelError
from app.engine.model_check import ModelCheck
from app.engine.model_check import check_models
from app.engine.models import DeploymentRefused
from app.engine.models import parse_models
from app.engine.serializer import LIBRARY_VERSION
from app.formdefs.english import untranslated
from app.formdefs.registry import MAX_FORM_BYTES
from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.formdefs.registry import load_registry
from app.identity import catalogue
from app.identity.policy import load_scope
from app.workflow.actions import catalogue as catalogue_of_actions
from app.workflow.models import ProcessDefinition
from app.workflow.timing_rules import model_timing_problems

MODEL_SUFFIXES = (".bpmn", ".dmn")


@dataclass(frozen=True)
class Deployed:
    process_key: str
    version: int
    created: bool


def read_model_files(paths: list[Path], root: Path | None = None) -> dict[str, bytes]:
    """File name (relative to ``root`` if given) → bytes, for each .bpmn/.dmn file in ``paths``."""
    sources = {}
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.suffix.lower() in MODEL_SUFFIXES:
                name = (
                    str(file.relative_to(root)) if root and file.is_relative_to(root) else file.name
                )
                sources[name] = file.read_bytes()
    return sources


def model_files_for_check(paths: list[Path]) -> dict[str, bytes]:
    """Like ``read_model_files``, but files of the same name in different folders (tool exports of
    one model) are all kept, named by their path: a check must not silently skip any."""
    files = [
        file
        for path in paths
        for file in (sorted(path.rglob("*")) if path.is_dir() else [path])
        if file.suffix.lower() in MODEL_SUFFIXES
    ]
    names = Counter(file.name for file in files)
    return {(f.name if names[f.name] == 1 else str(f)): f.read_bytes() for f in files}


def check_sources(sources: dict[str, bytes], forms: dict[str, bytes] | None = None) -> ModelCheck:
    """Every deployment check of ``sources`` against the current roles and forms (``forms``: draft
    forms beside or instead of those of forms/); deploys nothing and raises nothing."""
    try:
        forms = _form_files(forms)
        form_problems = _untranslated(forms)  # the processes are still checked against them
    except DeploymentRefused as refused:
        forms, form_problems = {}, refused.errors
    result = check_models(sources, **_check_settings(forms))
    timing = model_timing_problems(sources)
    return replace(result, problems=(*form_problems, *result.problems, *timing))


def _check_settings(forms: dict[str, bytes]) -> dict[str, object]:
    """What a model is checked against: the role catalogue, the forms and the configured bounds."""
    config = current_app.config
    return {
        "known_roles": set(catalogue.roles()),
        "known_forms": set(forms),
        "step_bound": config["MODEL_STEP_BOUND"],
        "max_bytes": config["MODEL_MAX_BYTES"],
        "multi_instance_bound": config["MODEL_MULTI_INSTANCE_BOUND"],
        "actions": catalogue_of_actions().signatures(),
        "english_required": config["MODEL_ENGLISH_REQUIRED"],
    }


def _forms(drafts: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The form files as they are now, with ``drafts`` beside them, refused while one is broken
    or lacks English."""
    forms = _form_files(drafts)
    problems = _untranslated(forms)
    if problems:
        raise DeploymentRefused(problems)
    return forms


def _form_files(drafts: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The form files as they are now (a designer may have changed them since start-up), with
    ``drafts`` (form key → JSON) in place of or beside them — each checked as a form file is."""
    try:
        forms = load_registry(current_app.config["FORMS_DIR"]).file_bytes()
        for key, data in (drafts or {}).items():
            if len(data) > MAX_FORM_BYTES:
                raise FormFileError(f"{key}.json: larger than {MAX_FORM_BYTES // 1024} KiB")
            form_def(data, key)
            forms[key] = data
        return forms
    except FormFileError as exc:
        raise DeploymentRefused(
            [ModelError("forms/", None, None, str(exc), f"表单文件无效：{exc}", CONVENTION)]
        ) from None


def _untranslated(forms: dict[str, bytes]) -> list[ModelError]:
    """One problem per form that shows Chinese without English (the pages speak both): named
    by its places in the file, so the designer sees every gap at once."""
    problems = []
    for key, data in sorted(forms.items()):
        gaps = untranslated(json.loads(data))
        if gaps:
            places = ", ".join(gaps[:10]) + (f" (+{len(gaps) - 10})" if len(gaps) > 10 else "")
            problems.append(
                ModelError(
                    f"forms/{key}.json",
                    None,
                    None,
                    f"Chinese text without its English counterpart (x-title-en, "
                    f"x-description-en, x-labels-en): {places}",
                    f"中文文字缺少对应的英文（x-title-en、x-description-en、x-labels-en）：{places}",
                    CONVENTION,
                )
            )
    return problems


def deploy_definitions(
    ctx: CommandContext,
    *,
    sources: dict[str, bytes],
    authorised: bool = False,
    forms: dict[str, bytes] | None = None,
) -> list[Deployed]:
    """Check ``sources`` as one set; store a new version of every process whose files or forms
    changed. ``forms``: draft forms (key → JSON) used instead of, or beside, those of forms/.

    Nothing is stored unless every file passes (DeploymentRefused lists every problem).
    Records ``definition_deployed`` for each new version. Only administrators deploy, unless the
    caller has ``authorised`` the actor by its own rule (the designer workspace's approval).
    """
    if (
        not authorised
        and ctx.actor.user_id is not None
        and not load_scope(ctx.session, ctx.actor.user_id, ctx.today).is_system_admin
    ):
        raise DeploymentRefused(
            [
                ModelError(
                    "",
                    None,
                    None,
                    "only administrators deploy",
                    "只有管理员可以发布流程",
                    category=CONVENTION,  # BranchFlow's rule, not the engine's
                )
            ]
        )
    forms = _forms(forms)
    parsed = parse_models(sources, **_check_settings(forms))
    timing = model_timing_problems(sources)
    if timing:
        raise DeploymentRefused(timing)
    results = []
    for process in parsed:
        content_hash = process.content_hash(sources, forms)
        latest = ctx.session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_key == process.process_id)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.content_hash == content_hash:
            results.append(Deployed(process.process_id, latest.version, created=False))
            continue
        definition = ProcessDefinition(
            process_key=process.process_id,
            version=(latest.version + 1) if latest else 1,
            name=process.name[:200],
            description=process.description,
            name_en=process.name_en,
            description_en=process.description_en,
            names_en_json=json.dumps(dict(process.names_en), ensure_ascii=False, sort_keys=True),
            content_hash=content_hash,
            spec_json=process.spec_json,
            sources_json=json.dumps(
                {n: sources[n].decode("utf-8") for n in process.files}, ensure_ascii=False
            ),
            forms_json=json.dumps(
                {k: forms[k].decode("utf-8") for k in sorted(process.form_keys)}, ensure_ascii=False
            ),
            message_starts_json=json.dumps(list(process.message_start_names), ensure_ascii=False),
            starter_roles_json=json.dumps(list(process.starter_roles)),
            library_version=LIBRARY_VERSION,
            deployed_at=ctx.now,
            deployed_by=ctx.actor.login,
        )
        ctx.session.add(definition)
        ctx.session.flush()
        ctx.record(
            "definition_deployed",
            ("process_definition", definition.id),
            process_key=definition.process_key,
            version=definition.version,
            content_hash=content_hash,
            files=list(process.files),
        )
        results.append(Deployed(process.process_id, definition.version, created=True))
    return results
