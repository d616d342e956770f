"""Drafts of models edited in the browser, each save kept as a revision, and publish requests.

A draft is one model file (``meetings/branch_committee_meeting.bpmn``, named as ``processes/``
names it); publishing deploys it through the ordinary deploy path, so the deployed versions stay
in ``process_definitions`` and nothing here is needed to run an instance.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class DraftStatus(StrEnum):
    OPEN = "open"  # being edited
    PROPOSED = "proposed"  # a publish request waits for the department
    PUBLISHED = "published"


class RequestStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class ModelDraft(Base):
    __tablename__ = "designer_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The problems the deployment checks found at the last save (ModelError.as_dict each).
    problems_json: Mapped[str] = mapped_column(Text, default="[]")
    #: The deployed version this draft started from (None: a new model or one from processes/).
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))
    status: Mapped[str] = mapped_column(String(16), default=DraftStatus.OPEN)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy mapper setting


class DraftRevision(Base):
    """Who saved what and when: one row per save, with the content hash and the problem count."""

    __tablename__ = "designer_draft_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("designer_drafts.id"), index=True)
    saved_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    problem_count: Mapped[int] = mapped_column(Integer)
    how: Mapped[str] = mapped_column(String(16))  # template, import, edit, save


class PublishRequest(Base):
    __tablename__ = "designer_publish_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("designer_drafts.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    change_note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    #: The file's content hash in the version in use when asked, and in the draft proposed.
    old_hash: Mapped[str | None] = mapped_column(String(64))
    new_hash: Mapped[str] = mapped_column(String(64))
    #: The server's summary of what changed (diff.py), kept as it was when asked.
    diff_json: Mapped[str] = mapped_column(Text, default="{}")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: [{process_key, version}] the deployment created.
    deployed_json: Mapped[str] = mapped_column(Text, default="[]")


class DraftForm(Base):
    """A form a draft adds or changes, kept with the draft until it is published with it: a form
    used by a published process changes only as a new version of that process."""

    __tablename__ = "designer_draft_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("designer_drafts.id"), index=True)
    form_key: Mapped[str] = mapped_column(String(64))
    json_text: Mapped[str] = mapped_column("json", Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("draft_id", "form_key", name="uq_draft_form_key"),)
