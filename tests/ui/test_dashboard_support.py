"""A host's dashboard as cache rows (shows, sales, commission, goals, badges, news) and the
Dashboard screen over them, for the dashboard view tests (no tests here)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from lineup_support import HOST, show_row, uid  # noqa: E402

from studio.ui.actions import ActionRegistry  # noqa: E402
from studio.ui.screens.dashboard.screen import DashboardScreen  # noqa: E402

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
STAMP = "2026-11-01T10:00:00.000000+00:00"


def ts(moment: datetime) -> str:
    return moment.isoformat()


def order_item_id(n: int) -> str:
    return uid(n, 21)


def order_id(n: int) -> str:
    return uid(n, 22)


def earning_id(n: int) -> str:
    return uid(n, 23)


def goal_id(n: int) -> str:
    return uid(n, 24)


def notification_id(n: int) -> str:
    return uid(n, 25)


def achievement_id(n: int) -> str:
    return uid(n, 26)


# (n, show n, order n, quantity, line total, earning status, refunded, when)
SALES = [
    (1, 1, 1, 2, "40.00", "paid_out", False, datetime(2026, 11, 20, 18, 10, tzinfo=UTC)),
    (2, 1, 2, 1, "19.99", "available", False, datetime(2026, 11, 20, 18, 20, tzinfo=UTC)),
    (3, 2, 3, 3, "60.00", "reversed", True, datetime(2026, 11, 28, 18, 5, tzinfo=UTC)),
    (4, 3, 4, 2, "45.50", "available", False, datetime(2026, 12, 1, 18, 5, tzinfo=UTC)),
    (5, 3, 4, 1, "12.25", "pending", False, datetime(2026, 12, 1, 18, 6, tzinfo=UTC)),
    (6, 3, 5, 4, "80.00", "pending", False, datetime(2026, 12, 1, 18, 30, tzinfo=UTC)),
]
RATE = Decimal("0.1500")


def world_rows() -> dict[str, list[dict[str, Any]]]:
    shows = [
        show_row(1, title="Cosy November", status="ended",
                 scheduled_start="2026-11-20T18:00:00+00:00",
                 actual_start="2026-11-20T18:00:00+00:00", actual_end="2026-11-20T19:00:00+00:00",
                 total_orders=2, total_units=3, total_revenue="59.99", peak_viewers=41),
        show_row(2, title="Black Friday special", status="ended",
                 scheduled_start="2026-11-28T18:00:00+00:00",
                 actual_start="2026-11-28T18:00:00+00:00", actual_end="2026-11-28T19:00:00+00:00",
                 peak_viewers=75),
        show_row(3, title="December kick-off", status="ended",
                 scheduled_start="2026-12-01T18:00:00+00:00",
                 actual_start="2026-12-01T18:00:00+00:00", actual_end="2026-12-01T19:00:00+00:00",
                 total_orders=2, total_units=7, total_revenue="137.75", peak_viewers=58),
        show_row(4, title="Winter candles live", scheduled_start="2026-12-05T18:00:00+00:00",
                 scheduled_end="2026-12-05T19:00:00+00:00"),
    ]
    items, earnings = [], []
    for n, show_n, order_n, qty, total, status, refunded, when in SALES:
        items.append({
            "id": order_item_id(n), "order_id": order_id(order_n), "product_id": None,
            "live_product_id": None, "session_id": shows[show_n - 1]["id"],
            "influencer_id": HOST, "wholesaler_id": None, "product_name": f"Item {n}",
            "sku": None, "list_unit_price": total, "unit_price": total, "is_flash_price": False,
            "quantity": qty, "line_total": total, "commission_rate": "0.0000",
            "commission_amount": 0, "is_refunded": refunded, "created_at": ts(when),
            "updated_at": ts(when)})
        amount = (Decimal(total) * RATE).quantize(Decimal("0.01"))
        earnings.append({
            "id": earning_id(n), "influencer_id": HOST, "order_id": order_id(order_n),
            "order_item_id": order_item_id(n), "session_id": shows[show_n - 1]["id"],
            "gross_amount": total, "commission_rate": str(RATE), "amount": str(amount),
            "status": status, "earned_at": ts(when),
            "available_at": ts(when) if status in ("available", "paid_out") else None,
            "paid_out_at": ts(when) if status == "paid_out" else None,
            "reversed_at": ts(when) if status == "reversed" else None,
            "created_at": ts(when), "updated_at": ts(when)})

    def goal(n: int, title: str, kind: str, period: str, start: str, end: str, target: str,
             current: str = "0.00", status: str = "active") -> dict[str, Any]:
        return {"id": goal_id(n), "influencer_id": HOST, "title": title, "goal_type": kind,
                "period": period, "period_start": start, "period_end": end,
                "target_value": target, "current_value": current, "status": status,
                "achieved_at": None, "created_at": STAMP, "updated_at": STAMP, "row_version": 1}

    goals = [
        goal(1, "December revenue", "revenue", "monthly", "2026-12-01", "2026-12-31", "500.00",
             "137.75"),
        goal(2, "Units this week", "units", "weekly", "2026-11-30", "2026-12-06", "10.00", "7.00"),
        goal(3, "Q4 shows", "shows", "quarterly", "2026-10-01", "2026-12-31", "12.00", "3.00"),
        goal(4, "November revenue", "revenue", "monthly", "2026-11-01", "2026-11-30", "300.00",
             "59.99", "missed"),
        goal(5, "Viewers this week", "viewers", "weekly", "2026-11-30", "2026-12-06", "100.00",
             "58.00"),
    ]

    def badge(n: int, key: str, title: str, progress: str, target: str,
              unlocked: str | None = None) -> dict[str, Any]:
        return {"id": achievement_id(n), "influencer_id": HOST, "achievement_key": key,
                "title": title, "description": f"{title}: reach {target}",
                "progress": progress, "target": target, "unlocked_at": unlocked,
                "created_at": STAMP, "updated_at": STAMP}

    badges = [
        badge(1, "first_show", "First show", "3", "1", "2026-11-20T19:00:00+00:00"),
        badge(2, "ten_orders", "Ten orders", "4", "10"),
        badge(3, "hundred_units", "A hundred units", "10", "100"),
    ]

    def note(n: int, kind: str, title: str, when: datetime, read: bool) -> dict[str, Any]:
        return {"id": notification_id(n), "influencer_id": HOST, "type": kind, "title": title,
                "body": f"{title} — details", "data": {}, "is_read": read,
                "read_at": ts(when) if read else None, "created_at": ts(when),
                "updated_at": ts(when), "row_version": 1}

    notes = [
        note(1, "order", "New order: 2 x Item 1", datetime(2026, 11, 20, 18, 10, tzinfo=UTC),
             True),
        note(2, "sold_out", "Sold out: Linen Throw", datetime(2026, 12, 1, 18, 40, tzinfo=UTC),
             False),
        note(3, "achievement", "Achievement unlocked: First show",
             datetime(2026, 11, 20, 19, 0, tzinfo=UTC), True),
        note(4, "order", "New order: 4 x Item 6", NOW - timedelta(hours=3), False),
        note(5, "system", "Payouts run on Fridays", NOW - timedelta(days=2), True),
    ]
    return {"live_stream_sessions": shows, "order_items": items,
            "influencer_earnings": earnings, "influencer_goals": goals,
            "influencer_achievements": badges, "influencer_notifications": notes}


class FakeNotifier:
    """Records OS notifications; `tray` says whether a system tray exists."""

    def __init__(self, tray: bool = True) -> None:
        self.tray = tray
        self.sent: list[tuple[str, str]] = []

    def available(self) -> bool:
        return self.tray

    def notify(self, title: str, body: str) -> None:
        self.sent.append((title, body))


def dashboard(qtbot: Any, run: Callable[..., Any], fake_context: Callable[..., Any], *,
              notifier: FakeNotifier | None = None, background: bool = False,
              rows: dict[str, list[dict[str, Any]]] | None = None
              ) -> tuple[DashboardScreen, Any]:
    ctx = fake_context(world_rows() if rows is None else rows, roles=frozenset({"host"}),
                       profile_ids={"host": HOST})
    screen = DashboardScreen(ctx, ActionRegistry(), None, notifier=notifier or FakeNotifier(),
                             in_background=lambda: background, clock=lambda: NOW)
    qtbot.addWidget(screen)
    run(screen.wait_idle())
    assert screen.data is not None
    return screen, ctx


def settle(qtbot: Any, run: Callable[..., Any], screen: DashboardScreen) -> None:
    for _ in range(3):
        qtbot.wait(30)
        run(screen.wait_idle())
