"""The lineup builder's glue: cache rows to records, changes to operations with only the columns a
host may write, and where a refusal belongs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from studio.core.lineup import Lineup
from studio.core.models import LineupItem, LiveProductStatus, Show
from studio.sync.lineup_ops import (
    ITEM_INSERT_COLUMNS,
    SHOW_INSERT_COLUMNS,
    SentEdit,
    decode_ids,
    item_from_row,
    lineup_ops,
    parse_cell,
    refused_field,
    server_row,
    show_ops,
    stepped_order,
)

SHOW = Show(id=UUID(int=1), influencer_id=UUID(int=2), title="Cozy Sunday",
            scheduled_start=datetime(2026, 12, 6, 18, tzinfo=UTC))


def item(n: int, **changes: object) -> LineupItem:
    base = LineupItem(id=UUID(int=100 + n), session_id=SHOW.id, influencer_id=SHOW.influencer_id,
                      product_id=UUID(int=10 + n), name=f"Item {n}", live_price=Decimal("20.00"),
                      allocated_quantity=5, position=n, compare_at_price=Decimal("25.00"))
    return replace(base, **changes)


def test_a_cached_row_becomes_a_record_with_decimal_money() -> None:
    row = {"id": str(UUID(int=5)), "session_id": str(SHOW.id), "influencer_id": str(UUID(int=2)),
           "product_id": None, "name": "Mug", "position": 2, "live_price_cents": 1999,
           "compare_at_price_cents": None, "allocated_quantity": 4, "sold_quantity": 1,
           "revenue_cents": 1999, "status": "active", "flash_price_cents": None,
           "created_at": "2026-11-20T10:00:00.000000Z"}
    assert server_row("live_products", row)["live_price"] == Decimal("19.99")
    record = item_from_row(row)
    assert (record.live_price, record.compare_at_price, record.revenue, record.position) == (
        Decimal("19.99"), None, Decimal("19.99"), 2)
    assert record.status == LiveProductStatus.ACTIVE


def test_a_new_show_sends_the_insertable_columns_and_an_edit_only_the_changes() -> None:
    (create,) = show_ops(None, SHOW)
    assert (create.kind, create.target, set(create.payload)) == (
        "upsert", "live_stream_sessions", set(SHOW_INSERT_COLUMNS))
    assert "status" not in create.payload and "session_code" not in create.payload
    (edit,) = show_ops(SHOW, replace(SHOW, title="Cozy Sunday II", status=SHOW.status))
    assert edit.payload == {"id": str(SHOW.id), "title": "Cozy Sunday II"}
    assert show_ops(SHOW, replace(SHOW, peak_viewers=9)) == []  # not the host's to write


def test_lineup_changes_become_deletes_inserts_and_column_edits() -> None:
    before = Lineup.of(SHOW, [item(0), item(1), item(2, sold_quantity=1)])
    after = Lineup.of(SHOW, [item(2, position=0, live_price=Decimal("18.00")),
                             item(1, position=1), item(3, position=2)])
    ops = lineup_ops(before, after)
    # Item 1 keeps its place and values: nothing to send for it.
    assert [(op.kind, op.payload.get("id")) for op in ops] == [
        ("delete", str(item(0).id)), ("upsert", str(item(3).id)), ("upsert", str(item(2).id))]
    assert set(ops[1].payload) == set(ITEM_INSERT_COLUMNS)
    assert ops[2].payload == {"id": str(item(2).id), "position": 0, "live_price": "18.00"}
    assert lineup_ops(before, before) == []


def test_a_refusal_belongs_to_the_named_field_then_the_constraint_then_the_edit() -> None:
    edit = SentEdit("live_products", "x", ("live_price",))
    assert refused_field(edit, "allocated_quantity", "anything") == "allocated_quantity"
    message = 'violates check constraint "live_products_compare_at_not_below_price"'
    assert refused_field(edit, "", message) == "compare_at_price"
    assert refused_field(edit, "", "permission denied") == "live_price"
    assert refused_field(SentEdit("live_products", "x", ("position", "live_price")), "",
                         "permission denied") == ""
    assert refused_field(None, "", "permission denied") == ""


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("live_price", "$1,234.50", Decimal("1234.50")),
        ("live_price", " 19.9 ", Decimal("19.90")),
        ("compare_at_price", "  ", None),
        ("allocated_quantity", "1,000", 1000),
        ("allocated_quantity", "-3", -3),  # parsed; the rules then refuse it at the field
    ],
)
def test_cell_text_is_parsed_as_the_user_typed_it(field: str, text: str, value: object) -> None:
    assert parse_cell(field, text) == value


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("live_price", "", "Enter a price"),
        ("live_price", "12.345", "Prices have at most 2 decimal places"),
        ("allocated_quantity", "2.5", "Enter a whole number of units, not '2.5'"),
    ],
)
def test_bad_cell_text_is_refused_with_a_message(field: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cell(field, text)


def test_drag_payloads_must_be_json_lists_of_ids() -> None:
    assert decode_ids(b'["00000000-0000-0000-0000-000000000001"]') == [UUID(int=1)]
    for raw in (b"{}", b"nope", b'["not-a-uuid"]', b"\xff"):
        assert decode_ids(raw) is None


def test_stepping_moves_each_chosen_item_unless_it_is_blocked() -> None:
    a, b, c, d = (UUID(int=n) for n in range(4))
    assert stepped_order([a, b, c, d], [b, d], -1) == [b, a, d, c]
    assert stepped_order([a, b, c, d], [a, c], -1) == [a, c, b, d]  # a is at the top
    assert stepped_order([a, b, c, d], [c, d], 1) == [a, b, c, d]  # a block at the bottom
    assert stepped_order([a, b, c, d], [a], 1) == [b, a, c, d]
