"""Domain records: enums equal to the server's, immutability, row conversion."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from uuid import UUID

import pytest

from studio.core import models
from studio.core.models import (
    Achievement,
    GoalPeriod,
    LineupItem,
    LiveProductStatus,
    Notification,
    NotificationType,
    Product,
    ProductStatus,
    Show,
    ShowStatus,
)
from studio.core.rows import RowError, from_row, to_row

CORE_TABLES = (
    Path(__file__).resolve().parents[2]
    / "backend_schema/supabase/migrations/20261124000100_core_tables.sql"
)

ENUM_FOR_SQL_TYPE = {
    "verification_status": models.VerificationStatus,
    "admin_role": models.AdminRole,
    "product_status": models.ProductStatus,
    "live_product_status": models.LiveProductStatus,
    "session_status": models.ShowStatus,
    "order_status": models.OrderStatus,
    "payment_status": models.PaymentStatus,
    "query_status": models.QueryStatus,
    "query_priority": models.QueryPriority,
    "chat_message_type": models.ChatMessageType,
    "goal_type": models.GoalType,
    "goal_period": models.GoalPeriod,
    "goal_status": models.GoalStatus,
    "earning_status": models.EarningStatus,
    "notification_type": models.NotificationType,
}


def sql_enums() -> dict[str, list[str]]:
    text = CORE_TABLES.read_text()
    found = re.findall(r"create type public\.(\w+) as enum\s*\(([^)]*)\)", text)
    return {name: re.findall(r"'([^']*)'", labels) for name, labels in found}


def test_every_server_enum_has_a_studio_enum_with_the_same_labels_in_order() -> None:
    server = sql_enums()
    assert set(server) == set(ENUM_FOR_SQL_TYPE)
    for sql_name, enum_cls in ENUM_FOR_SQL_TYPE.items():
        assert [member.value for member in enum_cls] == server[sql_name], sql_name


def test_every_studio_enum_mirrors_a_server_enum() -> None:
    studio_enums = {
        obj for obj in vars(models).values() if isinstance(obj, type) and issubclass(obj, StrEnum)
    }
    studio_enums.discard(StrEnum)
    assert studio_enums == set(ENUM_FOR_SQL_TYPE.values())


def test_records_are_immutable(build) -> None:
    product = build.product()
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.retail_price = Decimal("1.00")  # type: ignore[misc]


def test_record_properties(build) -> None:
    assert build.product(stock_quantity=0).in_stock is False
    assert build.product(stock_quantity=1).in_stock is True
    assert build.show(status=ShowStatus.ENDED).is_finished
    assert build.show(status=ShowStatus.CANCELLED).is_finished
    assert not build.show(status=ShowStatus.LIVE).is_finished
    item = build.item(allocated_quantity=10, sold_quantity=4)
    assert item.remaining_quantity == 6
    assert build.item(allocated_quantity=2, sold_quantity=5).remaining_quantity == 0
    assert item.has_flash_window is False
    at = datetime(2026, 12, 1, 18, 5, tzinfo=UTC)
    flash = build.item(flash_price=Decimal("9.99"), flash_starts_at=at, flash_ends_at=at)
    assert flash.has_flash_window is True
    assert build.item(flash_price=Decimal("9.99")).has_flash_window is False
    achievement = Achievement(
        id=build.new_id(),
        influencer_id=build.host_id,
        achievement_key="first_show",
        title="First show",
        target=Decimal("1"),
    )
    assert achievement.is_unlocked is False
    assert dataclasses.replace(achievement, unlocked_at=at).is_unlocked is True


def test_notifications_with_data_can_be_hashed_and_compared(build) -> None:
    fields = {
        "id": build.new_id(),
        "influencer_id": build.host_id,
        "type": NotificationType.SOLD_OUT,
        "title": "Sold out",
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
    }
    first = Notification(**fields, data={"live_product_id": "x"})
    assert first == Notification(**fields, data={"live_product_id": "x"})
    assert first != Notification(**fields, data={})
    assert hash(first) == hash(Notification(**fields, data={"other": 1}))


POSTGREST_PRODUCT = {
    "id": "00000000-0000-0000-0000-000000000011",
    "wholesaler_id": "00000000-0000-0000-0000-000000000012",
    "category_id": None,
    "sku": "MUG-1",
    "name": "Mug",
    "brand": "Clay Co",
    "tags": ["kitchen", "gift"],
    "description": None,
    "image_url": None,
    "wholesale_price": 4.5,
    "retail_price": "12.99",
    "stock_quantity": 40,
    "min_order_quantity": 1,
    "status": "active",
    "is_live_eligible": True,
    "weight_grams": 350,
    "created_at": "2026-11-24T10:00:00+00:00",
}


def test_from_row_converts_postgrest_json_and_ignores_other_columns() -> None:
    product = from_row(Product, POSTGREST_PRODUCT)
    assert product == Product(
        id=UUID(int=0x11),
        wholesaler_id=UUID(int=0x12),
        sku="MUG-1",
        name="Mug",
        brand="Clay Co",
        tags=("kitchen", "gift"),
        wholesale_price=Decimal("4.5"),
        retail_price=Decimal("12.99"),
        stock_quantity=40,
        status=ProductStatus.ACTIVE,
    )


def test_from_row_converts_cache_rows() -> None:
    row = {
        **POSTGREST_PRODUCT,
        "tags": json.dumps(["a"]),
        "is_live_eligible": 0,
        "status": "discontinued",
    }
    product = from_row(Product, row)
    assert product.tags == ("a",)
    assert product.is_live_eligible is False
    assert product.status is ProductStatus.DISCONTINUED


def test_from_row_parses_timestamps_dates_and_json_objects() -> None:
    show = from_row(
        Show,
        {
            "id": str(UUID(int=1)),
            "influencer_id": str(UUID(int=2)),
            "title": "T",
            "scheduled_start": "2026-12-01T18:00:00Z",
            "status": "live",
        },
    )
    assert show.scheduled_start == datetime(2026, 12, 1, 18, tzinfo=UTC)
    assert show.status is ShowStatus.LIVE
    assert show.scheduled_end is None
    goal = from_row(
        models.Goal,
        {
            "id": str(UUID(int=1)),
            "influencer_id": str(UUID(int=2)),
            "title": "Sales",
            "goal_type": "revenue",
            "period": "weekly",
            "period_start": "2026-11-23",
            "period_end": "2026-11-29",
            "target_value": "1000.00",
        },
    )
    assert (goal.period, goal.period_start) == (GoalPeriod.WEEKLY, date(2026, 11, 23))
    note = from_row(
        Notification,
        {
            "id": str(UUID(int=1)),
            "influencer_id": str(UUID(int=2)),
            "type": "order",
            "title": "New order",
            "created_at": "2026-12-01T18:00:00+00:00",
            "data": '{"units": 2}',
        },
    )
    assert note.data == {"units": 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sku": None}, r"^Product\.sku: null is not allowed$"),
        ({"retail_price": "abc"}, r"^Product\.retail_price: .* \(got 'abc'\)$"),
        ({"retail_price": True}, r"^Product\.retail_price: expected a number"),
        ({"retail_price": "NaN"}, r"^Product\.retail_price: expected a finite number"),
        ({"stock_quantity": "4"}, r"^Product\.stock_quantity: expected an integer"),
        ({"status": "sold"}, r"^Product\.status: 'sold' is not a valid ProductStatus"),
        ({"id": "not-a-uuid"}, r"^Product\.id: "),
        ({"tags": [1, 2]}, r"^Product\.tags: expected a list of text"),
        ({"is_live_eligible": "yes"}, r"^Product\.is_live_eligible: expected a boolean"),
        ({"name": 5}, r"^Product\.name: expected text"),
    ],
)
def test_from_row_names_the_bad_column(change: dict[str, object], message: str) -> None:
    with pytest.raises(RowError, match=message):
        from_row(Product, {**POSTGREST_PRODUCT, **change})


def test_from_row_requires_columns_without_defaults() -> None:
    row = dict(POSTGREST_PRODUCT)
    del row["retail_price"]
    with pytest.raises(RowError, match=r"^Product\.retail_price: column missing$"):
        from_row(Product, row)


def test_from_row_refuses_a_timestamp_where_a_date_belongs() -> None:
    row = {
        "id": str(UUID(int=1)),
        "influencer_id": str(UUID(int=2)),
        "title": "Sales",
        "goal_type": "revenue",
        "period": "weekly",
        "period_start": datetime(2026, 11, 23, tzinfo=UTC),
        "period_end": "2026-11-29",
        "target_value": 10,
    }
    with pytest.raises(RowError, match=r"^Goal\.period_start: expected a date, not a timestamp"):
        from_row(models.Goal, row)


def test_to_row_gives_json_ready_values_and_round_trips(build) -> None:
    at = datetime(2026, 12, 1, 18, 5, tzinfo=UTC)
    item = build.item(
        build.product(),
        flash_price=Decimal("9.99"),
        flash_starts_at=at,
        flash_ends_at=at,
        status=LiveProductStatus.HIDDEN,
    )
    row = to_row(item)
    json.dumps(row)  # serialisable as is
    assert row["id"] == str(item.id)
    assert row["live_price"] == "24.99"
    assert row["status"] == "hidden"
    assert row["flash_starts_at"] == "2026-12-01T18:05:00+00:00"
    assert row["max_per_buyer"] is None
    assert from_row(LineupItem, row) == item
    product = build.product(tags=("a", "b"))
    assert to_row(product)["tags"] == ["a", "b"]
    assert from_row(Product, to_row(product)) == product


def test_to_row_with_a_field_subset_for_partial_updates(build) -> None:
    item = build.item()
    assert to_row(item, ["live_price", "position"]) == {"position": 0, "live_price": "24.99"}
    with pytest.raises(ValueError, match=r"^LineupItem has no field\(s\): nope, sold$"):
        to_row(item, ["live_price", "sold", "nope"])
    with pytest.raises(TypeError, match="expected a record, got dict"):
        to_row({"a": 1})
