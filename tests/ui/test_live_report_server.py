"""The report dialog of a show run on the local server (embedded PostgreSQL): opened after the
fact through the session layer, its figures and its CSV equal SQL over the show's rows."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("session", "sync", "schema"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))

from session_support import make_show  # noqa: E402
from test_local_support import Workspace, backends, ws  # noqa: E402,F401  (fixtures)
from test_show_report import SQL_FIGURES, add_audience  # noqa: E402

from studio.core.money import format_money  # noqa: E402
from studio.session.show_session import ShowSession  # noqa: E402
from studio.ui.context import ScreenContext  # noqa: E402
from studio.ui.screens.live.report_dialog import (  # noqa: E402
    NOT_ENDED,
    ShowReportDialog,
    open_show_report,
)

D = Decimal


@pytest.fixture
def io_mode() -> str:
    """The dialog's reads run on the test's asyncio loop (as on the app's qasync loop)."""
    return "async"


@pytest.mark.asyncio
async def test_a_real_shows_report_equals_the_database(
        ws: Workspace, qtbot: Any, tmp_path: Path) -> None:  # noqa: F811 (the imported fixture)
    show = await make_show(ws, status="live")
    add_audience(show)
    session = await ShowSession.open(show.server, show.session_id)
    first, second, third = show.items
    await show.buy(first, 2)
    await session.start_flash_sale(first, D("15.00"), 300)
    await show.buy(first, 3)
    await show.buy(second)
    await session.cancel_flash_sale()
    await show.buy(third, 1)
    at_end = await session.end_show()
    ctx = cast(ScreenContext, SimpleNamespace(show_server=show.server))

    dialog = await open_show_report(ctx, show.session_id, None)

    assert isinstance(dialog, ShowReportDialog)
    qtbot.addWidget(dialog)
    assert dialog.report == at_end  # the same rows, read again after the fact
    (revenue, units, orders, flash_units, regular_units, chat, hidden, unique, peak, _duration,
     _flash_minutes, buyers) = ws.owner.execute(SQL_FIGURES, {"s": show.session_id}).fetchone()
    shown = {key: dialog.findChild(QLabel, f"figure_{key}").text()
             for key in ("revenue", "units", "orders", "buyers", "peak_viewers",
                         "unique_viewers", "chat")}
    assert shown == {"revenue": format_money(revenue), "units": f"{units:,}",
                     "orders": f"{orders:,}", "buyers": f"{buyers:,}",
                     "peak_viewers": f"{peak:,}",
                     "unique_viewers": f"{unique:,}", "chat": f"{chat:,} ({hidden:,} hidden)"}
    assert (flash_units, regular_units) == (dialog.report.flash_units,
                                            dialog.report.regular_units) == (3, 4)
    per_product = dict(ws.owner.execute(
        "select live_product_id::text, sum(quantity) from public.order_items"
        " where session_id = %s and not is_refunded group by 1", (show.session_id,)).fetchall())
    assert {p.live_product_id: p.units for p in dialog.report.products} == per_product
    ranked = dialog.report.top_products(len(per_product))
    assert dialog.sales_chart.bars == tuple((p.name, p.units, p.revenue) for p in ranked)
    assert dialog.products.rowCount() == len(per_product)
    assert max(c for _, c in dialog.viewers_chart.points) == peak

    assert dialog.export_csv(tmp_path / "show.csv")
    blocks = (tmp_path / "show.csv").read_text(encoding="utf-8-sig").split("\n\n")
    figures = dict(list(csv.reader(io.StringIO(blocks[0])))[1:])
    assert (D(figures["revenue"]), int(figures["units"]), int(figures["orders"])) == (
        revenue, units, orders)
    assert dialog.export_pdf(tmp_path / "show.pdf")
    assert (tmp_path / "show.pdf").read_bytes().startswith(b"%PDF-")
    dialog.close()


@pytest.mark.asyncio
async def test_a_running_show_has_no_report_yet(
        ws: Workspace, qtbot: Any) -> None:  # noqa: F811 (the imported fixture)
    show = await make_show(ws, status="live")
    ctx = cast(ScreenContext, SimpleNamespace(show_server=show.server))
    parent = QWidget()
    qtbot.addWidget(parent)
    before = show.state()

    assert await open_show_report(ctx, show.session_id, parent) is None

    box = parent.findChild(QMessageBox, "report_unavailable")
    assert box is not None and box.text() == NOT_ENDED.format(status="live")
    assert parent.findChild(ShowReportDialog) is None
    assert show.state() == before
