"""Benchmark: checkout on one hot live product vs a bare stock decrement, and RLS overhead.

Starts its own embedded PostgreSQL in a temporary directory and applies the migrations. The
database holds a 10,000-product catalog, 1,000 past shows of 40 other hosts (10,000 live
products) and their 20,000 orders, so the planner sees the table sizes of a running platform.
Then:

1. 64 buyers (threads, each with its own connection) loop for N seconds, each iteration being
   one request as that customer, run the way PostgREST runs it (claims set in a transaction):
   `checkout_items()` of one unit, the "Buy now" of a show. All buy the same live product
   (large allocation). Each request goes to the server as one message of literal SQL, so the
   commit follows the call on the server (see `request`). `--cart` runs the cart's two requests
   instead: put one unit in the cart, then `checkout()`; `--prepared` sends that cart request
   with prepared statements, as PostgREST does by default.
2. Baseline, same server, same run: 64 threads loop a bare
   `update bench_stock set stock = stock - 1 where id = 1 and stock > 0` in autocommit.
   Target: checkouts/s at least 0.5 of updates/s.
   During phase 1 a sampler looks at the hot product's sales counter (private.live_sales, the
   32 stripe rows its buyers lock, a buyer usually one) every 10 ms and counts the stripes a
   transaction still in progress holds: the mean count, times the phase's length, divided by
   the checkouts, is the mean time each checkout keeps (a stripe of) the hot product locked.
   Each phase also reports the server's CPU time per operation (Linux), which bounds the rate
   on a machine with few cores, the benchmark client's own (it shares the cores), and the load
   average before the run (other work on the machine moves the ratio).
3. RLS overhead: reading 10,000 products as an authenticated customer (through RLS) vs as
   service_role (which bypasses it).

    python bench/checkout.py [--seconds N] [--buyers N] [--no-fsync] [--cart [--prepared]]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.server import db
from studio.server.embedded import EmbeddedPostgres
from studio.server.migrations import MigrationRunner, schema_dir

ALLOCATION = 1_000_000
WARMUP = 3  # untimed operations per connection before each phase
CATALOG_ROWS = 10_000
PAST_HOSTS, PAST_SHOWS, PAST_LINEUP = 40, 25, 10  # 1,000 past shows, 10,000 live products
PAST_BUYERS, PAST_ORDERS_PER_ITEM = 500, 2  # 20,000 past orders of 500 customers
CLAIMS = "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)"
ADDRESS = '{"line1": "1 Bench St", "city": "Testville", "country": "US"}'
ADD_TO_CART = ("insert into public.cart (customer_id, live_product_id, quantity)"
               " values (%s, %s, 1)")


@dataclass
class Setup:
    """Rows the benchmark works on."""

    live_product_id: str
    source_product_id: str
    customers: list[tuple[str, str]]  # (user id, customer id)


def prepare(conninfo: str, buyers: int) -> Setup:
    """A live show, one hot live product sourced from a wholesale product, and the customers."""
    with db.connect(conninfo, autocommit=True) as conn:
        users = [str(uuid.uuid4()) for _ in range(buyers + 3)]
        with conn.cursor() as cur:
            cur.executemany(
                "insert into auth.users (id, aud, role, email, created_at, updated_at)"
                " values (%s, 'authenticated', 'authenticated', %s, now(), now())",
                [(u, f"{u[:8]}@bench.test") for u in users])
            host, wholesaler = users[0], users[1]
            # Verified: unvetted hosts and wholesalers sell nothing (ACCESS.md).
            cur.execute("insert into public.influencers (user_id, display_name, handle,"
                        " verification_status) values (%s, 'Bench Host', 'bench_host',"
                        " 'verified') returning id", (host,))
            host_id = cur.fetchone()[0]
            cur.execute("insert into public.wholesalers (user_id, business_name,"
                        " verification_status) values (%s, 'Bench Supply', 'verified')"
                        " returning id", (wholesaler,))
            wholesaler_id = cur.fetchone()[0]
            cur.execute(
                "insert into public.products (wholesaler_id, sku, name, wholesale_price,"
                " retail_price, stock_quantity) select %s, 'BENCH-' || n, 'Catalog item ' || n,"
                " 5, 12.50, 100 from generate_series(1, %s) n", (wholesaler_id, CATALOG_ROWS))
            cur.execute("insert into public.products (wholesaler_id, sku, name, wholesale_price,"
                        " retail_price, stock_quantity) values (%s, 'HOT-1', 'Hot item', 5, 20,"
                        " %s) returning id", (wholesaler_id, ALLOCATION * 2))
            source_id = cur.fetchone()[0]
            cur.execute("insert into public.live_stream_sessions (influencer_id, title, status,"
                        " scheduled_start, actual_start) values (%s, 'Bench show', 'live',"
                        " now(), now()) returning id", (host_id,))
            session_id = cur.fetchone()[0]
            cur.execute("insert into public.live_products (session_id, influencer_id, product_id,"
                        " name, live_price, allocated_quantity) values (%s, %s, %s, 'Hot item',"
                        " 14.99, %s) returning id", (session_id, host_id, source_id, ALLOCATION))
            live_id = cur.fetchone()[0]
            history(cur, wholesaler_id)
            customers = []
            for user in users[3:]:
                cur.execute("insert into public.customers (user_id, shipping_address) values"
                            " (%s, %s) returning id", (user, ADDRESS))
                customers.append((user, str(cur.fetchone()[0])))
            cur.execute("create table public.bench_stock (id int primary key, stock int not null)")
            cur.execute("insert into public.bench_stock values (1, 2000000000)")
        conn.execute("vacuum analyze")
    return Setup(str(live_id), str(source_id), customers)


def history(cur: psycopg.Cursor, wholesaler_id: str) -> None:
    """Past shows of other hosts, so the live tables are sized like a running platform.

    With the hot show alone, live_products, live_stream_sessions and influencers hold one row
    each and the planner picks any of their indexes, even one it must read in full, for a
    lookup by id; with realistic row counts it uses the primary keys, as in production.
    """
    cur.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " select gen_random_uuid(), 'authenticated', 'authenticated', 'past' || n || '@bench.test',"
        " now(), now() from generate_series(1, %s) n", (PAST_HOSTS,))
    cur.execute(
        "insert into public.influencers (user_id, display_name, handle)"
        " select u.id, 'Past host ' || u.email, 'past_' || split_part(u.email, '@', 1)"
        " from auth.users u where u.email like 'past%%@bench.test'")
    cur.execute(
        "insert into public.live_stream_sessions (influencer_id, title, status, scheduled_start,"
        " actual_start, actual_end) select i.id, 'Past show ' || n, 'ended',"
        " now() - make_interval(days => n), now() - make_interval(days => n),"
        " now() - make_interval(days => n) + interval '1 hour'"
        " from public.influencers i cross join generate_series(1, %s) n"
        " where i.handle like 'past\\_%%'", (PAST_SHOWS,))
    cur.execute(
        "insert into public.live_products (session_id, influencer_id, product_id, name,"
        " live_price, allocated_quantity, position)"
        " select s.id, s.influencer_id, p.id, p.name, 9.99, 5, k"
        " from public.live_stream_sessions s cross join generate_series(1, %s) k"
        " join lateral (select p.id, p.name from public.products p"
        "   where p.wholesaler_id = %s and p.sku = 'BENCH-' || (k * 97 %% %s + 1)) p on true"
        " where s.title like 'Past show %%'", (PAST_LINEUP, wholesaler_id, CATALOG_ROWS))
    with cur.connection.transaction():
        past_orders(cur)



def past_orders(cur: psycopg.Cursor) -> None:
    """Orders of past shows, with their lines and earnings: a platform's orders are never none.

    A database session keeps the plans of a function's statements and of its reference checks;
    made against empty orders tables, they read those tables in full, so each checkout would
    cost more than the one before it as the benchmark's own orders pile up.
    """
    cur.execute(
        "insert into auth.users (id, aud, role, email, created_at, updated_at)"
        " select gen_random_uuid(), 'authenticated', 'authenticated',"
        " 'buyer' || n || '@bench.test', now(), now() from generate_series(1, %s) n",
        (PAST_BUYERS,))
    cur.execute(
        "insert into public.customers (user_id, shipping_address)"
        " select u.id, %s from auth.users u where u.email like 'buyer%%@bench.test'",
        (ADDRESS,))
    cur.execute(
        "create temporary table past_lines on commit drop as"
        " select gen_random_uuid() as order_id, gen_random_uuid() as item_id, lp.id as live_id,"
        "  lp.session_id, lp.influencer_id, lp.name, p.wholesaler_id, p.sku, s.actual_start,"
        "  c.id as customer_id, row_number() over () as n"
        " from public.live_products lp"
        " join public.live_stream_sessions s on s.id = lp.session_id"
        " join public.products p on p.id = lp.product_id"
        " cross join generate_series(1, %s) k"
        " join (select c.id, row_number() over (order by c.id) - 1 as slot"
        "       from public.customers c join auth.users u on u.id = c.user_id"
        "       where u.email like 'buyer%%@bench.test') c"
        "   on c.slot = (hashtext(lp.id::text || k) & 2147483647) %% %s"
        " where s.title like 'Past show %%'", (PAST_ORDERS_PER_ITEM, PAST_BUYERS))
    cur.execute(
        "insert into public.orders (id, order_number, customer_id, status, payment_status,"
        " subtotal, total_amount, shipping_address, placed_at, paid_at)"
        " select order_id, 'PAST-' || n, customer_id, 'delivered', 'paid', 9.99, 9.99, %s,"
        " actual_start, actual_start from past_lines", (ADDRESS,))
    # These shows' figures are on their rows already: the checkout's own counting stands aside.
    cur.execute("select set_config('shopstream.checkout_records_sales', 'on', true)")
    cur.execute(
        "insert into public.order_items (id, order_id, live_product_id, session_id,"
        " influencer_id, wholesaler_id, product_name, sku, list_unit_price, unit_price,"
        " quantity, line_total, commission_rate, commission_amount)"
        " select item_id, order_id, live_id, session_id, influencer_id, wholesaler_id, name,"
        " sku, 9.99, 9.99, 1, 9.99, 0.15, 1.50 from past_lines")
    cur.execute("select set_config('shopstream.checkout_records_sales', '', true)")
    cur.execute(
        "insert into public.influencer_earnings (influencer_id, order_id, order_item_id,"
        " session_id, gross_amount, commission_rate, amount, earned_at)"
        " select influencer_id, order_id, item_id, session_id, 9.99, 0.15, 1.50, actual_start"
        " from past_lines")


class LockSampler:
    """Counts the stripes of the hot product's counter held by a transaction, every 10 ms.

    A stripe's latest committed version names, in xmax, the transaction that locked it (to
    update it or not); the lock is held while that transaction is in progress. The bench's
    database is new, so its transaction ids are still in epoch 0 and convert to xid8 as is.
    """

    def __init__(self, conninfo: str, live_product_id: str) -> None:
        self.conninfo, self.live_product_id = conninfo, live_product_id
        self.samples: list[int] = []
        self.stripes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with db.connect(self.conninfo, autocommit=True) as conn:
            self.stripes = conn.execute(
                "select count(*) from private.live_sales where live_product_id = %s",
                (self.live_product_id,)).fetchone()[0]
            while not self._stop.is_set():
                held = conn.execute(
                    "select count(*) filter (where pg_xact_status(c.xmax::text::xid8)"
                    " = 'in progress') from private.live_sales c where c.live_product_id = %s",
                    (self.live_product_id,)).fetchone()
                self.samples.append(int(held[0]) if held else 0)
                time.sleep(0.01)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean_held(self) -> float:
        """Stripes held, on average over the samples."""
        return sum(self.samples) / max(len(self.samples), 1)

    @property
    def busy_share(self) -> float:
        """Share of the samples in which at least one stripe was held."""
        return sum(1 for n in self.samples if n) / max(len(self.samples), 1)


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of these server processes (Linux /proc), None elsewhere."""
    try:
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    """What one throughput phase measured."""

    ops: int
    elapsed: float
    server_cpu: float | None  # seconds of CPU the phase's server processes used
    client_cpu: float  # seconds of CPU this process (the 64 clients) used
    warmup_ops: int  # done before the clock started

    @property
    def rate(self) -> float:
        return self.ops / self.elapsed

    def cpu_per_op_ms(self) -> str:
        if self.server_cpu is None or not self.ops:
            return "n/a"
        return f"{self.server_cpu * 1000 / self.ops:.2f} ms"

    def client_cpu_per_op_ms(self) -> str:
        return f"{self.client_cpu * 1000 / max(self.ops, 1):.2f} ms"


def run_threads(conninfo: str, workers: list[Callable[[psycopg.Connection], None]],
                seconds: float) -> Phase:
    """Run each worker (one operation per call) on its own connection until the deadline.

    Each connection first runs WARMUP untimed operations, as the long-lived connections of a
    PostgREST pool have: the server's per-connection caches (compiled functions, plans, catalog
    entries) are filled before the clock starts.
    """
    conns = [db.connect(conninfo, autocommit=True) for _ in workers]
    pids = [c.info.backend_pid for c in conns]
    counts = [0] * len(workers)
    warm, go = threading.Barrier(len(workers) + 1), threading.Barrier(len(workers) + 1)
    deadline: list[float] = []

    def run(i: int) -> None:
        for _ in range(WARMUP):
            workers[i](conns[i])
        warm.wait()
        go.wait()
        while time.perf_counter() < deadline[0]:
            workers[i](conns[i])
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    warm.wait()
    cpu_before = cpu_seconds(pids)
    client_before = os.times()
    began = time.perf_counter()
    deadline.append(began + seconds)
    go.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    cpu_after = cpu_seconds(pids)
    client_after = os.times()
    for c in conns:
        c.close()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    client = (client_after.user + client_after.system) - (client_before.user + client_before.system)
    return Phase(sum(counts), elapsed, cpu, client, WARMUP * len(workers))


def request(claims: str, statement: sql.Composable) -> sql.Composed:
    """One request as PostgREST runs it (begin, claims, statement, commit), as one message.

    Without parameters psycopg sends it with the simple query protocol: the server runs the
    four statements back to back, so nothing on the client (64 Python threads share one
    interpreter lock) can sit between the function's return and the commit while the hot
    product is locked. The bare update it is compared with commits on the server too.
    """
    return sql.SQL("begin; select set_config('role', 'authenticated', true),"
                   " set_config('request.jwt.claims', {}, true); {}; commit").format(
                       sql.Literal(claims), statement)


def prepared_request(conn: psycopg.Connection, claims: str, statement: str,
                     params: tuple[object, ...]) -> None:
    """One request as PostgREST runs it by default: prepared statements, in one transaction.

    Sent as a pipeline (one round trip); nothing it locks is shared with other buyers, so a
    pause of this thread between its messages would hold up no one else.
    """
    with conn.pipeline():
        conn.execute("begin")
        conn.execute(CLAIMS, ("authenticated", claims), prepare=True)
        conn.execute(statement, params, prepare=True)
        conn.execute("commit")


def buyer(user_id: str, customer_id: str, live_id: str, cart: bool,
          prepared: bool) -> Callable[[psycopg.Connection], None]:
    """One buyer's loop body: a checkout of one unit of the hot live product."""
    claims = json.dumps({"role": "authenticated", "sub": user_id, "aud": "authenticated"})
    # The request's text is composed once; each call only sets a new idempotency key (a UUID's
    # text needs no quoting), so the clients spend as little of the shared cores as they can.
    key = "00000000-0000-0000-0000-000000000000"
    items = json.dumps([{"live_product_id": live_id, "quantity": 1}])
    buy_now = request(claims, sql.SQL("select public.checkout_items({}, {})").format(
        sql.Literal(key), sql.Literal(items))).as_string(None)
    place_cart = request(claims, sql.SQL("select public.checkout({})").format(
        sql.Literal(key))).as_string(None)
    literal_add = request(claims, sql.SQL(ADD_TO_CART.replace("%s", "{}")).format(
        sql.Literal(customer_id), sql.Literal(live_id))).as_string(None)

    def buy(conn: psycopg.Connection) -> None:
        conn.execute(buy_now.replace(key, str(uuid.uuid4())))

    def buy_from_cart(conn: psycopg.Connection) -> None:
        if prepared:
            prepared_request(conn, claims, ADD_TO_CART, (customer_id, live_id))
        else:
            conn.execute(literal_add)
        conn.execute(place_cart.replace(key, str(uuid.uuid4())))

    return buy_from_cart if cart else buy


def bare_update(conn: psycopg.Connection) -> None:
    conn.execute("update public.bench_stock set stock = stock - 1 where id = 1 and stock > 0")


def read_catalog(conninfo: str, role: str, user_id: str | None, seconds: float) -> float:
    """Mean milliseconds to read every product row as `role` (one transaction per read)."""
    claims = json.dumps({"role": role, "sub": user_id} if user_id else {"role": role})
    reads, began = 0, time.perf_counter()
    with db.connect(conninfo, autocommit=True) as conn:
        while time.perf_counter() - began < seconds or reads < 3:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(CLAIMS, (role, claims))
                cur.execute("select * from public.products")
                assert len(cur.fetchall()) > CATALOG_ROWS
            reads += 1
    return (time.perf_counter() - began) * 1000 / reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per throughput phase")
    parser.add_argument("--buyers", type=int, default=64)
    parser.add_argument("--no-fsync", action="store_true",
                        help="run the server with fsync off, like the test suite's server")
    parser.add_argument("--cart", action="store_true",
                        help="buy through the cart: a cart request, then checkout()")
    parser.add_argument("--prepared", action="store_true",
                        help="with --cart: send the cart request with prepared statements, as"
                             " PostgREST does")
    args = parser.parse_args()
    if args.prepared and not args.cart:
        parser.error("--prepared applies to the cart request: use it with --cart")
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="shopstream-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "server", durable=not args.no_fsync,
                                  max_connections=args.buyers * 2 + 20)
        server.start()
        try:
            server.ensure_database("bench")
            conninfo = server.dsn("bench")
            MigrationRunner(conninfo, schema_dir()).apply(seed=False)
            setup = prepare(conninfo, args.buyers)

            with LockSampler(conninfo, setup.live_product_id) as sampler:
                buying = run_threads(
                    conninfo, [buyer(u, c, setup.live_product_id, args.cart, args.prepared)
                               for u, c in setup.customers], args.seconds)
            updating = run_threads(conninfo, [bare_update] * args.buyers, args.seconds)
            user, _ = setup.customers[0]
            rls_ms = read_catalog(conninfo, "authenticated", user, args.seconds / 4)
            service_ms = read_catalog(conninfo, "service_role", None, args.seconds / 4)

            with db.connect(conninfo, autocommit=True) as conn:
                # The sold count clients read is published off the hot path (the control
                # room's show_live_stats poll does it); publish it as that poll would.
                conn.execute("select private.publish_sales(lp.session_id)"
                             " from public.live_products lp where lp.id = %s",
                             (setup.live_product_id,))
                sold, stock, orders = conn.execute(
                    "select lp.sold_quantity, p.stock_quantity,"
                    " (select count(*) from public.order_items oi where oi.live_product_id = lp.id)"
                    " from public.live_products lp join public.products p on p.id = lp.product_id"
                    " where lp.id = %s", (setup.live_product_id,)).fetchone()
        finally:
            server.stop()

    # Wholesale stock moves either when units sell (older schemas) or when they are allocated
    # (the allocation set aside, sold or not): both are consistent with the units sold.
    bought = buying.ops + buying.warmup_ops
    consistent = sold == bought == orders and stock in (ALLOCATION * 2 - sold, ALLOCATION)
    ratio = buying.rate / updating.rate
    lock_us = sampler.mean_held * buying.elapsed / max(buying.ops, 1) * 1e6
    how = (f"cart request ({'prepared' if args.prepared else 'literal SQL'}) + checkout()"
           if args.cart else "checkout_items(), one request")
    rows = [
        (f"checkout, {args.buyers} buyers, one hot live product ({how})",
         f"{buying.rate:,.0f} /s"),
        (f"bare stock update, {args.buyers} threads, one row", f"{updating.rate:,.0f} /s"),
        ("ratio checkout / bare update (target >= 0.50)", f"{ratio:.2f}"),
        ("server CPU per checkout", buying.cpu_per_op_ms()),
        ("server CPU per bare update", updating.cpu_per_op_ms()),
        ("benchmark client CPU per checkout / per bare update",
         f"{buying.client_cpu_per_op_ms()} / {updating.client_cpu_per_op_ms()}"),
        ("oversell check (sold = orders, stock consistent)", "ok" if consistent else "FAILED"),
        (f"hot product locked per checkout ({sampler.mean_held:.1f} of {sampler.stripes}"
         f" stripes held,"
         f" some {sampler.busy_share:.0%} of the time)", f"{lock_us:,.0f} us"),
        (f"read {CATALOG_ROWS:,} products as authenticated (RLS)", f"{rls_ms:.1f} ms"),
        (f"read {CATALOG_ROWS:,} products as service_role", f"{service_ms:.1f} ms"),
        ("RLS overhead (authenticated / service_role)", f"{rls_ms / service_ms:.2f}x"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"checkout benchmark ({'fsync off' if args.no_fsync else 'fsync on'},"
          f" {args.seconds:g}s per phase, {os.cpu_count()} cores, load average"
          f" {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>14}")
    return 0 if consistent else 1


if __name__ == "__main__":
    sys.exit(main())
