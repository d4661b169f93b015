"""End to end: the lineup builder over a real workspace (embedded server with the seed, local
backend, offline cache, sync engine). What the host does in the UI reaches PostgreSQL after a
sync, and a refusal by the server comes back to the field it is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QLineEdit
from seeded_host import SYNC_TIMEOUT, seeded_copy, synced_host

from studio.core.money import quantize_money
from studio.core.pricing import RoundingMode, round_price
from studio.server.demo_accounts import DEMO_HOST
from studio.sync.cache import CacheReader, cents_to_decimal
from studio.sync.workspace import Workspace
from studio.ui.actions import ActionRegistry
from studio.ui.models.lineup_model import ALLOCATED
from studio.ui.models.shows_model import CODE
from studio.ui.screens.shows_screen import ShowsScreen

__all__ = ["seeded_copy"]


@pytest.fixture
def studio(qtbot, run, seeded_copy: str, tmp_path: Path):
    """The demo host's workspace, synced once, and the Shows screen over it."""
    with synced_host(run, seeded_copy, tmp_path / "data") as (workspace, ctx):
        screen = ShowsScreen(ctx, ActionRegistry())
        qtbot.addWidget(screen)
        screen.resize(1400, 800)
        screen.show()
        screen.activate()
        run(screen.wait_idle())
        yield workspace, screen


def settle(qtbot, run, screen: ShowsScreen) -> None:
    for _ in range(2):
        qtbot.wait(30)
        run(screen.wait_idle())


def sync(qtbot, run, workspace: Workspace, screen: ShowsScreen) -> None:
    status = run(workspace.engine.sync_now(), timeout=SYNC_TIMEOUT)
    assert status.pending_ops == 0, status
    settle(qtbot, run, screen)


def three_products(reader: CacheReader) -> list[dict]:
    """Three active, live-eligible catalog products with stock, as the cache has them."""
    rows = reader.search_products(live_eligible=True, status="active", in_stock=True,
                                  sort="name", limit=200)
    chosen = [row for row in rows if row["stock_quantity"] >= 12][:3]
    assert len(chosen) == 3
    return chosen


def create_show(qtbot, run, screen: ShowsScreen, title: str) -> str:
    qtbot.keyClick(screen.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(screen.editor.title, title)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    screen.editor.start.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
    screen.editor.end.setDateTime(
        QDateTime.fromSecsSinceEpoch(int((start + timedelta(hours=1)).timestamp())))
    qtbot.mouseClick(screen.editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    assert screen.lineup.show_id is not None
    return screen.lineup.show_id


def edit_cell(qtbot, screen: ShowsScreen, row: int, column: int, text: str) -> None:
    table = screen.lineup.table
    index = screen.lineup.model.index(row, column)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_building_reordering_and_pricing_a_lineup_in_the_ui_ends_up_in_the_server_after_sync(
    qtbot, run, wait_until, studio, seeded_copy, pg_connect
) -> None:
    workspace, screen = studio
    show_id = create_show(qtbot, run, screen, "Sync test: winter edit")
    products = three_products(workspace.reader)
    run(workspace.engine.stop())  # no background sync: the lineup is built "offline"
    screen.add_products([p["id"] for p in products])
    settle(qtbot, run, screen)
    assert screen.lineup.model.rowCount() == 3

    table = screen.lineup.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # 1st ↔ 2nd
    settle(qtbot, run, screen)
    screen.lineup.table.clearSelection()
    screen.lineup.open_bulk_pricing()
    dialog = screen.lineup.pricing_dialog
    assert dialog.apply_button.isEnabled()  # the default rule: 20 % off retail, to .99
    dialog.apply_button.click()
    settle(qtbot, run, screen)
    edit_cell(qtbot, screen, 2, ALLOCATED, "7")
    settle(qtbot, run, screen)
    assert workspace.reader.pending_count() == 3 + 2 + 3 + 1  # adds, moves, prices, allocation
    owner = pg_connect(seeded_copy)
    assert owner.execute("select count(*) from public.live_products where session_id = %s",
                         (show_id,)).fetchone() == (0,)

    sync(qtbot, run, workspace, screen)

    title, host, code = owner.execute(
        "select title, influencer_id::text, session_code from public.live_stream_sessions"
        " where id = %s", (show_id,)).fetchone()
    assert (title, host) == ("Sync test: winter edit", DEMO_HOST.profile_id)
    assert code  # assigned by the server, then pulled into the cache and the list
    wait_until(lambda: screen.model.index(screen.model.row_of(show_id), CODE).data() == code)

    ordered = [products[1], products[0], products[2]]
    expected = []
    for position, product in enumerate(ordered):
        retail = cents_to_decimal(product["retail_price_cents"])
        price = round_price(quantize_money(retail * 80 / 100), RoundingMode.TO_99)
        allocation = 7 if position == 2 else min(10, product["stock_quantity"])
        expected.append((product["id"], position, price, retail, allocation, "active"))
    rows = owner.execute(
        "select product_id::text, position, live_price, compare_at_price, allocated_quantity,"
        " status::text from public.live_products where session_id = %s order by position",
        (show_id,)).fetchall()
    assert rows == expected
    assert workspace.reader.pending_count() == 0


def test_a_refusal_by_the_server_is_shown_at_the_field_and_undone_in_the_cache(
    qtbot, run, wait_until, studio, seeded_copy, pg_connect
) -> None:
    workspace, screen = studio
    show_id = create_show(qtbot, run, screen, "Sync test: stock runs low")
    # Plenty of stock, so that a larger allocation is fine against what this cache knows.
    rows = workspace.reader.search_products(live_eligible=True, status="active", in_stock=True,
                                            sort="name", limit=500)
    product = next(row for row in rows if row["stock_quantity"] >= 45)
    screen.add_products([product["id"]])
    settle(qtbot, run, screen)
    sync(qtbot, run, workspace, screen)

    # The wholesaler sells most of their stock elsewhere; this cache has not heard yet.
    owner = pg_connect(seeded_copy)
    owner.execute("update public.products set stock_quantity = 3 where id = %s",
                  (product["id"],))
    # Allocated units leave the wholesale stock when allocated: 30 asks for 20 more of the 3
    # left. Valid against the cached stock (the cache has not heard of the sale yet).
    edit_cell(qtbot, screen, 0, ALLOCATED, "30")
    settle(qtbot, run, screen)
    run(workspace.engine.sync_now(), timeout=SYNC_TIMEOUT)
    model = screen.lineup.model
    index = model.index(0, ALLOCATED)
    wait_until(lambda: model.error_at(index) is not None)
    settle(qtbot, run, screen)

    error = model.error_at(index)
    assert error.startswith("The server refused this change: Allocation of 20 more units "
                            "exceeds the 3 in stock for ")
    assert screen.lineup.message.text().endswith(error)
    allocation = min(10, product["stock_quantity"])
    assert workspace.reader.lineup(show_id)[0]["allocated_quantity"] == allocation
    assert index.data() == str(allocation)
    assert owner.execute(
        "select allocated_quantity from public.live_products where session_id = %s",
        (show_id,)).fetchone() == (allocation,)
