"""Migration 0012: existing developers keep the daigou dialect and get a main-account userId
(13 digits, unique, none of their sub-accounts' ids)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from daigou.db.migrate import downgrade, upgrade
from tests.support.databases import empty_database


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (not a copy of the migrated template)."""
    with empty_database(backend, request, tmp_path) as url:
        yield url


def _insert_developer(conn: sa.Connection, develop_id: str) -> int:
    conn.execute(
        sa.text(
            "INSERT INTO developer (develop_id, name, status, rate_limit_per_minute,"
            " cashier_pay_allowed, created_at, modified_at)"
            " VALUES (:d, 'x', 'enabled', 60, false, 0, 0)"
        ),
        {"d": develop_id},
    )
    return int(
        conn.execute(
            sa.text("SELECT id FROM developer WHERE develop_id = :d"), {"d": develop_id}
        ).scalar_one()
    )


def test_existing_developers_get_a_unique_13_digit_user_id_and_the_daigou_dialect(
    backend, empty_url
):
    upgrade(empty_url, "0011")
    engine = sa.create_engine(empty_url)
    try:
        with engine.begin() as conn:
            pks = [_insert_developer(conn, str(n)) for n in range(1, 6)]
            conn.execute(
                sa.text(
                    "INSERT INTO sub_account (developer_id, user_id, user_name, status,"
                    " created_at, modified_at) VALUES (:d, 'shop-1', 'a', 'enabled', 0, 0)"
                ),
                {"d": pks[0]},
            )
        upgrade(empty_url)
        with engine.begin() as conn:
            rows = conn.execute(
                sa.text("SELECT id, dialect, main_user_id FROM developer ORDER BY id")
            ).all()
            assert [r[0] for r in rows] == pks
            assert {r[1] for r in rows} == {"daigou"}
            user_ids = [r[2] for r in rows]
            assert all(re.fullmatch(r"[1-9][0-9]{12}", u) for u in user_ids), user_ids
            assert len(set(user_ids)) == len(user_ids)
            # a developer created afterwards without naming a dialect gets daigou
            conn.execute(
                sa.text(
                    "INSERT INTO developer (develop_id, name, status, rate_limit_per_minute,"
                    " cashier_pay_allowed, created_at, modified_at, main_user_id)"
                    " VALUES ('9', 'x', 'enabled', 60, false, 0, 0, '1000000000009')"
                )
            )
            assert (
                conn.execute(
                    sa.text("SELECT dialect FROM developer WHERE develop_id = '9'")
                ).scalar_one()
                == "daigou"
            )
        # the userId is unique across developers
        with engine.begin() as conn:
            try:
                conn.execute(
                    sa.text("UPDATE developer SET main_user_id = :u WHERE id = :id"),
                    {"u": user_ids[0], "id": pks[1]},
                )
                raise AssertionError("a duplicate main userId was accepted")
            except sa.exc.IntegrityError:
                pass
        downgrade(empty_url, "0011")
        with engine.begin() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("developer")}
            assert "dialect" not in columns and "main_user_id" not in columns
    finally:
        engine.dispose()
