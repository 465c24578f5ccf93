"""developer wire dialect and main-account userId

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Each developer gets a wire dialect (`daigou`, the default, or `pandapon`: CONTRACT section 1)
and a main-account `userId` (13 digits, PandaPon style: CONTRACT section 2). Existing
developers keep the daigou dialect and get a fresh userId each, one that none of their
sub-accounts uses.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _user_id() -> str:
    return str(10**12 + secrets.randbelow(9 * 10**12))


def upgrade() -> None:
    with op.batch_alter_table("developer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dialect", sa.String(length=16), nullable=False, server_default="daigou")
        )
        batch_op.add_column(sa.Column("main_user_id", sa.String(length=13), nullable=True))
    conn = op.get_bind()
    taken = {row[0] for row in conn.execute(sa.text("SELECT user_id FROM sub_account"))}
    for (pk,) in conn.execute(sa.text("SELECT id FROM developer ORDER BY id")).all():
        user_id = _user_id()
        while user_id in taken:
            user_id = _user_id()
        taken.add(user_id)
        conn.execute(
            sa.text("UPDATE developer SET main_user_id = :user_id WHERE id = :id"),
            {"user_id": user_id, "id": pk},
        )
    with op.batch_alter_table("developer", schema=None) as batch_op:
        batch_op.alter_column("main_user_id", existing_type=sa.String(length=13), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_developer_main_user_id"), ["main_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("developer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_developer_main_user_id"), type_="unique")
        batch_op.drop_column("main_user_id")
        batch_op.drop_column("dialect")
