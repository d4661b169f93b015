"""The shared Qt fixtures behave as documented: the loop, run/wait_until, fake_context."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from studio.sync.cache import CacheReader, Operation

STAMP = "2026-11-20T10:00:00+00:00"
WHOLESALER = "00000000-0000-4000-b000-000000000201"


def product(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": str(uuid.UUID(int=n)), "wholesaler_id": WHOLESALER, "category_id": None,
        "sku": f"SKU-{n}", "name": f"Product {n}", "description": "", "brand": "Acme",
        "tags": [], "image_url": None, "wholesale_price": "10.00", "retail_price": "20.00",
        "stock_quantity": 5, "min_order_quantity": 1, "status": "active",
        "is_live_eligible": True, "weight_grams": None, "created_at": STAMP, "updated_at": STAMP,
        "row_version": 1,
    }
    row.update(overrides)
    return row


def test_run_returns_results_and_times_out(run) -> None:
    async def answer() -> int:
        await asyncio.sleep(0.01)
        return 42

    assert run(answer()) == 42
    assert asyncio.get_running_loop() is not None  # the loop counts as running in the test
    with pytest.raises(TimeoutError):
        run(asyncio.sleep(10), timeout=0.1)


def test_wait_until_drives_tasks(wait_until) -> None:
    done: list[bool] = []

    async def later() -> None:
        await asyncio.sleep(0.02)
        done.append(True)

    task = asyncio.ensure_future(later())  # as a slot would do
    wait_until(lambda: done)
    assert task.done()
    with pytest.raises(TimeoutError):
        wait_until(lambda: False, timeout=0.05)


def test_fake_context_reads_the_given_rows(run, fake_context) -> None:
    ctx = fake_context({"products": [product(1), product(2, name="Silk scarf")]})
    assert ctx.user_id and ctx.roles == frozenset({"host"}) and "host" in ctx.profile_ids
    rows = run(ctx.read(CacheReader.search_products, "silk"))
    assert [row["name"] for row in rows] == ["Silk scarf"]
    assert run(ctx.read(CacheReader.count_products)) == 2


def test_fake_context_submit_applies_and_queues(run, fake_context) -> None:
    ctx = fake_context({"products": [product(1)]})
    op = Operation("upsert", "products", {"id": str(uuid.UUID(int=1)), "name": "Renamed"})
    assert run(ctx.submit(op)) == op.op_id
    assert run(ctx.read(CacheReader.get, "products", str(uuid.UUID(int=1))))["name"] == "Renamed"
    assert [entry.op_id for entry in ctx.outbox()] == [op.op_id]
    assert ctx.submitted == [op]


def test_fake_context_announces_later_changes_once_per_tick(qtbot, fake_context) -> None:
    ctx = fake_context({"products": [product(1)]})
    seen: list[frozenset[str]] = []
    ctx.signals.tables_changed.connect(seen.append)
    qtbot.wait(40)
    assert seen == []  # the initial fill is not announced
    for n in range(2, 12):
        ctx.insert("products", [product(n)])
    ctx.delete("products", [str(uuid.UUID(int=2))])
    qtbot.waitUntil(lambda: bool(seen), timeout=1000)
    qtbot.wait(40)
    assert seen == [frozenset({"products"})]


class _Emitter(QObject):
    fired = Signal(bool)


def test_many_qt_calls_and_emits_do_not_exhaust_none_or_true(qapp) -> None:
    # PySide6 6.12.0 on CPython 3.11 drops a reference to None per call returning nothing and
    # to True per emit until the interpreter aborts; the pinned bindings must not.
    probe = _Emitter()
    probe.fired.connect(lambda _flag: None)
    for _ in range(50_000):
        probe.setObjectName("probe")
        probe.fired.emit(False)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(1_000):
        probe.setObjectName("probe")
        probe.fired.emit(True)
    # A leak would lose 1,000 references to each; allow for unrelated churn.
    assert sys.getrefcount(None) > before[0] - 100
    assert sys.getrefcount(True) > before[1] - 100


# A loop closed with callbacks still scheduled, then collected in a worker thread (as the
# garbage collector may do while a cache thread works), must leave no timer behind.
_COLLECTED_ELSEWHERE = """
import asyncio, gc, os, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
import qasync
from conftest import close_qloop
app = QApplication([])
for _ in range(10):
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    loop.call_later(0.01, lambda: None)
    close_qloop(app, loop)
    gc.disable()
    del loop
    worker = threading.Thread(target=gc.collect)
    worker.start()
    worker.join()
    gc.enable()
    deadline = time.monotonic() + 0.05
    while time.monotonic() < deadline:  # the orphaned timer would fire here
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
print("survived")
"""


def test_a_closed_loop_collected_in_another_thread_leaves_no_timer_behind() -> None:
    here = Path(__file__).parent
    result = subprocess.run([sys.executable, "-c", _COLLECTED_ELSEWHERE, str(here)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"
    assert "Timers cannot be stopped from another thread" not in result.stderr
