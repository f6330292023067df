"""decisions and tally versions

Revision ID: 37fb672a8215
Revises: b3d91e29680e
Create Date: 2026-11-24 16:21:32.154706
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "37fb672a8215"
down_revision: str | None = "b3d91e29680e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tally_versions",
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", sa.Text(), nullable=False, comment="Every field's value as JSON."),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.Column("submission_ids", sa.Text(), nullable=False, comment="JSON list."),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_code"],
            ["contests.code"],
            name=op.f("fk_tally_versions_contest_code_contests"),
        ),
        sa.ForeignKeyConstraint(
            ["tps_code"], ["tps.code"], name=op.f("fk_tally_versions_tps_code_tps")
        ),
        sa.PrimaryKeyConstraint(
            "tps_code", "contest_code", "version", name=op.f("pk_tally_versions")
        ),
    )
    op.create_table(
        "decisions",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("engine_version", sa.String(length=60), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=6), nullable=False),
        sa.Column(
            "verdict",
            sa.Text(),
            nullable=False,
            comment="The verdict as JSON: values, findings, reasons, confidences.",
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('accept', 'review', 'reject')", name=op.f("ck_decisions_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_decisions_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", "engine_version", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decisions_tps_contest", ["tps_code", "contest_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_tps_contest")

    op.drop_table("decisions")
    op.drop_table("tally_versions")
