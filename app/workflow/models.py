"""Process definitions, instances, the human-task projection, the step log, incidents, messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.core.db import Base
from app.core.db import str_enum


class ProcessDefinition(Base):
    """One deployed version of a process: its spec and every file it was built from.

    A version is identified by the hash of its BPMN/DMN files and of the forms they name, so that an
    instance keeps the exact models and forms it started with, whatever is deployed later.
    """

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    #: The process's documentation, shown on the start page.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The English of the name, the documentation and each element's name (by element id), for
    #: pages shown in English; empty where the model has none (the Chinese is shown).
    name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    names_en_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    content_hash: Mapped[str] = mapped_column(String(64))
    # The large columns load only when asked for: commands use cached specs and form validators.
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    #: {file name: XML text} of the models, {form key: JSON text} of the forms.
    sources_json: Mapped[str] = mapped_column(Text, deferred=True)
    forms_json: Mapped[str] = mapped_column(Text, deferred=True)
    #: Names of the message start events (a matching message starts a new instance).
    message_starts_json: Mapped[str] = mapped_column(Text, default="[]")
    #: Roles that may start the process by hand (the lanes of its start events); none: managers.
    starter_roles_json: Mapped[str] = mapped_column(Text, default="[]")
    library_version: Mapped[str] = mapped_column(String(20))
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(64))


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessInstance(Base):
    """A running (or ended) process. ``state_json`` holds the instance state only, never the spec.

    ``row_version`` is checked on every write (optimistic locking everywhere); on PostgreSQL
    commands also lock the row with SELECT … FOR UPDATE, so concurrent commands wait instead of
    failing.
    """

    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_process_instances_timer_due", "status", "next_timer_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    initiator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[InstanceStatus] = mapped_column(str_enum(InstanceStatus, "instance_status"))
    state_json: Mapped[str] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    last_step_hash: Mapped[str] = mapped_column(String(64))
    #: The step of the latest stored state, and of the latest stored in full (history.py).
    snapshot_seq: Mapped[int | None] = mapped_column(Integer)
    full_snapshot_seq: Mapped[int | None] = mapped_column(Integer)
    next_timer_at: Mapped[datetime | None]
    open_incidents: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy mapper setting


class HumanTaskState(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    """The inbox's table: one row per user or manual task the engine made ready.

    Kept in sync by every command that touches an instance; inbox queries read only this table.
    ``org_unit_id`` is where the candidate role is held: the instance's branch for branch roles, the
    unit or company above it for unit and company roles.
    """

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid"),
        Index("ix_human_tasks_candidates", "state", "candidate_role", "org_unit_id"),
        Index("ix_human_tasks_assignee", "assignee_user_id", "state"),
        Index("ix_human_tasks_completed_by", "completed_by_user_id", "state", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    candidate_role: Mapped[str | None] = mapped_column(String(40))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form_key: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime | None]
    state: Mapped[HumanTaskState] = mapped_column(str_enum(HumanTaskState, "human_task_state"))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the people concerned were told the task is overdue (they are told once).
    overdue_notified_at: Mapped[datetime | None]


class StepLogEntry(Base):
    """What happened to an instance, step by step; hash-chained per instance and never changed."""

    __tablename__ = "step_log"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    task_uuid: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(100))
    submitted_json: Mapped[str | None] = mapped_column(Text)
    #: Variables the step set or removed beyond its submission (``submitted_json`` has those).
    data_change_json: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    definition_id: Mapped[int] = mapped_column(Integer)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("instance_snapshots.id"))
    #: SHA-256 of the instance state after this step, when the step stored one (chained).
    state_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    snapshot: Mapped[InstanceSnapshot | None] = relationship()


class InstanceSnapshot(Base):
    """The instance state after a step, zlib-compressed JSON: in full (``base_seq`` empty) or as
    the change from the state stored at step ``base_seq``. Read it only through
    ``history.state_at``."""

    __tablename__ = "instance_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    state_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    base_seq: Mapped[int | None] = mapped_column(Integer)


class Incident(Base):
    """A failed step: the instance stayed as it was; ``action``/``payload`` say what to retry."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class MessageSubscription(Base):
    """An instance waiting for a message, with the correlation values it will accept."""

    __tablename__ = "message_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    message_name: Mapped[str] = mapped_column(String(100), index=True)
    correlations_json: Mapped[str] = mapped_column(Text)


class PendingMessage(Base):
    """A thrown message not yet delivered: kept and retried, never dropped."""

    __tablename__ = "pending_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_name: Mapped[str] = mapped_column(String(100), index=True)
    correlations_json: Mapped[str] = mapped_column(Text)
    event_json: Mapped[str] = mapped_column(Text)
    source_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    delivered_to_instance_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
