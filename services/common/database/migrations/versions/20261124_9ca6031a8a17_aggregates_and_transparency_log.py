"""aggregates and transparency log

Revision ID: 9ca6031a8a17
Revises: 37fb672a8215
Create Date: 2026-11-24 19:22:27.766421
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9ca6031a8a17"
down_revision: str | None = "37fb672a8215"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("leaf_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_entries")),
        sa.UniqueConstraint(
            "tps_code", "contest_code", "version", name=op.f("uq_log_entries_tps_code")
        ),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entries_tps_code"), ["tps_code"], unique=False)

    op.create_table(
        "signed_tree_heads",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column(
            "public_key",
            sa.String(length=64),
            nullable=False,
            comment="The raw Ed25519 public key, hex: what the results service serves.",
        ),
        sa.Column(
            "signature", sa.String(length=128), nullable=False, comment="Ed25519 signature, hex."
        ),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_signed_tree_heads")),
    )
    op.create_table(
        "applied_tallies",
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "counted",
            sa.Text(),
            nullable=False,
            comment="JSON {item: amount}: what this version adds to every region above it.",
        ),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_code"],
            ["contests.code"],
            name=op.f("fk_applied_tallies_contest_code_contests"),
        ),
        sa.ForeignKeyConstraint(
            ["tps_code"], ["tps.code"], name=op.f("fk_applied_tallies_tps_code_tps")
        ),
        sa.PrimaryKeyConstraint("tps_code", "contest_code", name=op.f("pk_applied_tallies")),
    )
    op.create_table(
        "region_totals",
        sa.Column("contest_code", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_code"], ["contests.code"], name=op.f("fk_region_totals_contest_code_contests")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_region_totals_region_code_regions")
        ),
        sa.PrimaryKeyConstraint(
            "contest_code", "region_code", "item", name=op.f("pk_region_totals")
        ),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sirekap_name",
                sa.String(length=300),
                nullable=True,
                comment="The name as Sirekap writes it, titles and all.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("sirekap_name")

    op.drop_table("region_totals")
    op.drop_table("applied_tallies")
    op.drop_table("signed_tree_heads")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entries_tps_code"))

    op.drop_table("log_entries")
