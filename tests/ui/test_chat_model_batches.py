"""The chat model's work per batch follows the batch, not the window (no walk over 5,000 rows
per tick), and following a show keeps full garbage collections off the app's heap."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from test_live_monitor_support import SHOW, chat_row, show_row

from studio.core.chat_rules import ChatKind
from studio.ui.models.chat_model import ChatMessage, ChatModel
from studio.ui.screens.live.chat_feed import _HeapHold
from studio.ui.screens.live.monitor_panels import ChatMonitor

touched: set[str] = set()


class Watched(ChatMessage):
    """A message that notes every read of it (by its id)."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        touched.add(object.__getattribute__(self, "id"))
        return object.__getattribute__(self, name)


def message(n: int, *, seconds: float | None = None, pinned: bool = False,
            hidden: bool = False) -> Watched:
    row = chat_row(n, f"message {n}", seconds=seconds)
    return Watched(row["id"], row["created_at"], row["display_name"], row["message"],
                   "message", pinned, hidden, ChatKind.MESSAGE, False, False)


def ids(messages: list[Watched]) -> set[str]:
    return {object.__getattribute__(m, "id") for m in messages}


@pytest.fixture(autouse=True)
def _clear() -> None:
    touched.clear()


def texts(model: ChatModel) -> list[str]:
    return [m.text for m in model.messages()]


def test_after_a_catch_up_longer_than_the_window_a_batch_reads_only_itself_and_the_trimmed(
        qtmodeltester: Any) -> None:
    model = ChatModel(capacity=100)
    model.add([message(n) for n in range(50)])
    model.add([message(n) for n in range(50, 350)])  # a catch-up longer than the window
    window = list(model.messages())
    touched.clear()
    batch = [message(n) for n in range(350, 360)]

    model.add(batch)

    assert touched <= ids(batch) | ids(window[:10])  # not the 90 rows that stay
    assert texts(model) == [f"message {n}" for n in range(260, 360)]
    assert all(model.row_of(m.id) == i for i, m in enumerate(model.messages()))
    qtmodeltester.check(model)


def test_late_messages_take_their_places_and_the_next_batch_reads_only_its_rows(
        qtmodeltester: Any) -> None:
    model = ChatModel(capacity=1_000)
    model.add([message(n) for n in range(0, 400, 2)])  # even numbers
    events: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: events.append((a, b)))
    late = [message(n) for n in (391, 393, 395, 397)]  # sent before the last rows shown
    model.add(late)

    order = [m.key for m in model.messages()]
    assert order == sorted(order)
    assert [m.text for m in model.messages()][-10:] == [
        f"message {n}" for n in (388, 390, 391, 392, 393, 394, 395, 396, 397, 398)]
    assert len(events) == 4  # one insert per place

    before = list(model.messages())
    touched.clear()
    batch = [message(n) for n in range(400, 405)]
    model.add(batch)
    assert touched <= ids(batch)  # the id map held: no rebuild over the window
    assert list(model.messages())[: len(before)] == before
    assert all(model.row_of(m.id) == i for i, m in enumerate(model.messages()))
    qtmodeltester.check(model)


def test_matching_flags_reads_only_the_flagged_rows() -> None:
    model = ChatModel(capacity=500)
    window = [message(n, pinned=(n == 10)) for n in range(300)]
    model.add(window)
    hide, since, later = window[200], window[0].created_at, window[250].created_at
    flagged_rows = [{"id": hide.id, "is_pinned": False, "is_hidden": True}]
    touched.clear()

    changed = model.sync_flags(flagged_rows, since)

    assert changed == 2
    assert touched <= ids([window[10], hide])
    assert not model.message(10).is_pinned and model.message(200).is_hidden
    flagged = [i for i, m in enumerate(model.messages()) if m.is_pinned or m.is_hidden]
    assert flagged == [200]
    # Matching again changes nothing; a row flagged before `since` is left alone.
    assert model.sync_flags(flagged_rows, since) == 0
    assert model.sync_flags([], later) == 0
    assert model.message(200).is_hidden


def test_following_a_show_freezes_the_heap_and_stopping_thaws_it(
        qtbot: Any, fake_context: Any, run: Any) -> None:
    gc.unfreeze()
    ctx = fake_context({"live_stream_sessions": [show_row()],
                        "live_stream_chat": [chat_row(n) for n in range(3)]})
    monitor = ChatMonitor(ctx, capacity=50)
    qtbot.addWidget(monitor)
    assert gc.get_freeze_count() == 0

    monitor.follow(SHOW)
    run(monitor.feed.idle())
    assert gc.get_freeze_count() > 0
    assert monitor.model.rowCount() == 3

    monitor.follow(None)
    assert gc.get_freeze_count() == 0
    assert not _HeapHold.holders


def test_a_feed_deleted_while_following_thaws_the_heap(
        qtbot: Any, fake_context: Any, run: Any) -> None:
    gc.unfreeze()
    ctx = fake_context({"live_stream_sessions": [show_row()], "live_stream_chat": []})
    monitor = ChatMonitor(ctx, capacity=50)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    assert gc.get_freeze_count() > 0

    monitor.deleteLater()
    qtbot.waitUntil(lambda: not _HeapHold.holders)
    assert gc.get_freeze_count() == 0
