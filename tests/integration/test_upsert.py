"""The dialect-aware upserts of db/upsert.py on both databases."""

from __future__ import annotations

from daigou.db.upsert import increment, increment_many
from daigou.messages.models import MessageSequence
from tests.support.wallet_helpers import new_developer

TABLE = MessageSequence.__table__


def test_increment_many_starts_keys_at_one_and_adds_to_existing_ones(db, settings):
    dev = new_developer(db, settings)
    with db.transaction() as s:
        assert increment(s, TABLE, {"developer_id": dev, "order_key": "a"}, "last", by=5) == 5
        first = increment_many(
            s,
            TABLE,
            [{"developer_id": dev, "order_key": k} for k in ("a", "b", "c")],
            "last",
        )
        again = increment_many(
            s, TABLE, [{"developer_id": dev, "order_key": k} for k in ("c", "a")], "last", by=2
        )
        assert increment_many(s, TABLE, [], "last") == {}
    # keys are the key columns' values in sorted column-name order: (developer_id, order_key)
    assert first == {(dev, "a"): 6, (dev, "b"): 1, (dev, "c"): 1}
    assert again == {(dev, "c"): 3, (dev, "a"): 8}
