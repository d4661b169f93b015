"""The cache reads the monitor panels use: new rows by insert order, updated rows, pages."""

from __future__ import annotations

from typing import Any

import pytest
from test_live_monitor_support import OTHER_SHOW, SHOW, at, chat_row, chat_rows, viewer_row

from studio.sync.cache import CacheReader
from studio.sync.cache.errors import CacheDataError


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def test_rows_since_reads_what_was_stored_after_a_point_whatever_its_time(
        fake_context: Any) -> None:
    ctx = fake_context({"live_stream_chat": [*chat_rows(0, 5),
                                             chat_row(9, session=OTHER_SHOW)]})
    reader: CacheReader = ctx.reader
    seq, first = reader.show_rows_since("live_stream_chat", SHOW)
    assert ids(first) == ids(chat_rows(0, 5))

    ctx.insert("live_stream_chat", [chat_row(20, seconds=0.001), chat_row(21)])
    newer, rows = reader.show_rows_since("live_stream_chat", SHOW, after_seq=seq)
    assert ids(rows) == [chat_row(20)["id"], chat_row(21)["id"]]  # stored order, not sent
    assert reader.show_rows_since("live_stream_chat", SHOW, after_seq=newer) == (newer, [])

    latest_seq, latest = reader.show_rows_since("live_stream_chat", SHOW, limit=2, latest=True)
    assert (latest_seq, ids(latest)) == (newer, [chat_row(20)["id"], chat_row(21)["id"]])


def test_rows_since_also_reads_rows_updated_since_a_stamp(fake_context: Any) -> None:
    ctx = fake_context({"live_stream_viewers": [viewer_row(n, joined=n) for n in range(5)]})
    seq, _rows = ctx.reader.show_rows_since("live_stream_viewers", SHOW)
    ctx.insert("live_stream_viewers", [viewer_row(1, joined=1, left=100)])

    _seq, rows = ctx.reader.show_rows_since("live_stream_viewers", SHOW, after_seq=seq,
                                            updated_since=at(50))
    assert ids(rows) == [viewer_row(1, 0)["id"]]


def test_chat_pages_before_a_message_and_flagged_messages(fake_context: Any) -> None:
    rows = chat_rows(0, 10)
    rows[3]["is_pinned"] = True
    rows[7]["is_hidden"] = True
    ctx = fake_context({"live_stream_chat": rows})
    reader: CacheReader = ctx.reader
    fifth = rows[5]

    assert ids(reader.chat_before(SHOW, reader.get("live_stream_chat", fifth["id"])[
        "created_at"], fifth["id"], limit=3)) == ids(rows[2:5])
    since = reader.get("live_stream_chat", rows[4]["id"])["created_at"]
    assert ids(reader.chat_flagged(SHOW, since)) == [rows[7]["id"]]


def test_a_bad_show_id_is_refused_in_words(fake_context: Any) -> None:
    ctx = fake_context()
    with pytest.raises(CacheDataError, match="session_id"):
        ctx.reader.show_rows_since("live_stream_chat", "not a uuid")
