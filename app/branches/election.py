"""Who holds the branch committee's seats and posts after an election or a by-election: the
procedures' domain actions call identity's role commands, in the same transaction as the step
that decided it, so the new secretary's inbox and the roster of the next committee meeting follow
from the records at once (《中国共产党基层组织选举工作条例》; 《支部工作条例》第六章: 每届任期3年).

A predecessor's role ends the day before the successor's starts (its days are kept: who held the
post on an earlier day still reads from it). The secretary also convenes and records the general
assembly (第十四条), so ``branch_assembly`` follows the secretary's post."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.branches.election_count import check_candidate_list
from app.branches.election_count import count_election_ballots
from app.core.errors import ValidationFailed
from app.identity.commands.roles import end_role_by_procedure
from app.identity.commands.roles import grant_role_by_procedure
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from app.identity.queries import get_user_of_person
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

COMMITTEE = "branch_committee"
#: The posts the first committee meeting divides, by the form's field names.
POSTS = {
    "secretary": "branch_secretary",
    "deputy": "deputy_secretary",
    "organisation": "org_member",
    "propaganda": "propaganda_member",
    "discipline": "discipline_member",
}
#: Roles that go with a post to whoever holds it.
WITH_POST = {"branch_secretary": ("branch_assembly",)}
REASON_ELECTION = "换届选举 / committee election"
REASON_BY_ELECTION = "补选 / by-election"


def holdings(call: ActionCall, role_code: str, day: date) -> list[RoleAssignment]:
    """The assignments of ``role_code`` at the instance's branch in force on ``day``."""
    return list(
        call.ctx.session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.role_code == role_code,
                RoleAssignment.org_unit_id == call.row.org_unit_id,
                active_on(day),
            )
        )
    )


def _user_of(call: ActionCall, person_id: int, field: str) -> User:
    user = get_user_of_person(call.ctx.session, person_id)
    if user is None or not user.active:
        person = call.ctx.session.get(Person, person_id)
        name = person.name if person else str(person_id)
        raise ValidationFailed(
            _("The role was not granted."),
            {
                field: _(
                    "%(name)s has no user account: ask the administrator for one first.", name=name
                )
            },
        )
    return user


def _hand_over(call: ActionCall, role_code: str, user: User | None, reason: str) -> None:
    """``user`` holds ``role_code`` at the branch from today; whoever held it stops yesterday
    (None: the post's holders stop and no one takes it). A holder chosen again starts a new
    assignment too: each term's appointment is its own record, dated from the procedure."""
    today = call.ctx.today
    for held in holdings(call, role_code, today):
        end_role_by_procedure(
            call.ctx,
            assignment_id=held.id,
            last_day=today - timedelta(days=1),
            reason=reason,
            instance_id=call.row.id,
        )
    if user is not None:
        grant_role_by_procedure(
            call.ctx,
            org=call.org,
            user_id=user.id,
            role_code=role_code,
            valid_from=today,
            instance_id=call.row.id,
        )


def seat_elected_committee(call: ActionCall) -> None:
    """The elected sit on the committee from today; the seats of those not re-elected end."""
    field = call.params["field"]
    users = {_user_of(call, pid, field).id: pid for pid in call.params["elected"]}
    today = call.ctx.today
    for held in holdings(call, COMMITTEE, today):
        if held.user_id in users:
            users.pop(held.user_id)
            continue
        end_role_by_procedure(
            call.ctx,
            assignment_id=held.id,
            last_day=today - timedelta(days=1),
            reason=REASON_ELECTION,
            instance_id=call.row.id,
        )
    for user_id in users:
        grant_role_by_procedure(
            call.ctx,
            org=call.org,
            user_id=user_id,
            role_code=COMMITTEE,
            valid_from=today,
            instance_id=call.row.id,
        )


def assign_committee_posts(call: ActionCall) -> None:
    """Each post to the person the first meeting chose (a post without a deputy ends the deputy's),
    the roles that go with a post, and the branch's new term from today."""
    for field, role_code in POSTS.items():
        person = call.params[field]
        if field == "deputy" and not call.params["has_deputy"]:
            person = None  # no deputy this term: the previous deputy's post ends
        user = None if person is None else _user_of(call, person, field)
        _hand_over(call, role_code, user, REASON_ELECTION)
        for companion in WITH_POST.get(role_code, ()):
            _hand_over(call, companion, user, REASON_ELECTION)
    _set_term(call, call.params["term_years"])


def _set_term(call: ActionCall, years: int) -> None:
    branch = call.ctx.session.get(OrgUnit, call.row.org_unit_id, with_for_update=True)
    start = call.ctx.today
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = date(start.year + years, 2, 28)
    before = (branch.term_start, branch.term_end)
    branch.term_start, branch.term_end = start, end
    call.ctx.record(
        "committee_term_set",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        term_start=start.isoformat(),
        term_end=end.isoformat(),
        previous_term_end=before[1].isoformat() if before[1] else None,
        instance_id=call.row.id,
    )


def grant_committee_post(call: ActionCall) -> None:
    """A by-election's winner takes the vacant post, and a committee seat if not yet on it."""
    post = call.params["post"]
    if post not in POSTS.values():
        raise ValueError(f"not a committee post: {post!r}")
    user = _user_of(call, call.params["person"], "ballots")
    if not any(h.user_id == user.id for h in holdings(call, COMMITTEE, call.ctx.today)):
        _hand_over_seat(call, user)
    _hand_over(call, post, user, REASON_BY_ELECTION)
    for companion in WITH_POST.get(post, ()):
        _hand_over(call, companion, user, REASON_BY_ELECTION)


def _hand_over_seat(call: ActionCall, user: User) -> None:
    grant_role_by_procedure(
        call.ctx,
        org=call.org,
        user_id=user.id,
        role_code=COMMITTEE,
        valid_from=call.ctx.today,
        instance_id=call.row.id,
    )


FIELD = Parameter("field", "string", "被拒绝的答案", "answer refused")
POST_PARAMS = tuple(
    Parameter(field, "person_id", zh, en)
    for field, zh, en in (
        ("secretary", "书记", "secretary"),
        ("deputy", "副书记", "deputy secretary"),
        ("organisation", "组织委员", "organisation member"),
        ("propaganda", "宣传委员", "propaganda member"),
        ("discipline", "纪检委员", "discipline member"),
    )
)

ACTIONS = (
    Action(
        "check_candidate_list",
        "核对候选人差额比例",
        "Check the candidates' margin",
        "Refuses the candidate list just given (named by `field`) when it names fewer than "
        "ceil(seats x 1.2) people (差额不少于20%, ELECT-PRACTICE). Nothing is recorded.",
        ("不写入记录，只核对人数 nothing: it only checks the count",),
        (
            Parameter("candidates", "list[person_id]", "候选人", "candidates"),
            Parameter("seats", "integer", "应选名额", "seats"),
            FIELD,
        ),
        check_candidate_list,
    ),
    Action(
        "count_election_ballots",
        "计票并确定当选人",
        "Count the ballots",
        "Counts the full members on the rolls on the assembly's day as those entitled to vote; "
        "refuses a count with four fifths or fewer of them present, a row for someone not on the "
        "candidate list, or more votes than ballots; elects those with votes from more than half "
        "of those entitled, most votes first, up to the seats. Returns eligible, present, "
        "results, elected and enough (all seats, or at least 3 and two thirds, filled).",
        ("计票结果（流程数据） the count, in the instance's data",),
        (
            Parameter("candidates", "list[person_id]", "候选人", "candidates"),
            Parameter(
                "ballot_candidates", "list[person_id]", "计票行的候选人", "candidate per row"
            ),
            Parameter("ballot_votes", "list[integer]", "计票行的得票", "votes per row"),
            Parameter("present", "list[person_id]", "到会有选举权的党员", "electors present"),
            Parameter("held_on", "date", "大会日期", "day of the assembly"),
            Parameter("seats", "integer", "应选名额", "seats"),
        ),
        count_election_ballots,
    ),
    Action(
        "seat_elected_committee",
        "当选委员进入支委会",
        "Seat the elected committee",
        "Gives each elected person the branch committee seat (branch_committee) from today and "
        "ends, the day before, the seats of the previous committee's members not re-elected; "
        "refused for someone who is not a full member or has no user account.",
        ("角色任期 role terms: branch_committee",),
        (Parameter("elected", "list[person_id]", "当选委员", "elected"), FIELD),
        seat_elected_committee,
    ),
    Action(
        "assign_committee_posts",
        "按分工任职并设定新任期",
        "Give the posts and set the new term",
        "Gives each committee post (secretary, deputy, organisation, propaganda, discipline) to "
        "the person chosen from today, ending the previous holder's the day before (the "
        "general assembly's role goes with the secretary's post; without `has_deputy` the deputy "
        "given is ignored and the previous deputy's post ends), "
        "and sets the branch's committee term from today for `term_years` years.",
        ("角色任期 role terms: committee posts", "支部任期 the branch's committee term"),
        (
            *POST_PARAMS,
            Parameter("has_deputy", "boolean", "设副书记", "with a deputy"),
            Parameter("term_years", "integer", "任期（年）", "term in years"),
        ),
        assign_committee_posts,
    ),
    Action(
        "grant_committee_post",
        "补选委员任职",
        "Give the vacant post to the elected",
        "Gives the by-election's winner the vacant committee post from today (and a committee "
        "seat if they had none), ending anyone else's hold on that post the day before.",
        ("角色任期 role terms: the post and branch_committee",),
        (
            Parameter("person", "person_id", "当选人", "elected"),
            Parameter("post", "string", "出缺职务", "vacant post"),
        ),
        grant_committee_post,
    ),
)
