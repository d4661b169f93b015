"""Benchmark: the sync engine's first pull of 100,000 products vs a raw SQLite executemany.

The engine pulls from an in-memory backend that serves keyset pages of server-shaped rows (the
JSON PostgREST returns, already decoded), so the time measured is the engine and the cache:
counting, paging, cursors, progress events, validation and conversion, the bulk load, the
indexes and the full-text index. Two times are reported: "browsable" (the engine's browsable
event: every row is in the cache and listed; text search is a substring scan until the
indexes are built) and "searchable" (the searchable event, when the indexes and the full-text
index are built and the pull returns). The baseline inserts the same rows, already SQLite
tuples, into a bare table with executemany in one transaction (no keys, indexes, FTS or
validation), in this process, interleaved with the engine's runs. The benchmark's own data
(the whole catalog, held at once) is kept out of the garbage collector's scans while a run is
timed, for every path alike. Target: browsable at 0.5 of the baseline's rows/s or better.

    python bench/first_sync.py [--rows N] [--repeat N] [--page N]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from first_sync_insert import generate_products  # the same rows as the cache's benchmark

from studio.sync.backend import Cursor, Page
from studio.sync.cache import CacheDatabase, CacheStore, CacheWriter
from studio.sync.cache.rows import convert_rows
from studio.sync.cache.tables import PRODUCTS
from studio.sync.engine import SyncEngine
from studio.sync.scope import ScopePlan, TableScope


class MemoryBackend:
    """Serves one table's rows in (change_xid, id) keyset pages, as PostgREST would."""

    def __init__(self, rows: list[dict[str, Any]], latency: float = 0.0) -> None:
        self._latency = latency
        # Every row as written by one committed transaction.
        keyed = sorted(((100, r["id"]), r) for r in rows)
        self._keys = [k for k, _ in keyed]
        # Fresh objects, as a client decodes from each response, made before the clock starts
        # (decoding is the transport's work, not the engine's; the engine may change them),
        # and in the order they are served, as a decoder lays them out in memory.
        self._rows = json.loads(json.dumps([{**r, "change_xid": 100} for _, r in keyed]))
        self._served = bytearray(len(rows))  # rows served again are copied from here
        self._originals = [dict(r) for r in self._rows]
        self.pages = 0

    async def count(self, table: str, scope_filters: Sequence[Any] = ()) -> int:
        return len(self._rows)

    async def pull_page(
        self, table: str, columns: Sequence[str], cursor: Cursor | None, limit: int,
        scope_filters: Sequence[Any] = (), since: int | None = None,
    ) -> Page:
        start = 0 if cursor is None else bisect.bisect_right(
            self._keys, (cursor.change_xid, cursor.id))
        end = min(start + limit, len(self._rows))
        if any(self._served[start:end]):
            rows = [dict(r) for r in self._originals[start:end]]
        else:
            rows = self._rows[start:end]
            self._served[start:end] = b"\x01" * (end - start)
        self.pages += 1
        if self._latency:
            await asyncio.sleep(self._latency)  # a round trip to the server
        return Page(rows, Cursor.from_row(rows[-1]) if rows else None)

    async def sync_horizon(self) -> int:
        return 101

    async def select_ids(self, table: str, scope_filters: Sequence[Any] = ()) -> set[str]:
        return {r["id"] for r in self._rows}


def _fresh_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="shopstream-bench-"))


Timing = tuple[float, float]  # (wall-clock seconds, CPU seconds of this process)


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(start: Timing) -> Timing:
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


@contextmanager
def _quiet_heap() -> Iterator[None]:
    """Keep the benchmark's own data (every row of the catalog, held at once, and the
    server's copies) out of the garbage collector's scans while a run is timed: the app never
    holds a whole catalog, so the collections it would trigger are the benchmark's, not the
    engine's. Objects made during the run are collected as usual."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def raw_executemany(rows: list[dict[str, Any]]) -> Timing:
    """Seconds to insert the rows, already SQLite tuples, into a bare table."""
    tuples = convert_rows(PRODUCTS, rows)  # not timed: the baseline is the raw insert
    conn = sqlite3.connect(_fresh_dir() / "raw.sqlite3", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -64000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"CREATE TABLE products ({', '.join(PRODUCTS.column_names)})")
    marks = ", ".join("?" * len(PRODUCTS.column_names))
    with _quiet_heap():
        started = _clock()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO products VALUES ({marks})", tuples)  # noqa: S608
        conn.execute("COMMIT")
        elapsed = _since(started)
    conn.close()
    return elapsed


class Stages:
    """Listener recording progress events and when the catalog became browsable, searchable."""

    def __init__(self, started: Timing) -> None:
        self.started = started
        self.events: list[Any] = []
        self.at: dict[str, Timing] = {}

    def on_progress(self, event: Any) -> None:
        self.events.append(event)
        if event.stage != "loading" and event.stage not in self.at:
            self.at[event.stage] = _since(self.started)


async def _engine_first_sync(
    rows: list[dict[str, Any]], page: int, latency: float
) -> tuple[Timing, Timing, int, int]:
    backend = MemoryBackend(rows, latency)
    db = CacheDatabase.open(_fresh_dir() / "cache.sqlite3")
    writer = CacheWriter(db)
    engine = SyncEngine(backend, writer, ScopePlan((TableScope("products"),)), page_size=page)
    stages = Stages(_clock())
    engine.add_listener(stages)
    with _quiet_heap():
        stages.started = _clock()
        status = await engine.sync_now(reconcile=False)
        finished = _since(stages.started)
    stored = writer.call(CacheStore.get_cursor, "products", TableScope("products").key)
    with db.read() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM products").scalar()
        searchable = conn.exec_driver_sql("SELECT count(*) FROM products_fts").scalar()
    writer.close()
    db.close()
    if status.state != "online" or count != len(rows) or searchable != len(rows) or not stored:
        raise SystemExit(f"the first sync did not complete: {status}, {count} rows")
    if set(stages.at) != {"browsable", "searchable"}:
        raise SystemExit(f"the first sync did not report both stages: {sorted(stages.at)}")
    if stages.events[-1].done != len(rows):
        raise SystemExit("progress did not reach the total")
    loading = [e for e in stages.events if e.stage == "loading"]
    return stages.at["browsable"], finished, backend.pages, len(loading)


def engine_first_sync(
    rows: list[dict[str, Any]], page: int, latency: float = 0.0
) -> tuple[Timing, Timing, int, int]:
    return asyncio.run(_engine_first_sync(rows, page, latency))


def cache_bulk_path(rows: list[dict[str, Any]], page: int) -> Timing:
    """The cache alone, as its own benchmark drives it: pages inside one bulk load."""
    db = CacheDatabase.open(_fresh_dir() / "cache.sqlite3")
    writer = CacheWriter(db)
    with _quiet_heap():
        started = _clock()
        writer.call(CacheStore.begin_bulk_load, "products")
        for start in range(0, len(rows), page):
            writer.call(CacheStore.upsert_rows, "products", rows[start : start + page])
        writer.call(CacheStore.finish_bulk_load, "products")
        elapsed = _since(started)
    writer.close()
    db.close()
    return elapsed


def _median(timings: list[Timing]) -> Timing:
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page", type=int, default=1_000, help="rows per page (max-rows)")
    parser.add_argument("--latency-ms", type=float, default=30.0,
                        help="round trip per page for the run with network latency")
    args = parser.parse_args()
    rows = generate_products(args.rows)

    # Interleaved, so a burst of load elsewhere on the machine hits both alike.
    baselines: list[Timing] = []
    runs = []
    print(f"{'run':>3} {'baseline':>9} {'browsable':>10} {'ratio':>6} {'searchable':>11} "
          f"{'ratio':>6} {'load':>5}")
    for run in range(1, args.repeat + 1):
        baselines.append(raw_executemany(rows))
        runs.append(engine_first_sync(rows, args.page))
        base, (browsable_at, searchable_at, _p, _e) = baselines[-1][0], runs[-1]
        print(f"{run:>3} {base:8.3f}s {browsable_at[0]:9.3f}s {base / browsable_at[0]:6.2f} "
              f"{searchable_at[0]:10.3f}s {base / searchable_at[0]:6.2f} {os.getloadavg()[0]:5.1f}",
              flush=True)
    baseline = _median(baselines)
    browsable = _median([run[0] for run in runs])
    searchable = _median([run[1] for run in runs])
    _b, _s, pages, events = runs[0]
    cache = _median([cache_bulk_path(rows, args.page) for _ in range(args.repeat)])
    latency = args.latency_ms / 1000
    remote_browsable, remote_searchable, _p, _e = engine_first_sync(rows, args.page, latency)

    print(f"first sync of {args.rows:,} products, pages of {args.page:,} "
          f"(median of {args.repeat} runs; CPU = this process, all threads)")
    print(f"{'path':58} {'seconds':>8} {'rows/s':>10} {'ratio':>6} {'CPU s':>6} {'ratio':>6}")
    for label, (wall, cpu) in (
        ("raw sqlite3 executemany into a bare table (baseline)", baseline),
        ("sync engine first pull: browsable (every row listed)", browsable),
        ("sync engine first pull: searchable (indexes and FTS)", searchable),
        ("for reference: the cache's bulk path alone, same pages", cache),
    ):
        print(f"{label:58} {wall:8.3f} {args.rows / wall:10,.0f} {baseline[0] / wall:6.2f} "
              f"{cpu:6.3f} {baseline[1] / cpu:6.2f}")
    print(f"with {args.latency_ms:.0f} ms per page request: browsable after "
          f"{remote_browsable[0]:.3f} s, searchable after {remote_searchable[0]:.3f} s; "
          f"fetching each page only after storing the last would take about "
          f"{browsable[0] + pages * latency:.3f} s to browsable")
    print(f"engine: {pages} page requests, {events} progress events")
    print(f"target: browsable ratio >= 0.50 (engine vs baseline); measured "
          f"{baseline[0] / browsable[0]:.2f} browsable, {baseline[0] / searchable[0]:.2f} "
          f"searchable (wall)")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
