"""master data, credentials, ingest

Revision ID: 12327a3cc700
Revises:
Create Date: 2026-11-24 15:18:50.973372
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "12327a3cc700"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=13), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('officer', 'reviewer', 'admin')", name=op.f("ck_credentials_role")
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_credentials")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credentials_principal_id"), ["principal_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "id"], unique=False)

    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photos")),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=13), nullable=False, comment="e.g. 31.71.01.1001"),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("parent_code", sa.String(length=13), nullable=True),
        sa.CheckConstraint(
            "level IN ('provinsi', 'kota', 'kecamatan', 'kelurahan')", name=op.f("ck_regions_level")
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"], name=op.f("fk_regions_parent_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "contests",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "region_code",
            sa.String(length=13),
            nullable=False,
            comment="Every TPS under this region votes in the contest.",
        ),
        sa.Column("polling_day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_contests_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_contests")),
    )
    op.create_table(
        "reviewers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_code"], ["regions.code"], name=op.f("fk_reviewers_kelurahan_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewers")),
    )
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviewers_kelurahan_code"), ["kelurahan_code"], unique=False
        )

    op.create_table(
        "tps",
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("dpt_l", sa.Integer(), nullable=False),
        sa.Column("dpt_p", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_code"], ["regions.code"], name=op.f("fk_tps_kelurahan_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tps")),
        sa.UniqueConstraint("kelurahan_code", "number", name=op.f("uq_tps_kelurahan_code")),
    )
    with op.batch_alter_table("tps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tps_kelurahan_code"), ["kelurahan_code"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sirekap_id", sa.String(length=20), nullable=True),
        sa.Column("colour", sa.String(length=9), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_code"], ["contests.code"], name=op.f("fk_candidates_contest_code_contests")
        ),
        sa.PrimaryKeyConstraint("contest_code", "number", name=op.f("pk_candidates")),
    )
    op.create_table(
        "officers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["tps_code"], ["tps.code"], name=op.f("fk_officers_tps_code_tps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("tps_code", "slot", name=op.f("uq_officers_tps_code")),
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officers_tps_code"), ["tps_code"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.String(length=40), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_code"], ["contests.code"], name=op.f("fk_submissions_contest_code_contests")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_submissions_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["photo_sha256"], ["photos.sha256"], name=op.f("fk_submissions_photo_sha256_photos")
        ),
        sa.ForeignKeyConstraint(
            ["tps_code"], ["tps.code"], name=op.f("fk_submissions_tps_code_tps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "officer_id", "photo_sha256", "contest_code", name=op.f("uq_submissions_officer_id")
        ),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_tps_code"), ["tps_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_tps_code"))
        batch_op.drop_index(batch_op.f("ix_submissions_officer_id"))

    op.drop_table("submissions")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officers_tps_code"))

    op.drop_table("officers")
    op.drop_table("candidates")
    with op.batch_alter_table("tps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tps_kelurahan_code"))

    op.drop_table("tps")
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewers_kelurahan_code"))

    op.drop_table("reviewers")
    op.drop_table("contests")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_code"))

    op.drop_table("regions")
    op.drop_table("photos")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")

    op.drop_table("outbox")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_principal_id"))

    op.drop_table("credentials")
