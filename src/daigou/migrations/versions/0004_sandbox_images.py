"""sandbox image index: perceptual hashes of every offer's main picture

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

One row per offer: the pHash of its picture and of three centred crops, as signed BIGINTs
(daigou.marketplace.sandbox.image_index). Searched in memory, so no index beyond the key.
A catalogue loaded before this revision has no ``images`` meta row, so the loader rebuilds it
(with its hashes) on the next start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_image_hash",
        sa.Column("offer_id", sa.String(length=12), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("hash0", sa.BigInteger(), nullable=False),
        sa.Column("hash1", sa.BigInteger(), nullable=False),
        sa.Column("hash2", sa.BigInteger(), nullable=False),
        sa.Column("hash3", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_sandbox_image_hash")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_image_hash")
