"""Help per kind of user (``/help``, ``/help/<kind>``): how work reaches me, how to start a
procedure, what each status means. Linked from every page's footer; readable before signing in,
as it holds nothing but how the platform works."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from flask import render_template
from flask_babel import lazy_gettext as _l

from app.core.errors import NotFound
from app.core.security import public

bp = Blueprint("help", __name__, url_prefix="/help")


@dataclass(frozen=True)
class Guide:
    title: object
    who: object
    work: tuple[object, ...]
    start: tuple[object, ...]


GUIDES: dict[str, Guide] = {
    "branch": Guide(
        _l("Branch staff"),
        _l("Branch secretaries, committee members, party group leaders and members."),
        (
            _l(
                "Tasks for you or your branch role appear in the Inbox; tasks for a role wait "
                "under To claim until one of its holders claims them."
            ),
            _l(
                "A notification (the count beside Notifications in the menu) tells you when a "
                "task is handed to you, is overdue or comes back for correction."
            ),
            _l(
                "The secretary is reminded in a period's last week when a meeting of the "
                '"three meetings and one lesson" has not been held.'
            ),
        ),
        (
            _l(
                "Open Start, choose the procedure (for example the branch committee meeting) "
                "and confirm: the first task comes to your inbox."
            ),
            _l(
                "The grading cycle's self-assessment is started for every branch by the "
                "company; it reaches the secretary's inbox."
            ),
            _l(
                "Each finished meeting has a print view of its record: open the procedure and "
                "use the Print link at the bottom of the page."
            ),
        ),
    ),
    "reviewer": Guide(
        _l("Reviewers"),
        _l(
            "Units (plants and divisions) and company party committees, organisation "
            "departments and the acceptance panel."
        ),
        (
            _l(
                "Reviews, decisions and acceptances reach the inbox of your role at your unit "
                "or the company when the branch before you finishes its step."
            ),
            _l(
                "The Grading tab shows each cycle's progress stage by stage; every count lists "
                "the branches at that stage."
            ),
        ),
        (
            _l(
                "The company organisation department starts the grading cycle for all branches "
                "from the Grading tab, after a confirmation page that says how many branches "
                "will be started."
            ),
            _l(
                "The results are published once every branch has its level; the cycle page "
                "offers it only then."
            ),
        ),
    ),
    "designer": Guide(
        _l("Process designers"),
        _l("People who edit, check and publish the BPMN and DMN models and their forms."),
        (
            _l(
                "Models and forms live under processes/ and forms/; a deployment checks them "
                "before a new version is used."
            ),
        ),
        (
            _l(
                "Running instances keep the version they started with; new instances use the "
                "newest published version."
            ),
        ),
    ),
    "auditor": Guide(
        _l("Auditors"),
        _l("People who read and replay the full history of any procedure."),
        (
            _l(
                "Every step is written to a hash-chained step log per instance and to the audit "
                "trail; the instance page shows the timeline."
            ),
        ),
        (
            _l(
                "Auditors start and change nothing. The audit search (/audit, for the process "
                "auditor role) finds every procedure of your company or unit and exports the "
                "list; an instance's audit view steps through its history on the diagram and "
                "verifies its chain."
            ),
        ),
    ),
    "admin": Guide(
        _l("Administrators"),
        _l("People who keep the organisation tree, people and role grants."),
        (
            _l(
                "Administration pages list the organisation tree, people and accounts; every "
                "change is audited."
            ),
        ),
        (
            _l(
                "Grant a role with the dates it is valid from and to: the holder then sees the "
                "role's tasks in the inbox."
            ),
        ),
    ),
}


#: What the status words on the pages mean (instances, tasks, grading stages).
STATUSES: tuple[tuple[object, object], ...] = (
    (_l("running"), _l("The procedure is under way; a step is waiting for someone.")),
    (_l("suspended"), _l("A manager paused the procedure; nothing moves until it is resumed.")),
    (_l("completed"), _l("The procedure reached its end; its records are final.")),
    (_l("cancelled"), _l("A manager stopped the procedure with a reason; it will not continue.")),
    (
        _l("To claim"),
        _l("The task is offered to everyone holding the role; the first to claim it does it."),
    ),
    (_l("overdue"), _l("The task's deadline, counted as the regulations say, has passed.")),
    (_l("incident"), _l("A step failed (for example a script error); a manager can retry it.")),
)


@bp.get("")
@public
def index() -> str:
    return render_template("help/index.html", guides=GUIDES, statuses=STATUSES)


@bp.get("/<kind>")
@public
def guide(kind: str) -> str:
    if kind not in GUIDES:
        raise NotFound()
    return render_template(
        "help/guide.html", kind=kind, guide=GUIDES[kind], guides=GUIDES, statuses=STATUSES
    )
