"""Tables of the shared database: master data, credentials, and the ingest service's records.

Each service owns its tables (DESIGN.md); they live in one metadata so that one Alembic history
migrates SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc_timestamp() -> DateTime:
    """Timestamps are stored with their time zone (UTC) where the database keeps one."""
    return DateTime(timezone=True)


# ---- master data -------------------------------------------------------------------------


class Region(Base):
    """Provinsi > kota/kabupaten > kecamatan > kelurahan/desa, by Kemendagri code."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('provinsi', 'kota', 'kecamatan', 'kelurahan')", name="level"),
    )

    code: Mapped[str] = mapped_column(String(13), primary_key=True, comment="e.g. 31.71.01.1001")
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True, default=None
    )


class Tps(Base):
    """A polling station: kelurahan code without dots + 3-digit number; its DPT by sex."""

    __tablename__ = "tps"
    __table_args__ = (UniqueConstraint("kelurahan_code", "number"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    dpt_l: Mapped[int] = mapped_column(Integer)
    dpt_p: Mapped[int] = mapped_column(Integer)


class Contest(Base):
    __tablename__ = "contests"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code"), comment="Every TPS under this region votes in the contest."
    )
    polling_day: Mapped[date] = mapped_column(Date)


class Candidate(Base):
    """A candidate pair of a contest, by ballot number."""

    __tablename__ = "candidates"

    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sirekap_id: Mapped[str | None] = mapped_column(String(20), default=None)
    sirekap_name: Mapped[str | None] = mapped_column(
        String(300), default=None, comment="The name as Sirekap writes it, titles and all."
    )
    colour: Mapped[str | None] = mapped_column(String(9), default=None)


class Officer(Base):
    """A KPPS IT officer (members 4 and 5 of a TPS): slot 1 or 2."""

    __tablename__ = "officers"
    __table_args__ = (UniqueConstraint("tps_code", "slot"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tps_code: Mapped[str] = mapped_column(ForeignKey("tps.code"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))


class Reviewer(Base):
    """A PPS reviewer, responsible for the TPS of one kelurahan."""

    __tablename__ = "reviewers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))


class Credential(Base):
    """A bearer token, stored only as its SHA-256; scope is a TPS code or a kelurahan code."""

    __tablename__ = "credentials"
    __table_args__ = (CheckConstraint("role IN ('officer', 'reviewer', 'admin')", name="role"),)

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    principal_id: Mapped[str] = mapped_column(String(40), index=True)
    scope: Mapped[str] = mapped_column(String(13))
    issued_at: Mapped[datetime] = mapped_column(utc_timestamp())
    revoked_at: Mapped[datetime | None] = mapped_column(utc_timestamp(), default=None)


# ---- ingest --------------------------------------------------------------------------------


class Photo(Base):
    """A stored photo; the bytes live in the photo store under the same sha256."""

    __tablename__ = "photos"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(utc_timestamp())


class Submission(Base):
    """One officer's upload of one photo for one contest: uploading it again is the same one."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("officer_id", "photo_sha256", "contest_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"), index=True)
    tps_code: Mapped[str] = mapped_column(ForeignKey("tps.code"), index=True)
    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"))
    photo_sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"))
    status: Mapped[str] = mapped_column(String(20), default="received")
    created_at: Mapped[datetime] = mapped_column(utc_timestamp())


class OutboxMessage(Base):
    """An event written in the same transaction as its cause, published (and retried) after.

    A publish that fails is never lost: the relay retries every row without `published_at`,
    and JetStream drops the duplicates a retry after a lost ack would create.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(utc_timestamp())
    published_at: Mapped[datetime | None] = mapped_column(utc_timestamp(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


# ---- ocr -----------------------------------------------------------------------------------


class Reading(Base):
    """What the reader made of one submission, per engine version (the FormRead event)."""

    __tablename__ = "readings"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(60), primary_key=True)
    readable: Mapped[bool] = mapped_column()
    event: Mapped[str] = mapped_column(Text, comment="The FormRead event as JSON.")
    read_at: Mapped[datetime] = mapped_column(utc_timestamp())


# ---- validate and review -------------------------------------------------------------------


class Decision(Base):
    """The judge's verdict on one reading: accept, review or reject, with its reasons."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("outcome IN ('accept', 'review', 'reject')", name="outcome"),
        Index("ix_decisions_tps_contest", "tps_code", "contest_code"),
    )

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(60), primary_key=True)
    tps_code: Mapped[str] = mapped_column(String(13))
    contest_code: Mapped[str] = mapped_column(String(40))
    photo_sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(6))
    verdict: Mapped[str] = mapped_column(
        Text, comment="The verdict as JSON: values, findings, reasons, confidences."
    )
    decided_at: Mapped[datetime] = mapped_column(utc_timestamp())


class TallyVersion(Base):
    """An accepted version of a TPS's tally for a contest; a correction is a new version."""

    __tablename__ = "tally_versions"

    tps_code: Mapped[str] = mapped_column(ForeignKey("tps.code"), primary_key=True)
    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    values: Mapped[str] = mapped_column(Text, comment="Every field's value as JSON.")
    decided_by: Mapped[str] = mapped_column(String(60))
    submission_ids: Mapped[str] = mapped_column(Text, comment="JSON list.")
    disputed: Mapped[bool] = mapped_column(default=False)
    accepted_at: Mapped[datetime] = mapped_column(utc_timestamp())


# ---- aggregate -----------------------------------------------------------------------------


class AppliedTally(Base):
    """The version of a TPS's tally that the region totals include now, and what it counted."""

    __tablename__ = "applied_tallies"

    tps_code: Mapped[str] = mapped_column(ForeignKey("tps.code"), primary_key=True)
    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    counted: Mapped[str] = mapped_column(
        Text, comment="JSON {item: amount}: what this version adds to every region above it."
    )
    disputed: Mapped[bool] = mapped_column(default=False)
    decided_by: Mapped[str] = mapped_column(String(60))
    applied_at: Mapped[datetime] = mapped_column(utc_timestamp())


class RegionTotal(Base):
    """One counted item of a region in a contest (a candidate's votes, valid votes, TPS
    reported...): moved by the difference whenever a TPS below it gets a new tally version."""

    __tablename__ = "region_totals"

    contest_code: Mapped[str] = mapped_column(ForeignKey("contests.code"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer, default=0)


# ---- transparency log ----------------------------------------------------------------------


class LogEntry(Base):
    """A leaf of the append-only transparency log (RFC 9162 hashing): one accepted tally
    version, in canonical JSON; `leaf_hash` is SHA-256(0x00 || entry)."""

    __tablename__ = "log_entries"
    __table_args__ = (UniqueConstraint("tps_code", "contest_code", "version"),)

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tps_code: Mapped[str] = mapped_column(String(13), index=True)
    contest_code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    entry: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    appended_at: Mapped[datetime] = mapped_column(utc_timestamp())


class SignedTreeHead(Base):
    """A signed statement of the log's size and root hash at a moment (Ed25519)."""

    __tablename__ = "signed_tree_heads"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(
        String(64), comment="The raw Ed25519 public key, hex: what the results service serves."
    )
    signature: Mapped[str] = mapped_column(String(128), comment="Ed25519 signature, hex.")
