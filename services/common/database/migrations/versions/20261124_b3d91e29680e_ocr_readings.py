"""ocr readings

Revision ID: b3d91e29680e
Revises: 12327a3cc700
Create Date: 2026-11-24 16:00:03.530361
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d91e29680e"
down_revision: str | None = "12327a3cc700"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readings",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("engine_version", sa.String(length=60), nullable=False),
        sa.Column("readable", sa.Boolean(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False, comment="The FormRead event as JSON."),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_readings_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", "engine_version", name=op.f("pk_readings")),
    )


def downgrade() -> None:
    op.drop_table("readings")
