"""The sync bridge (coalescing, threads, order) and the status bar reacting to SyncSignals."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from studio.ui.context import SyncSignals
from studio.ui.status_bar import SyncStatusBar
from studio.ui.sync_bridge import SyncBridge


@dataclass
class Status:
    state: str
    pending_ops: int = 0
    detail: str = ""
    last_synced_at: object = None


@dataclass
class Progress:
    table: str
    done: int
    total: int | None


@dataclass
class Rejection:
    op_id: str
    target: str
    message: str
    sqlstate: str | None
    field: str | None


class Recorder:
    def __init__(self, signals: SyncSignals) -> None:
        self.tables: list[frozenset[str]] = []
        self.events: list[tuple] = []
        signals.tables_changed.connect(self.tables.append)
        signals.status_changed.connect(lambda *a: self.events.append(("status", *a)))
        signals.progress.connect(lambda *a: self.events.append(("progress", *a)))
        signals.op_rejected.connect(lambda *a: self.events.append(("rejected", *a)))


def test_a_burst_of_table_changes_becomes_one_emission(qtbot) -> None:
    bridge = SyncBridge()
    seen = Recorder(bridge.signals)
    for i in range(100):
        bridge.on_tables_changed(frozenset({f"t{i % 7}", "products"}))
    assert seen.tables == []  # nothing before the frame tick
    qtbot.waitUntil(lambda: bool(seen.tables), timeout=1000)
    qtbot.wait(50)  # a second emission would have come by now
    assert seen.tables == [frozenset({"products", *(f"t{i}" for i in range(7))})]

    bridge.on_tables_changed(frozenset({"live_products"}))  # the next burst is separate
    qtbot.waitUntil(lambda: len(seen.tables) == 2, timeout=1000)
    assert seen.tables[1] == frozenset({"live_products"})


def test_changes_from_other_threads_arrive_on_the_qt_thread(qtbot) -> None:
    bridge = SyncBridge()
    threads_seen: list[bool] = []
    tables: list[frozenset[str]] = []

    def record(changed: frozenset[str]) -> None:
        threads_seen.append(threading.current_thread() is threading.main_thread())
        tables.append(changed)

    bridge.signals.tables_changed.connect(record)
    workers = [threading.Thread(target=lambda n=n: [
        bridge.on_tables_changed(frozenset({f"w{n}"})) for _ in range(50)]) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    qtbot.waitUntil(lambda: bool(tables) and frozenset().union(*tables) == {"w0", "w1", "w2", "w3"},
                    timeout=1000)
    assert all(threads_seen)
    assert len(tables) <= 2  # coalesced, not 200 emissions


def test_progress_is_rate_limited_and_status_keeps_order(qtbot) -> None:
    bridge = SyncBridge()
    seen = Recorder(bridge.signals)
    for done in range(0, 5001, 100):
        bridge.on_progress(Progress("products", done, 5000))
    bridge.on_progress(Progress("categories", 3, None))
    bridge.on_status(Status("online", 0, ""))
    qtbot.waitUntil(lambda: any(e[0] == "status" for e in seen.events), timeout=1000)
    qtbot.wait(40)
    # Only the latest progress per table, delivered before the status that followed it.
    assert seen.events == [
        ("progress", "products", 5000, 5000),
        ("progress", "categories", 3, -1),
        ("status", "online", 0, ""),
    ]


def test_rejections_pass_through_and_detach_stops_listening(qtbot) -> None:
    class Engine:
        def __init__(self) -> None:
            self.listeners: list[object] = []

        def add_listener(self, listener: object) -> None:
            self.listeners.append(listener)

        def remove_listener(self, listener: object) -> None:
            self.listeners.remove(listener)

    engine = Engine()
    bridge = SyncBridge()
    seen = Recorder(bridge.signals)
    bridge.attach(engine)
    assert engine.listeners == [bridge]
    bridge.on_op_rejected(Rejection("op-1", "live_products", "allocation exceeds stock",
                                    "23514", "allocated_quantity"))
    bridge.on_op_rejected(Rejection("op-2", "start_show", "show not live", None, None))
    qtbot.waitUntil(lambda: len(seen.events) == 2, timeout=1000)
    assert seen.events == [
        ("rejected", "op-1", "live_products", "allocation exceeds stock", "23514",
         "allocated_quantity"),
        ("rejected", "op-2", "start_show", "show not live", "", ""),
    ]
    bridge.on_tables_changed(frozenset({"products"}))
    bridge.detach()  # pending changes of the old engine are dropped
    assert engine.listeners == []
    qtbot.wait(40)
    assert seen.tables == []


@pytest.fixture
def bar(qtbot) -> tuple[SyncStatusBar, SyncSignals]:
    status_bar = SyncStatusBar()
    qtbot.addWidget(status_bar)
    status_bar.show()
    signals = SyncSignals()
    status_bar.bind(signals)
    return status_bar, signals


@pytest.mark.parametrize(
    ("state", "pending", "badge"),
    [
        ("online", 0, "● Online"),
        ("syncing", 2, "⟳ Syncing…"),
        ("offline", 3, "◐ Offline — changes queued"),
        ("offline", 0, "◐ Offline"),
        ("error", 1, "✕ Sync error"),
    ],
)
def test_badge_says_the_state_in_words(bar, state: str, pending: int, badge: str) -> None:
    status_bar, signals = bar
    signals.status_changed.emit(state, pending, "server said no")
    assert status_bar.badge.text() == badge
    assert status_bar.badge.property("state") == state
    assert status_bar.badge.accessibleName() == f"Connection: {badge[2:]}"
    assert status_bar.badge.toolTip() == "server said no"


def test_pending_count(bar) -> None:
    status_bar, signals = bar
    assert status_bar.badge.text() == "◌ Connecting…"
    assert status_bar.pending_label.isHidden()
    signals.status_changed.emit("offline", 3, "")
    assert status_bar.pending_label.text() == "3 changes waiting"
    assert status_bar.pending_label.isVisible()
    signals.status_changed.emit("syncing", 1, "")
    assert status_bar.pending_label.text() == "1 change waiting"
    signals.status_changed.emit("online", 0, "")
    assert status_bar.pending_label.isHidden()


def test_progress_bar_during_first_sync(bar) -> None:
    status_bar, signals = bar
    progress = status_bar.progress_bar
    signals.status_changed.emit("syncing", 0, "")
    assert progress.isHidden()
    signals.progress.emit("products", 1200, 5000)
    assert progress.isVisible()
    assert progress.format() == "Syncing catalog 1,200 / 5,000"
    assert (progress.value(), progress.maximum()) == (1200, 5000)
    assert status_bar.activity_label.isHidden()  # the bar carries the words
    signals.progress.emit("categories", 40, -1)
    assert status_bar.progress_text == "Syncing categories 40"
    assert progress.maximum() == 0  # busy: total unknown, words beside the bar
    assert status_bar.activity_label.isVisible()
    signals.progress.emit("categories", 90, 90)
    assert progress.isHidden() and status_bar.activity_label.isHidden()
    assert status_bar.progress_text == ""
    signals.progress.emit("products", 4000, 5000)
    assert progress.isVisible()
    signals.status_changed.emit("online", 0, "")
    assert progress.isHidden()


def test_rejection_message_opens_details(qtbot, bar) -> None:
    status_bar, signals = bar
    assert status_bar.rejection_button.isHidden()
    signals.op_rejected.emit("op-9", "live_products",
                             "allocated quantity 12 exceeds the wholesaler's stock (10)",
                             "23514", "allocated_quantity")
    button = status_bar.rejection_button
    assert button.isVisible()
    assert button.text() == ("⚠ Change refused: allocated quantity 12 exceeds the "
                             "wholesaler's stock (10)")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = status_bar.findChild(QMessageBox, "rejectionDetails")
    assert box is not None and box.isVisible()
    assert "Field: allocated quantity" in box.text()
    assert "Server code: 23514" in box.text()
    assert "Change id: op-9" in box.text()
    box.accept()
    qtbot.waitUntil(button.isHidden, timeout=1000)


def test_rebinding_follows_only_the_new_signals(bar) -> None:
    status_bar, old = bar
    new = SyncSignals()
    status_bar.bind(new)
    old.status_changed.emit("error", 0, "")
    assert status_bar.state == "connecting"
    new.status_changed.emit("online", 0, "")
    assert status_bar.state == "online"


def test_identity(bar) -> None:
    status_bar, _signals = bar
    status_bar.set_identity("Local workspace — host@demo.shopstream.app (host)")
    assert status_bar.identity_label.text() == "Local workspace — host@demo.shopstream.app (host)"
