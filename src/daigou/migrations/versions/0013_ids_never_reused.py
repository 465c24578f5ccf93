"""ids never reused; no credentials in stored callback URLs

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06

SQLite gives a new row the largest rowid plus one, so deleting the newest row hands its id to
the next insert: a deleted cart line's id went to another sub-account's new line. Tables whose
rows are deleted and whose ids reach the wire (``cart1688_line.id``; ``outbox_message.seq`` and
``delivery_attempt.id``, pruned, behind cursors and orderings) become AUTOINCREMENT, which never
reuses an id. PostgreSQL sequences never reuse one already: nothing changes there.

Callback URLs with credentials (``https://user:pass@host/``) are refused from now on; a stored
one loses its credentials and is disabled (the developer saves the URL again), and the delivery
log forgets them.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("cart1688_line", "outbox_message", "delivery_attempt")
DISABLED = "credentials in a callback URL are not accepted; save the URL again"


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _autoincrement(on: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": on}
        ):
            pass


def upgrade() -> None:
    _autoincrement(True)
    conn = op.get_bind()
    configs = sa.table(
        "callback_config",
        sa.column("developer_id", sa.Integer),
        sa.column("url", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("disabled_reason", sa.String),
    )
    for developer_id, found in conn.execute(
        sa.select(configs.c.developer_id, configs.c.url).where(configs.c.url.contains("@"))
    ):
        url = str(found)
        if "@" in urlsplit(url).netloc:
            conn.execute(
                configs.update()
                .where(configs.c.developer_id == developer_id)
                .values(url=_without_credentials(url), enabled=False, disabled_reason=DISABLED)
            )
    attempts = sa.table(
        "delivery_attempt", sa.column("id", sa.Integer), sa.column("url", sa.String)
    )
    for attempt_id, found in conn.execute(
        sa.select(attempts.c.id, attempts.c.url).where(attempts.c.url.contains("@"))
    ):
        url = str(found)
        if "@" in urlsplit(url).netloc:
            conn.execute(
                attempts.update()
                .where(attempts.c.id == attempt_id)
                .values(url=_without_credentials(url))
            )


def downgrade() -> None:
    _autoincrement(False)
