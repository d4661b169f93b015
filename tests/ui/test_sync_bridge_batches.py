"""The bridge paces table-change signals (at most one per 50 ms, however the engine's batches
come) and carries the realtime state to the Qt thread."""

from __future__ import annotations

import itertools
import threading
import time

from studio.sync.engine.realtime_link import RealtimeStatus
from studio.ui.sync_bridge import FRAME_MS, SyncBridge


def test_emissions_are_spaced_at_least_a_tick_apart_however_fast_changes_come(qtbot) -> None:
    assert 50 <= FRAME_MS <= 100
    bridge = SyncBridge()
    emitted: list[float] = []
    tables: set[str] = set()

    def heard(changed: frozenset[str]) -> None:
        emitted.append(time.monotonic())
        tables.update(changed)

    bridge.signals.tables_changed.connect(heard)
    stop = threading.Event()

    def engine() -> None:  # batches from the engine's thread every 5 ms
        n = 0
        while not stop.is_set():
            bridge.on_tables_changed(frozenset({f"t{n % 3}"}))
            n += 1
            time.sleep(0.005)

    worker = threading.Thread(target=engine)
    worker.start()
    try:
        qtbot.waitUntil(lambda: len(emitted) >= 6, timeout=5000)
    finally:
        stop.set()
        worker.join()
    gaps = [b - a for a, b in itertools.pairwise(emitted)]
    assert min(gaps) >= FRAME_MS / 1000 - 0.002  # the timer is precise to the millisecond
    assert tables == {"t0", "t1", "t2"}  # nothing is lost by pacing


def test_a_change_after_a_quiet_spell_is_not_held_back_for_a_tick(qtbot) -> None:
    bridge = SyncBridge(frame_ms=10_000)  # a tick far longer than the test may wait
    emitted: list[frozenset[str]] = []
    bridge.signals.tables_changed.connect(emitted.append)
    bridge.on_tables_changed(frozenset({"live_stream_chat"}))
    qtbot.waitUntil(lambda: bool(emitted), timeout=2000)
    assert emitted == [frozenset({"live_stream_chat"})]


def test_the_realtime_state_reaches_the_qt_thread_in_words(qtbot) -> None:
    bridge = SyncBridge()
    heard: list[tuple[bool, str]] = []
    bridge.signals.realtime_changed.connect(lambda live, text: heard.append((live, text)))
    down = RealtimeStatus(False, "could not reach realtime", 10.0)
    threading.Thread(target=bridge.on_realtime, args=(down,)).start()
    bridge.on_realtime(RealtimeStatus(True))
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=2000)
    assert sorted(heard) == [
        (False, "Polling every 10 s (realtime down: could not reach realtime)"),
        (True, "Live updates"),
    ]
