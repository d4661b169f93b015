"""Migration 000700: legacy live product tables fold into live_products, then disappear."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import factories as f
import psycopg
import pytest

from studio.server import db
from studio.server.migrations import MigrationError, MigrationRunner, schema_dir

LEGACY = "20261124000700_consolidate_legacy_live_products.sql"

LEGACY_TABLES = """
create table public.live_session_products (
  id uuid primary key, session_id uuid, product_id uuid, live_price numeric(10, 2),
  quantity_allocated integer, quantity_sold integer, display_order integer,
  created_at timestamptz default now());
create table public.live_stream_products (
  id uuid primary key, session_id uuid, product_id uuid, name text, price numeric(10, 2),
  stock integer, sold integer, created_at timestamptz default now());
"""

ROW_A = "a0000000-0000-4000-8000-00000000000a"  # ended show, sold out, name from product 1
ROW_B = "b0000000-0000-4000-8000-00000000000b"  # no product, sold more than it recorded
ROW_C = "c0000000-0000-4000-8000-00000000000c"  # its show is gone: skipped
ROW_E = "e0000000-0000-4000-8000-00000000000e"  # live_stream_products, name from product 2
ROW_F = "f0000000-0000-4000-8000-00000000000f"  # product deleted since: keeps its own name
MISSING = "99999999-0000-4000-8000-000000000099"

MAPPED = (
    "select id::text, session_id::text, influencer_id::text, product_id::text, name, position,"
    " live_price, allocated_quantity, sold_quantity, revenue, status::text"
    " from public.live_products order by id"
)


def migration_files(*, upto: str) -> dict[str, str]:
    """Migration file texts, in order, up to (and including) the named file."""
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted((schema_dir() / "migrations").glob("*.sql"))
        if p.name <= upto
    }


@pytest.fixture
def pre_consolidation_db(
    empty_db: str, make_schema_dir: Callable[..., Path]
) -> tuple[str, Path]:
    """A database built from migrations 000100 to 000600 only, and its schema directory."""
    files = migration_files(upto="20261124000600_realtime.sql")
    assert LEGACY not in files and len(files) >= 6
    directory = make_schema_dir(files)
    MigrationRunner(empty_db, directory).apply()
    return empty_db, directory


@pytest.fixture
def conn(pre_consolidation_db: tuple[str, Path]) -> Iterator[psycopg.Connection]:
    c = db.connect(pre_consolidation_db[0], autocommit=True)
    yield c
    c.close()


def add_consolidation(directory: Path) -> None:
    text = (schema_dir() / "migrations" / LEGACY).read_text(encoding="utf-8")
    (directory / "migrations" / LEGACY).write_text(text, encoding="utf-8")


def trigger_states(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "select tgname::text, tgenabled::text from pg_trigger"
        " where tgrelid = 'public.live_products'::regclass and not tgisinternal order by 1"
    ).fetchall()


def legacy_tables(conn: psycopg.Connection) -> list[str | None]:
    return list(conn.execute(
        "select to_regclass('public.live_session_products')::text,"
        " to_regclass('public.live_stream_products')::text"
    ).fetchone())


def test_legacy_rows_move_into_live_products(
    pre_consolidation_db: tuple[str, Path], conn: psycopg.Connection
) -> None:
    conninfo, directory = pre_consolidation_db
    with conn.cursor() as cur:
        host = f.create_influencer(cur)
        seller = f.create_wholesaler(cur)
        p1 = f.create_product(cur, seller.profile_id, stock=3, retail_price="30.00")
        p2 = f.create_product(cur, seller.profile_id, stock=500)
        ended = f.create_session(cur, host.profile_id, status="scheduled")
        upcoming = f.create_session(cur, host.profile_id, status="scheduled")
        existing = f.create_live_product(cur, upcoming, host.profile_id, product_id=p2)
        cur.execute("update public.live_stream_sessions set status = 'live' where id = %s",
                    (ended,))
        cur.execute("update public.live_stream_sessions set status = 'ended' where id = %s",
                    (ended,))
        cur.execute("select name from public.products where id in (%s, %s) order by id = %s",
                    (p1, p2, p2))
        p1_name, p2_name = (name for (name,) in cur.fetchall())
        # Since discontinued: the guard trigger would refuse a new offer of it, not history.
        cur.execute("update public.products set status = 'discontinued' where id = %s", (p1,))
        cur.execute(LEGACY_TABLES)
        cur.execute(
            "insert into public.live_session_products values"
            " (%s, %s, %s, 12.50, 10, 10, 2, now() - interval '30 days'),"
            " (%s, %s, null, 9.99, 5, 7, null, null),"
            " (%s, %s, null, 4.00, 5, 0, 0, null),"
            " (%s, %s, %s, 1.00, 1, 0, 0, null)",
            (ROW_A, ended, p1, ROW_B, ended, ROW_C, MISSING, existing, upcoming, p1),
        )
        cur.execute(
            "insert into public.live_stream_products values"
            " (%s, %s, %s, null, 19.99, 20, 3, now()),"
            " (%s, %s, %s, '  Glow set  ', 15.00, 4, 1, now() + interval '1 minute'),"
            " (%s, %s, null, 'duplicate of A', 1.00, 1, 1, now())",
            (ROW_E, upcoming, p2, ROW_F, upcoming, MISSING, ROW_A, ended),
        )
    triggers_before = trigger_states(conn)
    counts = "select (select count(*) from public.influencer_notifications),"
    counts += " (select count(*) from private.price_changes),"
    counts += " (select total_revenue from public.live_stream_sessions where id = %s)"
    side_effects = conn.execute(counts, (ended,)).fetchone()
    existing_before = conn.execute(
        "select * from public.live_products where id = %s", (existing,)).fetchone()

    add_consolidation(directory)
    assert MigrationRunner(conninfo, directory).apply() == [LEGACY.split("_")[0]]

    h, s_end, s_up = host.profile_id, ended, upcoming
    assert conn.execute(MAPPED).fetchall() == sorted([
        (ROW_A, s_end, h, p1, p1_name, 2, Decimal("12.50"), 10, 10, Decimal("125.00"),
         "sold_out"),
        (ROW_B, s_end, h, None, "Live product", 1, Decimal("9.99"), 7, 7, Decimal("69.93"),
         "sold_out"),
        (ROW_E, s_up, h, p2, p2_name, 1, Decimal("19.99"), 20, 3, Decimal("59.97"), "active"),
        (ROW_F, s_up, h, None, "Glow set", 2, Decimal("15.00"), 4, 1, Decimal("15.00"),
         "active"),
        (existing, s_up, h, p2, existing_before[4], 0, Decimal("19.99"), 10, 0, Decimal("0.00"),
         "active"),
    ])
    assert conn.execute("select * from public.live_products where id = %s",
                        (existing,)).fetchone() == existing_before
    assert legacy_tables(conn) == [None, None]
    # The data move wrote no notifications, audit rows or metrics, and the triggers are back.
    assert conn.execute(counts, (ended,)).fetchone() == side_effects
    assert trigger_states(conn) == triggers_before
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
        conn.execute("update public.live_products set live_price = 1 where id = %s", (ROW_A,))

    # Running the consolidation again changes nothing.
    before = conn.execute(MAPPED).fetchall()
    conn.execute((directory / "migrations" / LEGACY).read_text(encoding="utf-8"))
    assert conn.execute(MAPPED).fetchall() == before
    assert trigger_states(conn) == triggers_before


def test_missing_optional_columns_fall_back_to_the_product(
    pre_consolidation_db: tuple[str, Path], conn: psycopg.Connection
) -> None:
    conninfo, directory = pre_consolidation_db
    with conn.cursor() as cur:
        host = f.create_influencer(cur)
        seller = f.create_wholesaler(cur)
        product = f.create_product(cur, seller.profile_id, retail_price="42.00")
        show = f.create_session(cur, host.profile_id)
        cur.execute("create table public.live_stream_products (id uuid, session_id uuid,"
                    " product_id uuid)")
        cur.execute("insert into public.live_stream_products values (%s, %s, %s)",
                    (ROW_E, show, product))
        cur.execute("select name from public.products where id = %s", (product,))
        (name,) = cur.fetchone()

    add_consolidation(directory)
    MigrationRunner(conninfo, directory).apply()

    assert conn.execute(MAPPED).fetchall() == [
        (ROW_E, show, host.profile_id, product, name, 0, Decimal("42.00"), 0, 0,
         Decimal("0.00"), "sold_out"),
    ]
    assert legacy_tables(conn) == [None, None]


def test_a_failure_leaves_everything_as_it_was(
    pre_consolidation_db: tuple[str, Path], conn: psycopg.Connection
) -> None:
    conninfo, directory = pre_consolidation_db
    conn.execute(LEGACY_TABLES)
    conn.execute("alter table public.live_stream_products drop column session_id")
    conn.execute("insert into public.live_session_products (id, session_id) values (%s, %s)",
                 (ROW_A, MISSING))
    triggers_before = trigger_states(conn)

    add_consolidation(directory)
    with pytest.raises(MigrationError) as failure:
        MigrationRunner(conninfo, directory).apply()
    assert failure.value.sqlstate == "55000"
    assert "live_stream_products" in failure.value.message

    assert legacy_tables(conn) == ["live_session_products", "live_stream_products"]
    assert conn.execute("select count(*) from public.live_session_products").fetchone() == (1,)
    assert trigger_states(conn) == triggers_before


def test_noop_on_a_fresh_database(fresh_db: Callable[..., str]) -> None:
    conninfo = fresh_db()
    with db.connect(conninfo, autocommit=True) as c:
        assert c.execute(
            "select count(*) from supabase_migrations.schema_migrations where version = %s",
            (LEGACY.split("_")[0],),
        ).fetchone() == (1,)
        assert legacy_tables(c) == [None, None]
        assert c.execute("select count(*) from public.live_products").fetchone() == (0,)
        triggers = trigger_states(c)
        assert triggers and all(state == "O" for _, state in triggers)
        c.execute((schema_dir() / "migrations" / LEGACY).read_text(encoding="utf-8"))
        assert trigger_states(c) == triggers
