"""The grading domain's actions: what its processes write, called by their service tasks.

Each action wraps the write its process used to do in a completion hook (``*_result.py``); the
model now places it in the diagram, just before the end event it belongs to. The parameters are
the values that decide the write, checked by type; the other details (document numbers, comments,
the form answers behind a count) are read from the instance's variables at the service task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.grading.analysis.result import apply_analysis_result
from app.grading.analysis.result import apply_plan_result
from app.grading.brands.result import apply_brand_result
from app.grading.cycle.quota import check_model_quota
from app.grading.cycle.result import apply_cycle_result
from app.grading.ratings.result import rate_at_acceptance
from app.grading.results.result import publish_results
from app.grading.sites.result import record_sites
from app.grading.sites.result import record_visit
from app.grading.supervision.reinspection_result import apply_reinspection_result
from app.grading.supervision.result import apply_supervision_result
from app.grading.targets.plan_link import PLAN_ACTIONS
from app.grading.targets.result import apply_branch_target
from app.grading.targets.result import apply_company_targets
from app.grading.targets.result import apply_unit_targets
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Catalogue
from app.workflow.actions import Parameter

Write = Callable[[Any, Any, dict[str, Any]], Any]


def _with_data(write: Write) -> Callable[[ActionCall], None]:
    """``write(ctx, row, data)`` over the instance's variables, checked parameters on top."""

    def run(call: ActionCall) -> None:
        write(call.ctx, call.row, {**call.data, **call.params})

    return run


CYCLE_YEAR = Parameter("cycle_year", "integer", "周期年度", "cycle year")
CYCLE_ID = Parameter("cycle_id", "integer", "达标晋级周期", "grading cycle")
TARGET_YEAR = Parameter("target_year", "integer", "目标年度", "target year")
OUTCOME = Parameter("outcome", "string", "结果", "outcome")

ACTIONS = (
    Action(
        "record_grading_level",
        "记录支部等级",
        "Record the branch's level",
        "The level decided at the end of a branch's grading cycle goes into its level history "
        "(a level it already holds is kept and only audited).",
        ("等级记录 level history", "审计 grading_level_kept"),
        (CYCLE_YEAR,),
        _with_data(apply_cycle_result),
    ),
    Action(
        "check_model_quota",
        "核对示范党支部名额",
        "Check the model quota",
        "A branch the company party committee approves as Model takes one of the cycle's places "
        "(the rubric's quota); beyond them the committee decides Red flag within the quota or "
        "gives its reason for Model over it, otherwise the decision is refused.",
        ("审计 model_place_taken",),
        (Parameter("level", "string", "判定等级", "level"),),
        _with_data(check_model_quota),
    ),
    Action(
        "record_supervision_rating",
        "记录半年督导星级",
        "Record the half-year star rating",
        "Rates the branch from the provisional score of its half-yearly supervision (any veto: "
        "1 star) and audits the closure.",
        ("星级评定 branch rating (half_year)", "审计 supervision_completed"),
        (Parameter("half_year", "string", "半年度", "half year"),),
        _with_data(apply_supervision_result),
    ),
    Action(
        "record_reinspection_outcome",
        "记录复查结果",
        "Record the re-inspection outcome",
        "A downgrade or delisting lowers the branch's level (withdrawing the plaque it holds); "
        "a kept level is only audited.",
        ("等级记录 level history", "摘牌 plaque withdrawn", "审计 reinspection_level_*"),
        (OUTCOME,),
        _with_data(apply_reinspection_result),
    ),
    Action(
        "register_brand",
        "登记党建品牌",
        "Register the party-building brand",
        "A registered brand goes into the brand registry with every stage it reached; a rejected "
        "proposal is only audited.",
        ("党建品牌 party brand and stages", "审计 brand_accepted / brand_rejected"),
        (OUTCOME,),
        _with_data(apply_brand_result),
    ),
    Action(
        "publish_grading_results",
        "发布达标晋级结果",
        "Publish the grading results",
        "Records the publication of a cycle's results and notifies the units and the secretaries "
        "of the branches on the honours priority list.",
        ("结果发布 results publication", "通知 notifications", "审计 grading_results_published"),
        (CYCLE_ID,),
        _with_data(publish_results),
    ),
    Action(
        "record_dynamic_analysis",
        "记录年度动态分析结果",
        "Record the annual dynamic analysis",
        "Approved: the 软弱涣散 designations take effect and a branch_improvement_plan starts for "
        "each class-C branch; returned: the analysis is marked returned.",
        (
            "动态分析 dynamic analysis",
            "软弱涣散认定 weak designations",
            "启动 branch_improvement_plan",
        ),
        (Parameter("analysis_decision", "string", "审批结论", "decision"),),
        _with_data(apply_analysis_result),
    ),
    Action(
        "record_improvement_plan",
        "记录整改提升结果",
        "Record the improvement plan's result",
        "Records the plan's outcome, target and the reviewer's comment; an improved branch's "
        "软弱涣散 designation ends today.",
        ("整顿提升计划 improvement plan", "软弱涣散认定 weak designation lifted"),
        (Parameter("verify_outcome", "string", "验收结论", "verification outcome"),),
        _with_data(apply_plan_result),
    ),
    Action(
        "record_model_sites",
        "记录观摩点",
        "Record the model sites",
        "Each confirmed site becomes a model site and gets its own model_site_preparation "
        "instance at its branch.",
        ("观摩点 model sites", "启动 model_site_preparation"),
        (CYCLE_ID,),
        _with_data(record_sites),
    ),
    Action(
        "record_site_visit",
        "记录观摩情况",
        "Record the site visit",
        "Writes the recorded visit (day, visiting units, visitors, feedback) onto the model site "
        "this instance prepared.",
        ("观摩点 model site visit", "审计 model_site_visited"),
        (),
        _with_data(record_visit),
    ),
    Action(
        "store_company_targets",
        "保存公司年度目标",
        "Store the company's annual targets",
        "Published: stores the company target and starts one unit_target_breakdown per unit "
        "with branches; returned: marks the round returned.",
        ("达标晋级目标 grading target", "启动 unit_target_breakdown"),
        (TARGET_YEAR,),
        _with_data(apply_company_targets),
    ),
    Action(
        "store_unit_targets",
        "保存单位目标分解",
        "Store the unit's target breakdown",
        "Stores the counts the unit party committee approved (refused when the 'at least' targets "
        "need more branches than the unit has) and starts one branch_target_declaration per "
        "branch.",
        ("达标晋级目标 grading target", "启动 branch_target_declaration"),
        (TARGET_YEAR,),
        _with_data(apply_unit_targets),
    ),
    Action(
        "store_branch_target",
        "保存支部申报目标",
        "Store the branch's declared target",
        "Stores the level the branch declared (refused when above the highest it may declare, or "
        "when the committee's vote did not pass).",
        ("达标晋级目标 grading target",),
        (TARGET_YEAR,),
        _with_data(apply_branch_target),
    ),
    Action(
        "rate_at_acceptance",
        "验收星级评定",
        "Rate the branch at acceptance",
        "Rates the branch (stars and class) from the final score and any veto, by the star bands "
        "of the rubric version the cycle pinned (source: acceptance).",
        ("星级评定 branch rating (acceptance)",),
        (Parameter("cycle_year", "integer", "周期年度", "cycle year"),),
        _with_data(rate_at_acceptance),
    ),
    *PLAN_ACTIONS,
)


def register_actions(catalogue: Catalogue) -> None:
    for action in ACTIONS:
        catalogue.register(action)
