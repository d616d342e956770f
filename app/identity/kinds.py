"""Enumerations of the identity domain, stored by their (English) values."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    COMPANY = "company"  # 公司党委
    UNIT = "unit"  # 二级单位（厂/处）党委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部
    PARTY_GROUP = "party_group"  # 党小组


#: Which kinds of node may sit directly under which: the tree of domain.md §2.1.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind | None]] = {
    OrgKind.COMPANY: frozenset({None}),
    OrgKind.UNIT: frozenset({OrgKind.COMPANY}),
    OrgKind.GENERAL_BRANCH: frozenset({OrgKind.UNIT}),
    OrgKind.BRANCH: frozenset({OrgKind.UNIT, OrgKind.GENERAL_BRANCH}),
    OrgKind.PARTY_GROUP: frozenset({OrgKind.BRANCH}),
}


class BranchType(StrEnum):
    PRODUCTION_FLOW = "production_flow"  # 生产流程型
    JOINT_BUSINESS = "joint_business"  # 业务联建型
    TERRITORIAL = "territorial"  # 属地管理型
    PROJECT_CONSTRUCTION = "project_construction"  # 项目建设型


class Level(StrEnum):
    """The five grading levels, lowest first (order matters: upgrades move one step)."""

    NOT_UP_TO_STANDARD = "not_up_to_standard"  # 未达标
    BASIC = "basic"  # 基本达标
    STANDARDISED = "standardised"  # 标准化
    RED_FLAG = "red_flag"  # 红旗
    MODEL = "model"  # 示范


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class PartyStatus(StrEnum):
    APPLICANT = "applicant"  # 入党申请人
    ACTIVIST = "activist"  # 入党积极分子
    DEVELOPMENT_TARGET = "development_target"  # 发展对象
    PROBATIONARY = "probationary"  # 预备党员
    FULL = "full"  # 正式党员
    SUSPENDED = "suspended"  # 停止党籍（失联满6个月查找无果，《党员教育管理工作条例》第二十四条）
    REMOVED = "removed"  # 出党（除名、劝退、自行脱党除名，第二十四、三十、三十一条）
