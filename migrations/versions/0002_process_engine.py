"""Process engine: definitions, instances, human tasks, step log, snapshots, incidents, messages.

Revision ID: 0002_process_engine
Revises: 0001_foundation
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_process_engine"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TABLES = [
    "step_log",
    "pending_messages",
    "message_subscriptions",
    "instance_snapshots",
    "incidents",
    "human_tasks",
    "process_instances",
    "process_definitions",
]


def upgrade() -> None:
    op.create_table(
        "process_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("sources_json", sa.Text(), nullable=False),
        sa.Column("forms_json", sa.Text(), nullable=False),
        sa.Column("message_starts_json", sa.Text(), nullable=False),
        sa.Column("library_version", sa.String(length=20), nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deployed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_definitions")),
        sa.UniqueConstraint(
            "process_key", "version", name=op.f("uq_process_definitions_process_key_version")
        ),
    )
    op.create_index(
        op.f("ix_process_definitions_process_key"), "process_definitions", ["process_key"]
    )

    op.create_table(
        "process_instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("business_key", sa.String(length=200), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("initiator_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "suspended",
                "completed",
                "cancelled",
                name="instance_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("state_json", sa.Text(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("last_step_hash", sa.String(length=64), nullable=False),
        sa.Column("next_timer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_incidents", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.id"],
            name=op.f("fk_process_instances_definition_id_process_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["initiator_user_id"],
            ["users.id"],
            name=op.f("fk_process_instances_initiator_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_process_instances_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_instances")),
    )
    op.create_index(
        op.f("ix_process_instances_business_key"), "process_instances", ["business_key"]
    )
    op.create_index(
        op.f("ix_process_instances_definition_id"), "process_instances", ["definition_id"]
    )
    op.create_index(op.f("ix_process_instances_org_unit_id"), "process_instances", ["org_unit_id"])
    op.create_index(op.f("ix_process_instances_process_key"), "process_instances", ["process_key"])
    op.create_index(
        "ix_process_instances_timer_due", "process_instances", ["status", "next_timer_at"]
    )

    op.create_table(
        "human_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_uuid", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("candidate_role", sa.String(length=40), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("form_key", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "ready",
                "completed",
                "cancelled",
                name="human_task_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"], ["users.id"], name=op.f("fk_human_tasks_assignee_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_user_id"],
            ["users.id"],
            name=op.f("fk_human_tasks_completed_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_human_tasks_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_human_tasks_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_tasks")),
        sa.UniqueConstraint(
            "instance_id", "task_uuid", name=op.f("uq_human_tasks_instance_id_task_uuid")
        ),
    )
    op.create_index("ix_human_tasks_assignee", "human_tasks", ["assignee_user_id", "state"])
    op.create_index(
        "ix_human_tasks_candidates", "human_tasks", ["state", "candidate_role", "org_unit_id"]
    )
    op.create_index(op.f("ix_human_tasks_instance_id"), "human_tasks", ["instance_id"])

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_incidents_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_instance_id"), "incidents", ["instance_id"])

    op.create_table(
        "instance_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state_zlib", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_instance_snapshots_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_snapshots")),
    )
    op.create_index(
        op.f("ix_instance_snapshots_instance_id"), "instance_snapshots", ["instance_id"]
    )

    op.create_table(
        "message_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("message_name", sa.String(length=100), nullable=False),
        sa.Column("correlations_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_message_subscriptions_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_subscriptions")),
    )
    op.create_index(
        op.f("ix_message_subscriptions_instance_id"), "message_subscriptions", ["instance_id"]
    )
    op.create_index(
        op.f("ix_message_subscriptions_message_name"), "message_subscriptions", ["message_name"]
    )

    op.create_table(
        "pending_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_name", sa.String(length=100), nullable=False),
        sa.Column("correlations_json", sa.Text(), nullable=False),
        sa.Column("event_json", sa.Text(), nullable=False),
        sa.Column("source_instance_id", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_to_instance_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_pending_messages_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["source_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_pending_messages_source_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_messages")),
    )
    op.create_index(op.f("ix_pending_messages_message_name"), "pending_messages", ["message_name"])
    op.create_index(op.f("ix_pending_messages_open"), "pending_messages", ["open"])

    op.create_table(
        "step_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("task_uuid", sa.String(length=36), nullable=True),
        sa.Column("element_id", sa.String(length=100), nullable=True),
        sa.Column("submitted_json", sa.Text(), nullable=True),
        sa.Column("data_change_json", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_step_log_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["instance_snapshots.id"],
            name=op.f("fk_step_log_snapshot_id_instance_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_log")),
        sa.UniqueConstraint("instance_id", "seq", name=op.f("uq_step_log_instance_id_seq")),
    )
    op.create_index(op.f("ix_step_log_instance_id"), "step_log", ["instance_id"])
    _append_only_guards()


def _append_only_guards() -> None:
    """The step log, like the audit trail, refuses changes and deletions at the database level."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER step_log_no_change BEFORE UPDATE OR DELETE ON step_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER step_log_no_truncate BEFORE TRUNCATE ON step_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER step_log_no_{action.lower()} BEFORE {action} ON step_log "
                "BEGIN SELECT RAISE(ABORT, 'step_log is append-only'); END"
            )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
