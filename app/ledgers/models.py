"""The records of 台账资料管理与年度归档: each quarter's self-check of a branch's ledgers, and the
sealed archive of a closed year.

An archive row is never updated: a year archived again (a ledger corrected after the seal) is a
new row that names the one it supersedes and why, so the first seal and its hash stay readable
and the audit trail holds both."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.core.db import Base


class LedgerArchive(Base):
    """One sealed bundle (zip) of a branch's ledgers and documents of one year."""

    __tablename__ = "ledger_archives"
    __table_args__ = (Index("ix_ledger_archives_org_year", "org_unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    #: The zip, kept in the content-addressed file store under this hash.
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    bundle_size: Mapped[int] = mapped_column(Integer)
    file_count: Mapped[int] = mapped_column(Integer)
    #: The canonical JSON manifest (branch, year, files with name/size/sha256, sealed at, by).
    manifest_json: Mapped[str] = mapped_column(Text)
    #: SHA-256 of ``manifest_json``; the audit event of the seal carries it too.
    manifest_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime]
    sealed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sealed_by_login: Mapped[str] = mapped_column(String(100))
    #: The archiving procedure's instance that sealed it (None from the command line).
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    #: The archive of the same year this one replaces, and why (a second seal needs a reason).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_archives.id"), unique=True)
    supersede_reason: Mapped[str | None] = mapped_column(Text)


class LedgerSelfCheck(Base):
    """One quarter's self-check: each ledger of the branch with its rows in the quarter, marked
    complete or not with a note."""

    __tablename__ = "ledger_self_checks"
    __table_args__ = (Index("ix_ledger_self_checks_org_year", "org_unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    checked_at: Mapped[datetime]
    checked_by_login: Mapped[str] = mapped_column(String(100))
    #: ``[{ledger, title, rows, complete, note}]`` as the organisation member confirmed them.
    checks_json: Mapped[str] = mapped_column(Text)
    #: The ledger keys marked incomplete (criterion C18 counts them).
    incomplete_json: Mapped[str] = mapped_column(Text)
