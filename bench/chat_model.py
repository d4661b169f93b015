"""Benchmark: the control room's chat model (studio.ui.models.chat_model) under a burst.

1. Model: N messages (default 1,000,000) classified (buyer intent, questions, word filter) and
   appended to a ChatModel (capped window, default 5,000 rows) in batches of B (default 1,000),
   with a list view showing it; against appending the same rows to a bare QAbstractListModel
   in the same batches, same run. Classification runs on the reader thread in the app, so it
   is measured apart. Reported: messages per second of each and their ratio, the longest
   batch on the UI thread, and the process's memory (RSS) after the N messages.
2. Through the cache: M messages (default 100,000) written to a real offline cache by another
   thread in transactions of 500, announced through the shell's SyncBridge (one
   tables_changed per 50 ms); the chat monitor reads each batch's new rows on the reader
   thread and appends them. Reported: messages per second from the first write until the
   model holds the last, batches seen, and the longest UI-thread stall (a 5 ms QTimer
   heartbeat: the largest gap between ticks minus 5 ms).

    python bench/chat_model.py [--messages N] [--batch B] [--cache-messages M] [--capacity C]
                               [--json PATH]

`--json PATH` also writes the figures to PATH (bench/run_all.py gathers them).

`run_model_burst` and `run_cache_burst` can be imported by other benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import qasync
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QListView

from studio.core.chat_rules import WordFilter
from studio.sync.cache import CacheDatabase, CacheReader, CacheStore, CacheWriter
from studio.ui.context import ScreenContext
from studio.ui.models.chat_model import ChatModel, message_from_row
from studio.ui.screens.live.chat_delegate import ChatDelegate
from studio.ui.screens.live.chat_monitor import LAYOUT_BATCH, ChatMonitor
from studio.ui.sync_bridge import SyncBridge

HEARTBEAT_MS = 5
WRITE_CHUNK = 500
SHOW = "5e000000-0000-4000-a000-00000000be4c"
T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
LINES = ("SOLD! I'll take the blue one", "what fabric is it?", "love this colour",
         "how much is shipping?", "does it come in green?", "size M please", "hi from Ohio",
         "is this the same as last week?", "XL?", "this is so cute", "mine!!", "shut up")
Index = QModelIndex | QPersistentModelIndex


class BareModel(QAbstractListModel):
    """The baseline: a plain list of rows, appended to, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self.rows[index.row()]["message"]
        return None

    def append(self, rows: list[dict[str, Any]]) -> None:
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
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
        self.longest, self._last = 0.0, time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - HEARTBEAT_MS / 1000)
        self._last = now


def chat_row(n: int) -> dict[str, Any]:
    stamp = (T0 + timedelta(milliseconds=n)).isoformat()
    return {"id": f"00000000-0000-4000-8000-{n:012x}", "session_id": SHOW, "user_id": None,
            "display_name": f"viewer{n % 5000}", "message": LINES[n % len(LINES)],
            "message_type": "message", "is_pinned": False, "is_hidden": False,
            "created_at": stamp, "updated_at": stamp, "row_version": 1}


def _view_of(model: QAbstractListModel) -> QListView:
    view = QListView()  # set up as the chat monitor's (both models get the same view)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(LAYOUT_BATCH)
    view.setModel(model)
    view.resize(400, 560)
    view.show()
    return view


def _drain(app: QApplication) -> None:
    app.processEvents()


def run_model_burst(app: QApplication, total: int, batch: int, capacity: int) -> dict[str, Any]:
    """Part 1: the chat model vs a bare model, same rows, same batches, same run. The chat
    monitor classifies on the reader thread, so the UI thread's share is timed apart from it:
    each batch's append plus the view's event processing, summed and at its longest."""
    rows = [chat_row(n) for n in range(batch * 10)]  # recycled: row content, not ids, matters
    word_filter = WordFilter(["shut up"])
    started = time.perf_counter()
    classified = [message_from_row(row, word_filter) for row in rows]
    classify_rate = len(rows) / (time.perf_counter() - started)

    def bare_batches() -> Any:
        for start in range(0, total, batch):
            yield [rows[(start + i) % len(rows)] for i in range(min(batch, total - start))]

    def chat_batches() -> Any:
        for start in range(0, total, batch):
            yield [replace(classified[(start + i) % len(classified)], id=f"m{start + i}",
                           created_at=f"{start + i:012d}")
                   for i in range(min(batch, total - start))]

    def timed(model: Any, append: Any, batches: Any) -> tuple[float, float]:
        view = _view_of(model)
        if isinstance(model, ChatModel):
            view.setItemDelegate(ChatDelegate(view))
        spent = longest = 0.0
        for chunk in batches:
            began = time.perf_counter()
            append(chunk)
            view.scrollToBottom()
            app.processEvents()
            took = time.perf_counter() - began
            spent, longest = spent + took, max(longest, took)
        view.close()
        return total / spent, longest

    bare = BareModel()

    def bare_append(chunk: list[dict[str, Any]]) -> None:
        bare.append(chunk)
        if len(bare.rows) > capacity:  # the same cap, so both hold the same window
            bare.beginRemoveRows(QModelIndex(), 0, len(bare.rows) - capacity - 1)
            del bare.rows[: len(bare.rows) - capacity]
            bare.endRemoveRows()

    bare_rate, bare_longest = timed(bare, bare_append, bare_batches())
    bare.rows.clear()
    gc.collect()
    rss_before = psutil.Process().memory_info().rss
    model = ChatModel(capacity)
    model.set_word_filter(word_filter)
    model_rate, model_longest = timed(model, model.add, chat_batches())
    gc.collect()
    rss_after = psutil.Process().memory_info().rss
    return {"messages": total, "batch": batch, "capacity": capacity,
            "classify_rate": classify_rate, "model_rate": model_rate, "bare_rate": bare_rate,
            "ratio": model_rate / bare_rate, "model_longest_ms": model_longest * 1000,
            "bare_longest_ms": bare_longest * 1000, "rows_kept": model.rowCount(),
            "rss_mb": rss_after / 2**20, "rss_growth_mb": (rss_after - rss_before) / 2**20}


async def _cache_burst(total: int, capacity: int, folder: Path) -> dict[str, Any]:
    database = CacheDatabase.open(folder / "cache.sqlite3")
    bridge = SyncBridge()
    writer = CacheWriter(database, on_change=bridge.on_tables_changed)
    ctx = ScreenContext(reader=CacheReader(database), submit=_no_writes, signals=bridge.signals,
                        roles=frozenset({"host"}))
    monitor = ChatMonitor(ctx, capacity=capacity)
    monitor.resize(400, 700)
    monitor.show()
    monitor.follow(SHOW)
    await monitor.feed.idle()
    batches = 0

    def count(_tables: frozenset[str]) -> None:
        nonlocal batches
        batches += 1

    bridge.signals.tables_changed.connect(count)
    last_text = LINES[(total - 1) % len(LINES)]
    last_id = chat_row(total - 1)["id"]

    def write() -> None:
        for start in range(0, total, WRITE_CHUNK):
            writer.call(CacheStore.upsert_rows, "live_stream_chat",
                        [chat_row(n) for n in range(start, min(start + WRITE_CHUNK, total))])

    beat = Heartbeat()
    beat.start()
    started = time.perf_counter()
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    while True:
        last = monitor.model.oldest and monitor.model.message(monitor.model.rowCount() - 1)
        if last and last.id == last_id and last.text == last_text:
            break
        await asyncio.sleep(0.002)
    took = time.perf_counter() - started
    beat.stop()
    thread.join()
    result = {"messages": total, "rate": total / took, "batches": batches,
              "stall_ms": beat.longest * 1000, "rows_kept": monitor.model.rowCount()}
    await monitor.feed.idle()
    bridge.signals.tables_changed.disconnect(monitor.feed.on_tables_changed)
    monitor.close()
    ctx.close()
    bridge.detach()
    writer.close()
    database.close()
    return result


async def _no_writes(_op: Any) -> str:
    raise RuntimeError("the benchmark writes no chat flags")


def run_cache_burst(total: int, capacity: int) -> dict[str, Any]:
    """Part 2: written to a real cache by another thread, read by the chat monitor."""
    loop = asyncio.get_event_loop()
    with tempfile.TemporaryDirectory(prefix="chat-model-bench-") as folder:
        return loop.run_until_complete(_cache_burst(total, capacity, Path(folder)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--cache-messages", type=int, default=100_000)
    parser.add_argument("--capacity", type=int, default=5_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if min(args.messages, args.batch, args.cache_messages, args.capacity) < 1:
        parser.error("every count must be at least 1")
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    model = run_model_burst(app, args.messages, args.batch, args.capacity)
    print(f"chat model: {model['messages']:,} messages in batches of {model['batch']:,} "
          f"(window {model['capacity']:,} rows, list view shown)")
    print(f"  chat model  {model['model_rate']:>12,.0f} messages/s appended (UI thread), "
          f"longest batch {model['model_longest_ms']:.1f} ms")
    print(f"  bare model  {model['bare_rate']:>12,.0f} rows/s appended (UI thread), "
          f"longest batch {model['bare_longest_ms']:.1f} ms")
    print(f"  ratio       {model['ratio']:>12.2f}")
    print(f"  classifying {model['classify_rate']:>12,.0f} messages/s (reader thread in the app)")
    print(f"  after {model['messages']:,} messages: {model['rows_kept']:,} rows kept, "
          f"RSS {model['rss_mb']:.0f} MB ({model['rss_growth_mb']:+.1f} MB during the burst)")

    cache = run_cache_burst(args.cache_messages, args.capacity)
    print(f"through the cache: {cache['messages']:,} messages written by another thread in "
          f"transactions of {WRITE_CHUNK}")
    print(f"  {cache['rate']:,.0f} messages/s into the model, {cache['batches']:,} change "
          f"batches, longest UI-thread stall {cache['stall_ms']:.1f} ms, "
          f"{cache['rows_kept']:,} rows kept")
    loop.close()
    if args.json is not None:
        args.json.write_text(json.dumps({"model": model, "cache": cache}, indent=1,
                                        default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
