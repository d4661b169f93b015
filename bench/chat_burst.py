"""Benchmark: a chat burst through realtime (local mode) into the cache and a Qt list model.

Starts its own embedded PostgreSQL in a temporary directory, applies the migrations, signs a
host in to a local workspace (LocalBackend, offline cache, sync engine following a live show)
under the Qt event loop the app uses (qasync), and attaches the UI's SyncBridge. The control
room's chat monitor (ChatMonitor: its feed reads each batch's new messages from the cache and
classifies them on the reader thread, its model keeps the newest 5,000, its list view is shown)
follows the show. Another thread inserts chat messages into the show through its own
connection, as a busy audience would (each message with its own send time); LISTEN/NOTIFY
carries them to the engine, which writes them to the cache in batches.

1. Latency: messages inserted at a steady rate (default 200/s); for each, the time from the
   insert to the moment the monitor's feed handed it to the model: p50 and p95.
2. Burst: N messages (default 1,000,000, or as many as fit in --max-seconds; the output says
   which) inserted as fast as one connection can (transactions of 500). Reported: messages per
   second from the first insert until the model holds the last one; the longest stall of the
   UI thread, measured by a 5 ms QTimer heartbeat (the largest gap between ticks, minus 5 ms);
   the process's memory (RSS) after the burst.
3. Baseline, same run: the same number of rows appended to a bare QAbstractListModel on the UI
   thread in the same chunk sizes: rows per second, and the ratio of (2) to it.

    python bench/chat_burst.py [--messages N] [--max-seconds S] [--rate N] [--latency-count N]
                               [--json PATH]

`--json PATH` also writes the figures to PATH (bench/run_all.py gathers them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import psycopg
import qasync
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QApplication

from studio.server import db
from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
from studio.server.embedded import EmbeddedPostgres
from studio.server.migrations import MigrationRunner, schema_dir
from studio.sync.local.backend import LocalBackend
from studio.sync.workspace import Workspace
from studio.ui.context import ScreenContext
from studio.ui.models.chat_model import ChatMessage
from studio.ui.screens.live.chat_feed import ChatFeed
from studio.ui.screens.live.chat_monitor import ChatMonitor
from studio.ui.sync_bridge import SyncBridge

BURST_CHUNK = 500
HEARTBEAT_MS = 5
Index = QModelIndex | QPersistentModelIndex


class Arrivals:
    """Counts the messages the chat monitor's feed hands its model (`ChatFeed.arrived`, once
    per batch) and, while asked to, the latency of each from the stamp in its text."""

    def __init__(self, feed: ChatFeed) -> None:
        self.appended = 0
        self.latencies_ns: list[int] = []
        self.record_latency = False
        feed.arrived.connect(self.heard)

    def heard(self, messages: list[ChatMessage]) -> None:
        now = time.perf_counter_ns()
        self.appended += len(messages)
        if self.record_latency:
            for message in messages:
                sent = message.text.rpartition("@")[2]
                if sent.isdigit():
                    self.latencies_ns.append(now - int(sent))


async def _no_writes(_op: Any) -> str:
    raise RuntimeError("the benchmark's chat monitor writes nothing")


class BareListModel(QAbstractListModel):
    """The baseline: rows appended to a list, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self.rows[index.row()][1] if index.isValid() else None

    def append(self, rows: list[tuple[str, str]]) -> None:
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()


class Heartbeat:
    """A QTimer ticking every few ms on the UI thread; the largest gap is the longest stall."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - HEARTBEAT_MS / 1000)
        self._last = now


def prepare(conninfo: str) -> tuple[str, str]:
    """A verified host who can sign in, and a live show of theirs: (email, show id)."""
    user = str(uuid.uuid4())
    email = f"{user[:8]}@bench.test"
    with db.connect(conninfo, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into auth.users (id, aud, role, email, encrypted_password, created_at,"
            " updated_at) values (%s, 'authenticated', 'authenticated', %s, %s, now(), now())",
            (user, email, DEMO_PASSWORD_BCRYPT))
        cur.execute("insert into public.influencers (user_id, display_name, handle,"
                    " verification_status) values (%s, 'Bench Host', 'bench_host', 'verified')"
                    " returning id", (user,))
        host_id = cur.fetchone()[0]
        cur.execute("insert into public.live_stream_sessions (influencer_id, title, status,"
                    " scheduled_start, actual_start) values (%s, 'Bench show', 'live', now(),"
                    " now()) returning id", (host_id,))
        show = str(cur.fetchone()[0])
    return email, show


class Audience(threading.Thread):
    """Inserts chat messages into the show from its own connection; each message carries the
    perf_counter_ns of its insert after an "@"."""

    def __init__(self, conninfo: str, show: str, total: int, *, rate: float | None,
                 chunk: int, deadline: float) -> None:
        super().__init__(daemon=True)
        self._conninfo, self._show, self._total = conninfo, show, total
        self._rate, self._chunk, self._deadline = rate, chunk, deadline
        self.sent = 0
        self.started_at = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self._conninfo, autocommit=True) as conn:
                self.started_at = time.perf_counter()
                while self.sent < self._total and time.perf_counter() < self._deadline:
                    n = min(self._chunk, self._total - self.sent)
                    stamp = time.perf_counter_ns()
                    # Each message its own send time (clock_timestamp), as viewers' messages
                    # sent one by one have; a transaction's now() would give the 500 one time.
                    conn.execute(
                        "insert into public.live_stream_chat (session_id, display_name, message,"
                        " created_at) select %s, 'viewer-' || (g %% 997), 'I''ll take the scarf"
                        " in M, how much with shipping? #' || g || '@' || %s::text,"
                        " clock_timestamp() from generate_series(%s::int, %s::int) g",
                        (self._show, stamp, self.sent, self.sent + n - 1))
                    self.sent += n
                    if self._rate:
                        wait = self.started_at + self.sent / self._rate - time.perf_counter()
                        if wait > 0:
                            time.sleep(wait)
        except BaseException as e:  # reported by the main thread
            self.error = e


async def wait_for(check: Any, timeout: float) -> bool:
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)
    except TimeoutError:
        return False
    return True


async def run(args: argparse.Namespace, conninfo: str, data_dir: Path) -> dict[str, Any]:
    email, show = prepare(conninfo)
    workspace = Workspace(data_dir, LocalBackend(conninfo), "local",
                          engine_options={"poll_interval": 3600.0})
    await workspace.sign_in(email, DEMO_PASSWORD)
    engine = workspace.engine
    await engine.wait_synced()
    engine.follow_show(show)
    link = engine._link
    await wait_for(lambda: link.status.live and len(link._active) == len(link.wanted()), 30)
    bridge = SyncBridge()
    bridge.attach(engine)
    assert workspace.reader is not None
    ctx = ScreenContext(reader=workspace.reader, submit=_no_writes, signals=bridge.signals,
                        roles=frozenset({"host"}))
    monitor = ChatMonitor(ctx)
    monitor.resize(400, 700)
    monitor.show()
    monitor.follow(show)
    await monitor.feed.idle()
    model = Arrivals(monitor.feed)
    heartbeat = Heartbeat()
    results: dict[str, Any] = {"realtime": engine.realtime_status.text}
    try:
        # 1. latency at a steady rate
        model.record_latency = True
        audience = Audience(conninfo, show, args.latency_count, rate=args.rate, chunk=1,
                            deadline=time.perf_counter() + 120)
        audience.start()
        await asyncio.to_thread(audience.join)
        await wait_for(lambda: model.appended >= audience.sent, 60)
        model.record_latency = False
        lat = sorted(model.latencies_ns)
        results["latency_n"] = len(lat)
        results["p50_ms"] = lat[len(lat) // 2] / 1e6 if lat else float("nan")
        results["p95_ms"] = lat[int(len(lat) * 0.95)] / 1e6 if lat else float("nan")
        if audience.error:
            raise audience.error

        # 2. the burst
        before = model.appended
        heartbeat.start()
        started = time.perf_counter()
        audience = Audience(conninfo, show, args.messages, rate=None, chunk=BURST_CHUNK,
                            deadline=started + args.max_seconds)
        audience.start()
        await asyncio.to_thread(audience.join)
        inserted_in = time.perf_counter() - started
        arrived = await wait_for(lambda: model.appended - before >= audience.sent, 600)
        took = time.perf_counter() - started
        heartbeat.stop()
        if audience.error:
            raise audience.error
        results.update(
            burst_messages=audience.sent, burst_arrived=model.appended - before,
            burst_complete=arrived, burst_insert_s=inserted_in, burst_s=took,
            burst_rate=(model.appended - before) / took, stall_ms=heartbeat.longest * 1000,
            rss_mb=psutil.Process().memory_info().rss / 2**20,
            model_rows=monitor.model.rowCount(), batches=link.batches_written,
        )

        # 3. the bare model, same rows, same chunks, on the UI thread
        rows = [(f"viewer-{g % 997}", f"I'll take the scarf #{g}") for g in range(audience.sent)]
        bare = BareListModel()
        heartbeat.start()
        t0 = time.perf_counter()
        for i in range(0, len(rows), BURST_CHUNK):
            bare.append(rows[i:i + BURST_CHUNK])
        bare_s = time.perf_counter() - t0
        heartbeat.stop()
        results["bare_rate"] = len(rows) / bare_s if bare_s else float("inf")
    finally:
        await monitor.feed.idle()
        monitor.close()
        ctx.close()
        bridge.detach()
        await workspace.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--max-seconds", type=float, default=180.0,
                        help="stop inserting after this long (the output says how many went)")
    parser.add_argument("--rate", type=float, default=200.0, help="messages/s, latency phase")
    parser.add_argument("--latency-count", type=int, default=2_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.messages < 1 or args.latency_count < 1 or args.rate <= 0 or args.max_seconds <= 0:
        parser.error("--messages, --latency-count, --rate and --max-seconds must be positive")

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing the chat monitor must not end the loop
    with tempfile.TemporaryDirectory(prefix="shopstream-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "server", durable=False)
        server.start()
        try:
            server.ensure_database("bench")
            conninfo = server.dsn("bench")
            MigrationRunner(conninfo, schema_dir()).apply(seed=False)
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                r = loop.run_until_complete(run(args, conninfo, Path(tmp) / "data"))
        finally:
            server.stop()

    whole = "all" if r["burst_messages"] == args.messages else "stopped at --max-seconds:"
    rows = [
        ("realtime", r["realtime"]),
        (f"latency insert → model at {args.rate:g}/s (n={r['latency_n']:,})",
         f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"),
        ("burst inserted", f"{r['burst_messages']:,} messages ({whole} of {args.messages:,}) "
                           f"in {r['burst_insert_s']:.1f} s"),
        ("burst in the model", f"{r['burst_arrived']:,} in {r['burst_s']:.1f} s"
                               f"{'' if r['burst_complete'] else ' (INCOMPLETE)'}"),
        ("realtime → cache → model", f"{r['burst_rate']:,.0f} messages/s"),
        ("bare QAbstractListModel append", f"{r['bare_rate']:,.0f} rows/s"),
        ("ratio (pipeline / bare)", f"{r['burst_rate'] / r['bare_rate']:.4f}"),
        ("longest UI-thread stall (5 ms heartbeat)", f"{r['stall_ms']:.1f} ms"),
        ("cache batches written (whole run)", f"{r['batches']:,}"),
        (f"memory (RSS) after {r['burst_arrived']:,} messages",
         f"{r['rss_mb']:,.0f} MB (model keeps {r['model_rows']:,})"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.json is not None:
        figures = {k: v for k, v in r.items() if isinstance(v, (int, float, str, bool))}
        args.json.write_text(json.dumps({**figures, "requested": args.messages}, indent=1))
    return 0 if r["burst_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
