"""Chat monitor: batches append to a capped model; auto-scroll, pin / hide, filter, questions."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from test_live_monitor_support import SHOW, chat_row, chat_rows, show_row

from studio.core.chat_rules import ChatKind
from studio.ui.models.chat_model import ChatModel, describe
from studio.ui.screens.live.chat_delegate import (
    HIDDEN_MARK,
    INTENT_MARK,
    PINNED_MARK,
    QUESTION_MARK,
    marks_of,
)
from studio.ui.screens.live.monitor_panels import ChatMonitor


class Recorder:
    """The model's structural signals, in order."""

    def __init__(self, model: ChatModel) -> None:
        self.events: list[tuple[str, int, int]] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("insert", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("remove", a, b)))
        model.modelReset.connect(lambda: self.events.append(("reset", 0, 0)))

    def kinds(self) -> set[str]:
        return {kind for kind, _a, _b in self.events}


def make_monitor(qtbot: Any, fake_context: Any, rows: list[dict[str, Any]] | None = None, *,
                 capacity: int = 5_000, roles: frozenset[str] = frozenset({"host"})
                 ) -> tuple[ChatMonitor, Any]:
    ctx = fake_context({"live_stream_sessions": [show_row()],
                        "live_stream_chat": rows or []}, roles=roles)
    monitor = ChatMonitor(ctx, capacity=capacity)
    qtbot.addWidget(monitor)
    monitor.resize(400, 700)
    monitor.show()
    return monitor, ctx


def texts(model: ChatModel) -> list[str]:
    return [m.text for m in model.messages()]


def test_a_burst_grows_the_model_batch_by_batch_in_order_without_a_reset(
        qtbot: Any, qtmodeltester: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    qtmodeltester.check(monitor.model)
    events = Recorder(monitor.model)
    sizes = []
    for batch in range(5):
        ctx.insert("live_stream_chat", chat_rows(batch * 1_000, 1_000))
        qtbot.waitUntil(lambda b=batch: monitor.model.rowCount() == (b + 1) * 1_000)
        sizes.append(monitor.model.rowCount())

    assert sizes == [1_000, 2_000, 3_000, 4_000, 5_000]
    assert texts(monitor.model) == [f"message number {n}" for n in range(5_000)]
    assert events.kinds() == {"insert"}  # appended, never reset
    assert all(first > 0 or last < 4_999 for _k, first, last in events.events)
    assert len(events.events) <= 10  # one insert per read, not per message


def test_a_message_sent_earlier_but_stored_later_takes_its_place_in_order(
        qtbot: Any, qtmodeltester: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 10))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    qtmodeltester.check(monitor.model)
    events = Recorder(monitor.model)

    # a reconnect's catch-up: stored after message 9, sent between messages 4 and 5
    ctx.insert("live_stream_chat", [chat_row(50, "late one", seconds=0.045)])
    qtbot.waitUntil(lambda: monitor.model.rowCount() == 11)

    assert texts(monitor.model)[4:7] == ["message number 4", "late one", "message number 5"]
    assert events.events == [("insert", 5, 5)]


def test_the_model_keeps_a_capped_window_and_trims_the_oldest_in_one_removal(
        qtbot: Any, qtmodeltester: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, capacity=1_500)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    qtmodeltester.check(monitor.model)
    events = Recorder(monitor.model)
    for batch in range(4):
        ctx.insert("live_stream_chat", chat_rows(batch * 1_000, 1_000))
        qtbot.waitUntil(lambda b=batch: texts(monitor.model)[-1:] == [
            f"message number {b * 1_000 + 999}"])

    assert texts(monitor.model) == [f"message number {n}" for n in range(2_500, 4_000)]
    assert "reset" not in events.kinds()
    assert ("remove", 0, 499) in events.events


def test_a_burst_far_beyond_the_window_is_shown_in_steps_and_ends_on_the_last_window(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, capacity=2_000)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    events = Recorder(monitor.model)

    ctx.insert("live_stream_chat", chat_rows(0, 12_000))  # one batch: six read pages
    qtbot.waitUntil(lambda: texts(monitor.model)[-1:] == ["message number 11999"], timeout=20_000)

    assert texts(monitor.model) == [f"message number {n}" for n in range(10_000, 12_000)]
    assert "reset" not in events.kinds()
    assert len([e for e in events.events if e[0] == "insert"]) >= 2  # shown in steps


def test_first_page_is_the_latest_window_and_scrolling_to_the_top_pages_older_in(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 250), capacity=100)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    assert texts(monitor.model) == [f"message number {n}" for n in range(150, 250)]

    bar = monitor.view.verticalScrollBar()
    bar.setValue(bar.minimum())
    qtbot.waitUntil(lambda: texts(monitor.model)[:1] == ["message number 0"])

    # at most two windows while reading far back: the newest rows are let go (still cached)
    assert texts(monitor.model) == [f"message number {n}" for n in range(200)]
    assert not monitor.following
    assert bar.value() > bar.minimum()  # the message being read stays in view
    ctx.insert("live_stream_chat", chat_rows(250, 3))
    qtbot.waitUntil(lambda: monitor.new_button.text() == "▼ 3 new")

    monitor.jump_to_live()
    qtbot.waitUntil(lambda: texts(monitor.model)[-1:] == ["message number 252"])
    assert texts(monitor.model) == [f"message number {n}" for n in range(153, 253)]


def test_auto_scroll_pauses_while_scrolled_up_and_the_new_button_counts(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 200))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    bar = monitor.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    ctx.insert("live_stream_chat", chat_rows(200, 5))
    qtbot.waitUntil(lambda: monitor.model.rowCount() == 205)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # following: stays at the end

    bar.setValue(bar.maximum() // 2)
    reading = bar.value()
    ctx.insert("live_stream_chat", chat_rows(205, 12))
    qtbot.waitUntil(lambda: monitor.new_button.isVisible())

    assert monitor.new_button.text() == "▼ 12 new"
    assert monitor.model.rowCount() == 205 and bar.value() == reading
    ctx.insert("live_stream_chat", chat_rows(217, 3))
    qtbot.waitUntil(lambda: monitor.new_button.text() == "▼ 15 new")

    qtbot.mouseClick(monitor.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert texts(monitor.model)[-15:] == [f"message number {n}" for n in range(205, 220)]
    assert monitor.following and not monitor.new_button.isVisible()


def test_more_than_a_window_while_paused_comes_back_as_the_latest_window(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 100), capacity=50)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    bar = monitor.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    ctx.insert("live_stream_chat", chat_rows(100, 120))
    qtbot.waitUntil(lambda: monitor.new_button.text() == "▼ 120 new")

    monitor.jump_to_live()
    qtbot.waitUntil(lambda: texts(monitor.model)[-1:] == ["message number 219"])
    assert texts(monitor.model) == [f"message number {n}" for n in range(170, 220)]


def _select(monitor: ChatMonitor, text: str) -> None:
    row = texts(monitor.model).index(text)
    monitor.view.setCurrentIndex(monitor.model.index(row))


def test_pin_and_hide_queue_the_outbox_op_and_the_row_shows_it(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    rows = chat_rows(0, 3)
    monitor, ctx = make_monitor(qtbot, fake_context, rows)
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    _select(monitor, "message number 1")

    qtbot.mouseClick(monitor.pin_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: monitor.model.message(1).is_pinned)
    qtbot.mouseClick(monitor.hide_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: monitor.model.message(1).is_hidden)

    ops = [(e.kind, e.target, e.payload) for e in ctx.outbox()]
    assert ops == [("upsert", "live_stream_chat", {"id": rows[1]["id"], "is_pinned": True}),
                   ("upsert", "live_stream_chat", {"id": rows[1]["id"], "is_hidden": True})]
    message = monitor.model.message(1)
    assert marks_of(message) == [PINNED_MARK, HIDDEN_MARK]
    assert describe(message).startswith("[pinned, hidden from viewers]")
    assert monitor.pin_button.text() == "Unpin" and monitor.hide_button.text() == "Unhide"
    assert not monitor.model.message(0).is_pinned and not monitor.model.message(2).is_hidden


def test_a_refused_flag_changes_nothing_and_says_why(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 2))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    message_id = monitor.model.message(0).id

    with pytest.raises(ValueError, match="only pin or hide"):
        run(monitor.set_flag(message_id, "message", True))
    assert not run(monitor.set_flag("not-a-uuid", "is_pinned", True))

    assert ctx.outbox() == []
    assert "Could not pin the message" in monitor.status.text()
    assert not any(m.is_pinned or m.is_hidden for m in monitor.model.messages())


def test_pins_and_hides_from_elsewhere_reach_the_rows(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    rows = chat_rows(0, 3)
    monitor, ctx = make_monitor(qtbot, fake_context, rows)
    monitor.follow(SHOW)
    run(monitor.feed.idle())

    ctx.insert("live_stream_chat", [{**rows[2], "is_hidden": True, "row_version": 2}])
    qtbot.waitUntil(lambda: monitor.model.message(2).is_hidden)
    ctx.insert("live_stream_chat", [{**rows[2], "is_hidden": False, "row_version": 3}])
    qtbot.waitUntil(lambda: not monitor.model.message(2).is_hidden)
    assert monitor.model.rowCount() == 3


def test_a_host_without_the_host_role_cannot_pin_or_hide(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, _ctx = make_monitor(qtbot, fake_context, chat_rows(0, 2),
                                 roles=frozenset({"customer"}))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    _select(monitor, "message number 0")
    assert not monitor.pin_button.isEnabled() and not monitor.hide_button.isEnabled()


def test_the_word_filter_hides_whole_words_only(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    rows = [chat_row(1, "you ass"), chat_row(2, "first class shipping"),
            chat_row(3, "can you assist"), chat_row(4, "SHUT   up already"),
            chat_row(5, "shut the door")]
    monitor, _ctx = make_monitor(qtbot, fake_context, rows)
    monitor.follow(SHOW)
    run(monitor.feed.idle())

    monitor.filter_edit.setText("ass, shut up,  ")
    monitor.filter_edit.editingFinished.emit()

    kinds = {m.text: m.filtered for m in monitor.model.messages()}
    assert kinds == {"you ass": True, "first class shipping": False, "can you assist": False,
                     "SHUT   up already": True, "shut the door": False}
    assert describe(monitor.model.message(0)).endswith("hidden by your word filter")
    monitor.filter_edit.setText("")
    monitor.filter_edit.editingFinished.emit()
    assert not any(m.filtered for m in monitor.model.messages())


def test_buyer_intent_is_marked_and_questions_are_queued_until_answered(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 50))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    ctx.insert("live_stream_chat", [
        chat_row(100, "SOLD! I'll take the blue one"), chat_row(101, "what fabric is it?"),
        chat_row(102, "love this"), chat_row(103, "how much is shipping?"),
        chat_row(104, "does it come in green?")])
    qtbot.waitUntil(lambda: monitor.model.rowCount() == 55)

    by_text = {m.text: m for m in monitor.model.messages()}
    assert by_text["SOLD! I'll take the blue one"].kind is ChatKind.BUYER_INTENT
    assert marks_of(by_text["SOLD! I'll take the blue one"]) == [INTENT_MARK]
    assert marks_of(by_text["what fabric is it?"]) == [QUESTION_MARK]
    assert marks_of(by_text["love this"]) == []
    # "how much" is buyer intent (highlighted), not a question for the queue
    queued = [monitor.questions.question(i).text for i in range(monitor.questions.rowCount())]
    assert queued == ["what fabric is it?", "does it come in green?"]
    assert "2 open" in monitor.questions_label.text()

    index = monitor.questions.index(0)
    monitor.questions_view.setCurrentIndex(index)
    monitor.questions_view.clicked.emit(index)
    qtbot.waitUntil(lambda: monitor.selected_message() is not None)
    assert monitor.selected_message().text == "what fabric is it?"
    assert not monitor.following
    qtbot.mouseClick(monitor.answered_button, Qt.MouseButton.LeftButton)
    assert monitor.questions.question(0).answered
    assert "1 open" in monitor.questions_label.text()

    hidden = next(m for m in monitor.model.messages() if m.text == "does it come in green?")
    assert run(monitor.set_flag(hidden.id, "is_hidden", True))
    assert [monitor.questions.question(i).text for i in range(monitor.questions.rowCount())
            ] == ["what fabric is it?"]
    assert "0 open" in monitor.questions_label.text()


def test_following_another_show_starts_over_and_ignores_the_first(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    monitor, ctx = make_monitor(qtbot, fake_context, chat_rows(0, 5))
    monitor.follow(SHOW)
    run(monitor.feed.idle())
    monitor.follow(None)
    ctx.insert("live_stream_chat", chat_rows(5, 5))
    run(monitor.feed.idle())
    assert monitor.model.rowCount() == 0 and monitor.questions.rowCount() == 0


def test_models_refuse_an_empty_window() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ChatModel(0)
