"""Alembic migrations on an empty SQLite file and an empty PostgreSQL database: up to head,
down to base, up again; and the migrated schema is exactly what the models declare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from daigou.db.migrate import alembic_config, downgrade, upgrade
from daigou.marketplace.sandbox.models import FTS_OBJECTS
from daigou.models import import_all_models
from tests.support.databases import empty_database

METADATA = import_all_models()


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (not a copy of the migrated template)."""
    with empty_database(backend, request, tmp_path) as url:
        yield url


def _tables(url: str) -> set[str]:
    """Tables, less the sandbox's full-text objects (raw DDL, SQLite FTS5 shadow tables)."""
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - FTS_OBJECTS
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _not_full_text(obj, name, type_, reflected, compare_to) -> bool:
    """The sandbox's full-text index is raw DDL outside the models: leave it out."""
    return name not in FTS_OBJECTS


def _fts_objects(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        found = set(inspector.get_table_names()) & FTS_OBJECTS
        if "sandbox_offer" in inspector.get_table_names():
            found |= {i["name"] for i in inspector.get_indexes("sandbox_offer")} & FTS_OBJECTS
        return found
    finally:
        engine.dispose()


def _diff(url: str) -> list[object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_object": _not_full_text,
                },
            )
            return compare_metadata(ctx, METADATA)
    finally:
        engine.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


MODEL_TABLES = set(METADATA.tables)


def test_empty_database_upgrades_to_head_with_every_model_table(backend, empty_url):
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _revision(empty_url) == _head()
    assert _tables(empty_url) == MODEL_TABLES | {"alembic_version"}
    full_text = _fts_objects(empty_url)
    if backend == "sqlite":
        assert "sandbox_offer_fts" in full_text  # with its FTS5 shadow tables
    else:
        assert full_text == {"ix_sandbox_offer_search_trgm"}


def test_downgrade_to_base_leaves_only_the_version_table_and_upgrade_works_again(
    backend, empty_url
):
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert _tables(empty_url) <= {"alembic_version"}
    assert _fts_objects(empty_url) == set()
    assert _revision(empty_url) is None
    upgrade(empty_url)
    assert _revision(empty_url) == _head()
    assert _tables(empty_url) == MODEL_TABLES | {"alembic_version"}
    assert _diff(empty_url) == []


def test_upgrading_twice_is_a_no_op(backend, empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
    assert _revision(empty_url) == _head()


def test_migrated_schema_matches_the_models(backend, empty_url):
    upgrade(empty_url)
    diff = _diff(empty_url)
    assert diff == [], "\n".join(map(repr, diff))


def test_every_revision_steps_down_and_up_one_at_a_time(backend, empty_url):
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")]  # head first
    upgrade(empty_url)
    for rev in revisions:
        downgrade(empty_url, "-1")
        assert _revision(empty_url) != rev
    assert _tables(empty_url) <= {"alembic_version"}
    for rev in reversed(revisions):
        upgrade(empty_url, "+1")
        assert _revision(empty_url) == rev
    assert _diff(empty_url) == []


def _check_names_in_models() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for table in METADATA.sorted_tables:
        checks = {
            str(c.name)
            for c in table.constraints
            if isinstance(c, sa.CheckConstraint)
            and c.name is not None
            and not str(c.name).startswith("_")
        }
        # Boolean columns may carry a dialect-made CHECK; only named model constraints count
        if checks:
            names[table.name] = checks
    return names


def test_migrated_schema_has_the_models_check_constraints(backend, empty_url):
    """compare_metadata ignores CHECK constraints; the wallet relies on them."""
    upgrade(empty_url)
    expected = _check_names_in_models()
    assert {
        "ck_wallet_account_available_not_negative",
        "ck_wallet_account_held_not_negative",
        "ck_wallet_hold_refund_within_captured",
    } <= set().union(*expected.values())
    engine = sa.create_engine(empty_url)
    try:
        inspector = sa.inspect(engine)
        found = {
            table: {c["name"] for c in inspector.get_check_constraints(table) if c["name"]}
            for table in expected
        }
    finally:
        engine.dispose()
    assert found == expected


def test_migrated_schema_refuses_a_negative_balance(backend, empty_url):
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO developer (develop_id, name, status, rate_limit_per_minute, "
                    "cashier_pay_allowed, created_at, modified_at, main_user_id) "
                    "VALUES ('1', 'x', 'enabled', 60, false, 0, 0, '2100007341207')"
                )
            )
            dev = conn.execute(sa.text("SELECT id FROM developer")).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO wallet_account"
                    " (developer_id, currency, available, held, modified_at)"
                    " VALUES (:d, 'CNY', 5, 0, 0)"
                ),
                {"d": dev},
            )
        for column in ("available", "held"):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text(f"UPDATE wallet_account SET {column} = -1"))
    finally:
        engine.dispose()
