"""The auditor's pages: search every process of one's subtree, export the search, and open one
instance's audit view (its step log with people, roles and data, and its chain verified).

Only holders of ``process_auditor`` reach these pages; anyone else, and any instance outside the
auditor's subtrees, is answered "not found". Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import get_locale
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auditing import eventlog
from app.auditing import export
from app.auditing.analytics import element_figures
from app.auditing.events import ADMINISTRATIVE
from app.auditing.events import PAGE_SIZE as EVENTS_PAGE
from app.auditing.events import EventSearch
from app.auditing.events import event_kinds
from app.auditing.events import find_events
from app.auditing.evidence import MAX_SEARCH_PACKAGE
from app.auditing.evidence import Package
from app.auditing.evidence import evidence_package
from app.auditing.evidence import search_package
from app.auditing.queries import MAX_EXPORT_ROWS
from app.auditing.queries import PAGE_SIZE
from app.auditing.queries import InstanceSearch
from app.auditing.queries import audit_roots
from app.auditing.queries import auditable_orgs
from app.auditing.queries import counts_by_procedure
from app.auditing.queries import filtered_instances
from app.auditing.queries import person_names
from app.auditing.queries import search_instances
from app.auditing.records import form_fields
from app.auditing.records import step_context
from app.auditing.replay import ReplayResult
from app.auditing.replay import replay_instance
from app.core import clock
from app.core.audit import verify_chain
from app.core.errors import NotFound
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.session import current_scope
from app.workflow import english
from app.workflow.lanes import with_role_lane_names
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import diagram_xml
from app.workflow.queries import state_after_step
from app.workflow.queries import verify_instance_log

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _roots() -> list[str]:
    roots = audit_roots(current_scope())
    if not roots:
        raise NotFound()
    return roots


@bp.get("/")
def search() -> str:
    _roots()
    wanted = InstanceSearch.from_args(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    scope, now, zone = current_scope(), clock.now(), clock.local_zone()
    rows, total = search_instances(
        db.session, wanted, scope, now, zone, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "auditing/search.html",
        wanted=wanted,
        args=wanted.as_args(),
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        counts=counts_by_procedure(db.session, wanted, scope, now, zone),
        procedures=_procedures(),
        orgs=auditable_orgs(db.session, scope),
        statuses=list(InstanceStatus),
    )


@bp.get("/analytics")
def analytics() -> str:
    """A procedure's figures per step for the period asked, drawn on its latest model."""
    _roots()
    wanted = InstanceSearch.from_args(request.args)
    scope, now, zone = current_scope(), clock.now(), clock.local_zone()
    figures = element_figures(db.session, wanted, scope, now, zone)
    definition = (
        db.session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_key == wanted.process_key)
            .order_by(ProcessDefinition.version.desc())
        ).first()
        if wanted.process_key
        else None
    )
    return render_template(
        "auditing/analytics.html",
        wanted=wanted,
        args=wanted.as_args(),
        figures=sorted(figures, key=lambda f: f.title),
        figures_json=[f.as_json() for f in figures],
        definition=definition,
        procedures=_procedures(),
        orgs=auditable_orgs(db.session, scope),
    )


@bp.get("/analytics/diagram.json")
def analytics_diagram() -> Response:
    _roots()
    key = request.args.get("process", "")
    definition = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key == key)
        .order_by(ProcessDefinition.version.desc())
    ).first()
    if definition is None:
        raise NotFound()
    xml = diagram_xml(definition)
    return jsonify({"xml": with_role_lane_names(xml), "has_layout": "BPMNDiagram" in xml})


@bp.get("/events")
def events() -> str:
    """The audit trail's events within the auditor's subtrees: administrative ones by default."""
    roots = _roots()
    wanted = EventSearch.from_args(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = find_events(
        db.session, wanted, roots, clock.local_zone(), offset=(page - 1) * EVENTS_PAGE
    )
    return render_template(
        "auditing/events.html",
        wanted=wanted,
        args=wanted.as_args(),
        rows=rows,
        total=total,
        page=page,
        pages=max((total + EVENTS_PAGE - 1) // EVENTS_PAGE, 1),
        kinds=event_kinds(db.session),
        administrative=ADMINISTRATIVE,
    )


@bp.get("/verify")
def verify() -> str:
    """The whole audit trail and every step log the auditor may see, checked now."""
    roots = _roots()
    trail_session = db.engines.read_sessions()
    try:
        trail = verify_chain(trail_session)
    finally:
        trail_session.close()
    ids = db.session.scalars(
        select(ProcessInstance.id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(or_(*(OrgUnit.path.startswith(r, autoescape=True) for r in roots)))
        .order_by(ProcessInstance.id)
    ).all()
    steps, broken = 0, []
    for instance_id in ids:
        checked, problem = verify_instance_log(db.session, instance_id)
        steps += checked
        if problem is not None:
            broken.append(problem)
    return render_template(
        "auditing/verify.html", trail=trail, instances=len(ids), steps=steps, broken=broken
    )


@bp.get("/events.<any(xes, csv, jsonocel):kind>")
def event_log(kind: str) -> Response:
    """The search's instances as an event log for process mining (XES, OCEL 2.0 JSON or CSV)."""
    _roots()
    wanted = InstanceSearch.from_args(request.args)
    instances = filtered_instances(wanted, current_scope(), clock.now(), clock.local_zone())
    events = eventlog.events_of(db.session, instances)
    stamp = clock.now().astimezone(clock.local_zone()).strftime("%Y%m%d-%H%M")
    name = f"{wanted.process_key or 'procedures'}-{stamp}.{kind}"
    if kind == "xes":
        data = eventlog.xes_bytes(events, eventlog.log_name(db.session, wanted.process_key))
        mimetype = "application/xml"
    elif kind == "jsonocel":
        ocel = eventlog.ocel_json(db.session, instances, events)
        data, mimetype = json.dumps(ocel, ensure_ascii=False).encode(), "application/json"
    else:
        data, mimetype = eventlog.csv_bytes(events), "text/csv"
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/instances.xlsx")
def search_export() -> Response:
    _roots()
    wanted = InstanceSearch.from_args(request.args)
    zone = clock.local_zone()
    rows, _total = search_instances(
        db.session, wanted, current_scope(), clock.now(), zone, limit=MAX_EXPORT_ROWS
    )
    stamp = clock.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    return Response(
        export.workbook_bytes(rows, zone),
        mimetype=export.XLSX,
        headers={"Content-Disposition": f'attachment; filename="procedures-{stamp}.xlsx"'},
    )


def _audited(instance_id: int) -> tuple[ProcessInstance, OrgUnit]:
    """The instance and its organisation, if it lies in a subtree the user audits."""
    roots = _roots()
    row = db.session.get(ProcessInstance, instance_id)
    org = db.session.get(OrgUnit, row.org_unit_id) if row else None
    if row is None or org is None or not any(org.path.startswith(r) for r in roots):
        raise NotFound()
    return row, org


@bp.get("/instances/<int:instance_id>/diagram.json")
def diagram(instance_id: int) -> Response:
    row, _org = _audited(instance_id)
    xml = diagram_xml(db.session.get(ProcessDefinition, row.definition_id))
    return jsonify(
        {
            "xml": with_role_lane_names(xml),
            "has_layout": "BPMNDiagram" in xml,
            "steps": row.step_count,
        }
    )


@bp.get("/instances/<int:instance_id>/steps/<int:seq>.json")
def step(instance_id: int, seq: int) -> Response:
    """The instance as it stood after step ``seq``: where its tokens were, its data, and what
    the step changed (old → new, under the forms' own labels)."""
    row, _org = _audited(instance_id)
    if not 1 <= seq <= row.step_count:
        raise NotFound()
    after = state_after_step(db.session, row, seq)
    if after is None:
        raise NotFound()
    states, data = after
    before = state_after_step(db.session, row, seq - 1) if seq > 1 else None
    previous = before[1] if before else {}
    fields = form_fields(db.session.get(ProcessDefinition, row.definition_id), _locale())
    labels = {name: f.label for name, f in fields.items()}
    changes = [
        {"field": key, "label": labels.get(key, key), "before": previous.get(key), "after": value}
        for key, value in data.items()
        if previous.get(key) != value
    ] + [
        {"field": key, "label": labels.get(key, key), "before": value, "after": None}
        for key, value in previous.items()
        if key not in data
    ]
    return jsonify({"seq": seq, "states": states, "changes": changes})


@bp.get("/instances/<int:instance_id>/evidence.zip")
def evidence(instance_id: int) -> Response:
    _audited(instance_id)
    steps = db.session.scalars(
        select(StepLogEntry.actor_user_id).where(StepLogEntry.instance_id == instance_id)
    ).all()
    names = person_names(db.session, sorted({u for u in steps if u}))
    return _zip_download(
        lambda trail: evidence_package(
            db.session, trail, instance_id, clock.now(), names, _locale()
        )
    )


@bp.get("/evidence.zip")
def search_evidence() -> Response:
    """The evidence packages of what the search finds (at most MAX_SEARCH_PACKAGE), one zip."""
    _roots()
    wanted = InstanceSearch.from_args(request.args)
    instances = filtered_instances(wanted, current_scope(), clock.now(), clock.local_zone())
    ids = list(db.session.scalars(instances.order_by(ProcessInstance.id)))
    actors = db.session.scalars(
        select(StepLogEntry.actor_user_id)
        .where(StepLogEntry.instance_id.in_(ids[:MAX_SEARCH_PACKAGE]))
        .distinct()
    ).all()
    names = person_names(db.session, sorted(u for u in actors if u))
    return _zip_download(
        lambda trail: search_package(
            db.session, trail, ids, clock.now(), names, _locale(), wanted.as_args()
        )
    )


def _zip_download(make: Callable[[Session], Package]) -> Response:
    """An evidence package as a download; it replays and walks the trail in a session of its
    own (emptied as it goes, so never the request's)."""
    trail_session = db.engines.read_sessions()
    try:
        package = make(trail_session)
    finally:
        trail_session.close()
    return Response(
        package.data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
    )


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int) -> str:
    row, org = _audited(instance_id)
    definition = db.session.get(ProcessDefinition, row.definition_id)
    steps = list(
        db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    )
    checked, broken = verify_instance_log(db.session, instance_id)
    replayed = _replayed(instance_id)
    names = person_names(db.session, sorted({s.actor_user_id for s in steps if s.actor_user_id}))
    return render_template(
        "auditing/instance.html",
        row=row,
        org=org,
        definition=definition,
        steps=steps,
        names=names,
        **step_context(db.session, definition, steps, _locale()),
        checked=checked,
        broken=broken,
        replayed=replayed,
    )


def _replayed(instance_id: int) -> ReplayResult:
    """The instance re-run from its logged inputs, in a session of its own (replay reads only
    and rolls back what the engine touched)."""
    session = db.engines.read_sessions()
    try:
        return replay_instance(session, instance_id)
    finally:
        session.rollback()
        session.close()


def _procedures() -> dict[str, str]:
    """Every procedure by key, named as its latest version is (for the filter's options)."""
    rows = db.session.execute(
        select(ProcessDefinition.process_key, ProcessDefinition.name).order_by(
            ProcessDefinition.process_key, ProcessDefinition.version
        )
    ).all()
    return {key: english.process_name(key, name) for key, name in rows}


def _locale() -> str:
    return str(get_locale() or "zh")
