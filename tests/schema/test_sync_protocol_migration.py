"""The sync protocol migration on a database with history: lineups repaired before constraints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import factories as f
import psycopg
import pytest

from studio.server import db
from studio.server.migrations import MigrationRunner, schema_dir

SYNC = "20261202000100_sync_protocol.sql"


def _files(upto: str) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8")
            for p in sorted((schema_dir() / "migrations").glob("*.sql")) if p.name <= upto}


def _item(cur: psycopg.Cursor, session_id: str, host_id: str, product_id: str | None,
          position: int, age_minutes: int) -> str:
    stamp = datetime.now(UTC) - timedelta(minutes=age_minutes)
    cur.execute(
        "insert into public.live_products (session_id, influencer_id, product_id, name,"
        " live_price, allocated_quantity, position, created_at) values (%s, %s, %s, %s, 10, 5,"
        " %s, %s) returning id::text",
        (session_id, host_id, product_id, f"Item {age_minutes}", position, stamp))
    return cur.fetchone()[0]


@pytest.fixture
def before_sync(empty_db: str, make_schema_dir: Callable[..., Path]) -> tuple[str, Path]:
    files = _files(upto=SYNC)
    assert SYNC in files
    sync_text = files.pop(SYNC)
    directory = make_schema_dir(files)
    MigrationRunner(empty_db, directory).apply()
    (directory / "migrations" / SYNC).write_text(sync_text, encoding="utf-8")
    return empty_db, directory


def test_duplicates_and_shared_positions_are_repaired(before_sync: tuple[str, Path]) -> None:
    conninfo, directory = before_sync
    with db.connect(conninfo, autocommit=True) as conn, conn.cursor() as cur:
        host = f.create_influencer(cur)
        supplier = f.create_wholesaler(cur)
        customer = f.create_customer(cur)
        product = f.create_product(cur, supplier.profile_id)
        other_product = f.create_product(cur, supplier.profile_id)
        show = f.create_session(cur, host.profile_id, "ended")
        oldest = _item(cur, show, host.profile_id, product, 0, 50)
        unsold_twin = _item(cur, show, host.profile_id, product, 0, 40)
        sold_twin = _item(cur, show, host.profile_id, product, 0, 30)
        other = _item(cur, show, host.profile_id, other_product, 0, 20)
        cur.execute("insert into public.orders (customer_id, subtotal, total_amount)"
                    " values (%s, 10, 10) returning id", (customer.profile_id,))
        order_id = cur.fetchone()[0]
        cur.execute("insert into public.order_items (order_id, live_product_id, session_id,"
                    " influencer_id, product_name, list_unit_price, unit_price, quantity,"
                    " line_total) values (%s, %s, %s, %s, 'Item', 10, 10, 1, 10)",
                    (order_id, sold_twin, show, host.profile_id))

        MigrationRunner(conninfo, directory).apply()

        got = cur.execute("select id::text, product_id::text, position from public.live_products"
                          " where session_id = %s order by position", (show,)).fetchall()
        assert got == [(oldest, product, 0), (sold_twin, None, 1), (other, other_product, 2)]
        assert unsold_twin not in {r[0] for r in got}
        # The guard disabled for the repair is on again.
        assert cur.execute("select tgenabled::text from pg_trigger where tgrelid ="
                           " 'public.live_products'::regclass"
                           " and tgname = 'guard_live_product_update'").fetchone() == ("O",)
        with pytest.raises(psycopg.errors.UniqueViolation):
            _item(cur, show, host.profile_id, product, 3, 1)
