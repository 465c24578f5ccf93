"""1688 order paging at depth (P3): a cursor page deep in 1,000,000 orders against the first page.

    .venv/bin/python bench/bench_order_paging.py [--db sqlite|postgresql] [--orders N]
                                                [--rounds N] [--quick] [--ref HEAD]

Starts `daigou serve --no-worker` as bench_signed_vs_bare.py does (temporary data dir; with
`--db postgresql` a throwaway PostgreSQL cluster), creates one developer through the admin API,
fills `purchase_order` with N 1688 orders of that developer straight into the database
(`executemany` in 100,000-row transactions on SQLite, `COPY` on PostgreSQL; `created_at`
increasing one ms per order, ids increasing; every row's `snapshot` the same small one-line
MarketOrder, as `purchasing.records.dump` writes it, with the row's own id), runs ANALYZE
(PostgreSQL's autovacuum would do the same soon after such a load; SQLite is left as the
gateway leaves it unless `--sqlite-analyze`) while the server is idle, then sends signed
`POST /alibaba/order/page` (pageSize 20) over one keep-alive connection, interleaved request
by request, `--rounds` times:

- first:     `pageNo` 1 (the first page as every client gets it; it also counts totalRecords)
- cursor 2:  `cursor` = the nextCursor of page 1 (the first page a keyset walk reads)
- middle:    `cursor` for depth N / 2
- deep:      `cursor` for depth N - 100 (the page holding orders N-100 .. N-81 newest first)
- pageNo deep (contrast, only every `--offset-every` rounds): `pageNo` of the same depth

The deep cursor is made, not walked to (a walk would be N/20 requests): a cursor is the
base64url (unpadded) JSON `[created_at, order_id]` of the last order of the previous page
(`daigou.core.pagination.encode_cursor`, as `purchasing.queries.page` issues it), so the cursor
for depth D is that pair of the order at position D - 1 newest first. The bench checks it: the
`pageNo` page ending at D - 1 must answer exactly that nextCursor, and the deep page must start
with the order at position D.

It prints medians, p99 and the ratios to the first page and to the first cursor page.
The goal (P3): a cursor page at depth costs at most 1.5x the first page.
Not run by the test suite; 127.0.0.1 only; bounded by --rounds.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_search import Caller, percentile  # noqa: E402
from bench_signed_vs_bare import Server, bench_developer, git_state, start_server  # noqa: E402

from daigou.core.pagination import encode_cursor  # noqa: E402

GOAL = 1.5
PAGE = "/alibaba/order/page"
PAGE_SIZE = 20
CHUNK = 100_000
FIRST_ID = 10**18  # 19-digit ids: their string order is their numeric order
T0 = 1_700_000_000_000  # created_at of order 0, ms; order i is T0 + i
COLUMNS = (
    "platform, order_id, developer_id, user_id, out_order_id, seller_id, state, status, "
    "refund_status, total_fen, product_fen, shipping_fen, discount_fen, pay_state, held_fen, "
    "paid_fen, refunded_fen, pending_operation, pay_attempts, staff_name, sequence, paid_at, "
    "market_modified_at, snapshot, created_at, modified_at"
)
SELLER = "b2b-2215790841bench"
# placeholders in the snapshot template, replaced per row (unique strings / numbers)
_ID, _OUT, _T = "9999999999999999999", "@OUT@", 4_444_444_444_444


def snapshot_template() -> str:
    """The snapshot (the port's MarketOrder as ``purchasing.records.dump`` writes it) of an
    unpaid one-line 1688 order; the order id, its line's entry id, the out_order_id and the
    created/modified times are filled per row."""
    from daigou.marketplace import port as P
    from daigou.purchasing.records import dump

    order = P.MarketOrder(
        platform=P.Platform.ALIBABA,
        order_id=_ID,
        out_order_id=_OUT,
        status="waitbuyerpay",
        seller_open_id=SELLER,
        seller_name="义乌市小商品有限公司",
        lines=(
            P.OrderLine(
                entry_id=_ID + "01",
                offer_id="610947572360",
                spec_id="b266e0726506185beaf205cbae88530d",
                sku_id="4366872137960",
                title=P.Text("夏季纯棉短袖T恤男", "Summer cotton short-sleeve T-shirt, men"),
                image_url="https://cbu01.alicdn.com/img/ibank/O1CN01bench.jpg",
                quantity=10,
                unit_price_fen=199,
                amount_fen=1990,
                status="waitbuyerpay",
            ),
        ),
        product_fen=1990,
        shipping_fen=600,
        discount_fen=0,
        total_fen=2590,
        created_ms=_T,
        modified_ms=_T,
        address=P.Address(
            full_name="Bench Buyer",
            mobile="13800000000",
            province="浙江省",
            city="金华市",
            area="义乌市",
            address="福田街道 1 号",
        ),
    )
    text = dump(order)
    for mark in (_ID, _OUT, str(_T)):
        assert mark in text, f"placeholder {mark} missing from the snapshot"
    return text


def order_rows(developer_id: int, start: int, stop: int) -> list[tuple[Any, ...]]:
    template = snapshot_template()
    rows = []
    for i in range(start, stop):
        oid, t, out = str(FIRST_ID + i), T0 + i, f"bench-{i:09d}"
        snapshot = template.replace(_ID, oid).replace(str(_T), str(t)).replace(_OUT, out)
        rows.append(
            ("1688", oid, developer_id, None, out, SELLER, "unpaid", "waitbuyerpay", None,
             2590, 1990, 600, 0, "none", 0, 0, 0, None, 0, None, 0, None, t, snapshot, t, t)
        )  # fmt: skip
    return rows


def position(orders: int, depth: int) -> tuple[int, str]:
    """(created_at, order_id) of the order at ``depth`` newest first (0 = the newest)."""
    i = orders - 1 - depth
    return T0 + i, str(FIRST_ID + i)


def fill_sqlite(path: Path, developer_id: int, orders: int, analyze: bool) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        marks = ",".join("?" * len(COLUMNS.split(",")))
        for start in range(0, orders, CHUNK):
            rows = order_rows(developer_id, start, min(orders, start + CHUNK))
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO purchase_order ({COLUMNS}) VALUES ({marks})", rows)
            conn.execute("COMMIT")
        if analyze:
            conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def fill_postgresql(url: str, developer_id: int, orders: int) -> None:
    import psycopg

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        with conn.cursor() as cur, cur.copy(f"COPY purchase_order ({COLUMNS}) FROM STDIN") as copy:
            for start in range(0, orders, CHUNK):
                for row in order_rows(developer_id, start, min(orders, start + CHUNK)):
                    copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE purchase_order")
    finally:
        conn.close()


def developer_id_of(server: Server, db: str, access_key: str) -> int:
    sql = f"SELECT developer_id FROM api_key WHERE access_key = '{access_key}'"
    if db == "postgresql":
        import psycopg

        with psycopg.connect(
            server.pg.url().replace("postgresql+psycopg://", "postgresql://")
        ) as c:
            return int(c.execute(sql).fetchone()[0])
    with sqlite3.connect(server.data_dir / "daigou.sqlite3") as c:
        return int(c.execute(sql).fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders (1,000,000)")
    parser.add_argument("--rounds", type=int, default=200, help="interleaved rounds (200)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up rounds (10)")
    parser.add_argument(
        "--offset-every", type=int, default=10, help="time the pageNo deep page every N rounds"
    )
    parser.add_argument("--sqlite-analyze", action="store_true", help="ANALYZE SQLite too")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 orders, 20 rounds")
    parser.add_argument("--ref", help="serve the committed src/ of this git ref")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.rounds, args.warmup, args.offset_every = 20_000, 20, 3, 2
    if args.orders < 10 * PAGE_SIZE:
        parser.error("--orders must be at least 200")
    depth = args.orders - 100
    assert depth % PAGE_SIZE == 0, "the deep page must be a pageNo page too"

    work = Path(tempfile.mkdtemp(prefix="daigou-bench-paging-"))
    server: Server | None = None
    try:
        server = start_server(work, args.db, args.ref)
        access_key, secret = bench_developer(server)
        developer_id = developer_id_of(server, args.db, access_key)
        started = time.monotonic()
        if args.db == "postgresql":
            fill_postgresql(server.pg.url(), developer_id, args.orders)
        else:
            fill_sqlite(
                server.data_dir / "daigou.sqlite3", developer_id, args.orders, args.sqlite_analyze
            )
        filled = time.monotonic() - started
        caller = Caller(server.base, access_key, secret)

        deep_cursor = encode_cursor(position(args.orders, depth - 1))
        mid = args.orders // 2 // PAGE_SIZE * PAGE_SIZE
        mid_cursor = encode_cursor(position(args.orders, mid - 1))
        _, first = caller.call("POST", PAGE, {"pageNo": 1, "pageSize": PAGE_SIZE})
        if first["totalRecords"] != args.orders:
            raise RuntimeError(f"totalRecords {first['totalRecords']}, expected {args.orders}")
        # the made cursor is the one the API itself issues at that depth
        _, before = caller.call("POST", PAGE, {"pageNo": depth // PAGE_SIZE, "pageSize": PAGE_SIZE})
        if before["nextCursor"] != deep_cursor:
            raise RuntimeError(f"cursor {deep_cursor} != the API's {before['nextCursor']}")
        _, deep = caller.call("POST", PAGE, {"cursor": deep_cursor, "pageSize": PAGE_SIZE})
        want = position(args.orders, depth)[1]
        if deep["data"][0]["baseInfo"]["id"] != want or len(deep["data"]) != PAGE_SIZE:
            raise RuntimeError(f"the deep page starts at {deep['data'][0]['baseInfo']['id']}")
        _, half = caller.call("POST", PAGE, {"cursor": mid_cursor, "pageSize": PAGE_SIZE})
        if half["data"][0]["baseInfo"]["id"] != position(args.orders, mid)[1]:
            raise RuntimeError(f"the middle page starts at {half['data'][0]['baseInfo']['id']}")
        kinds: list[tuple[str, dict[str, Any]]] = [
            ("first page (pageNo 1)", {"pageNo": 1, "pageSize": PAGE_SIZE}),
            ("cursor page 2", {"cursor": first["nextCursor"], "pageSize": PAGE_SIZE}),
            (f"cursor depth {mid:,}", {"cursor": mid_cursor, "pageSize": PAGE_SIZE}),
            (f"cursor depth {depth:,}", {"cursor": deep_cursor, "pageSize": PAGE_SIZE}),
        ]
        offset_kind = (f"pageNo {depth // PAGE_SIZE + 1:,} (offset)", {
            "pageNo": depth // PAGE_SIZE + 1, "pageSize": PAGE_SIZE,
        })  # fmt: skip
        print(
            f"server {server.base} ({args.db}, src: {git_state(args.ref)}); "
            f"{args.orders:,} orders of one developer filled in {filled:.1f} s; "
            f"{args.rounds} rounds interleaved on one connection, pageSize {PAGE_SIZE}; "
            f"deep cursor {deep_cursor} = {list(position(args.orders, depth - 1))}",
            flush=True,
        )
        for _ in range(args.warmup):
            for _, body in kinds:
                caller.call("POST", PAGE, body)
        times: dict[str, list[float]] = {label: [] for label, _ in kinds}
        times[offset_kind[0]] = []
        started = time.monotonic()
        for r in range(args.rounds):
            for label, body in kinds:
                elapsed, _ = caller.call("POST", PAGE, body)
                times[label].append(elapsed)
            if r % args.offset_every == 0:
                elapsed, _ = caller.call("POST", PAGE, offset_kind[1])
                times[offset_kind[0]].append(elapsed)
        spent = time.monotonic() - started
        first_p50 = statistics.median(times[kinds[0][0]])
        c2_p50 = statistics.median(times[kinds[1][0]])
        print(f"measured in {spent:.1f} s\n")
        print(f"{'kind':<28} {'n':>4} {'p50 ms':>9} {'p99 ms':>9} {'x first':>8} {'x cursor2':>9}")
        for label, t in times.items():
            p50 = statistics.median(t)
            print(
                f"{label:<28} {len(t):>4} {p50:9.2f} {percentile(t, 99):9.2f} "
                f"{p50 / first_p50:8.2f} {p50 / c2_p50:9.2f}"
            )
        # per-round ratios, as the other benches report them
        per_round = [d / f for f, d in zip(times[kinds[0][0]], times[kinds[3][0]], strict=True)]
        per_c2 = [d / f for f, d in zip(times[kinds[1][0]], times[kinds[3][0]], strict=True)]
        ratio = statistics.median(per_round)
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(
            f"\ndeep cursor / first page: median of per-round ratios {ratio:.2f}x "
            f"(goal <= {GOAL:g}x: {verdict}); deep cursor / cursor page 2: "
            f"{statistics.median(per_c2):.2f}x"
        )
        return 0
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
