"""The e2e fixture: `daigou serve` as a real process on the test's database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serve import Child, daigou_env, serving


@pytest.fixture
def served(
    tmp_path: Path, db_url: str, backend: str
) -> Iterator[tuple[str, dict[str, str], Path, Child]]:
    """`daigou serve` as a subprocess on the test's database (SQLite file or PostgreSQL):
    (base URL, its environment, its data dir, the child). Its output is drained all along."""
    data_dir = tmp_path / "var"
    # a fresh database: the SQLite copy of the migrated template is fine (serve migrates again);
    # in dev mode serve must create the demo developer because no developer exists yet
    env = daigou_env(data_dir, db_url)
    with serving(env) as (child, base):
        yield base, env, data_dir, child
