"""The show report dialog: its figures, table and charts hold the report's numbers; CSV and PDF
exports write whole files or nothing; keys; reports opened after the fact (from the cache)."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.core.money import format_money
from studio.session.show_report import ShowReport, compute_report, report_csv
from studio.ui.screens.live import report_dialog, report_export
from studio.ui.screens.live.report_dialog import ShowReportDialog, open_show_report

D = Decimal
START = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def show_rows(status: str = "ended") -> dict[str, Any]:
    """A 10-minute show: 4 viewers (one comes back), 3 orders of 2 products, one refunded line,
    a 2-minute flash sale, 5 chat messages (1 hidden)."""
    at = lambda minutes: (START + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    show = {"id": "11111111-1111-4111-8111-111111111111", "title": "Winter picks",
            "status": status, "actual_start": at(0), "actual_end": at(10)}
    viewers = [
        {"id": "v1", "user_id": "u1", "joined_at": at(0), "left_at": at(4)},
        {"id": "v2", "user_id": "u2", "joined_at": at(1), "left_at": None},
        {"id": "v3", "user_id": "u3", "joined_at": at(2), "left_at": at(3)},
        {"id": "v4", "user_id": "u1", "joined_at": at(6), "left_at": at(9)},
        {"id": "v5", "user_id": "u4", "joined_at": at(7), "left_at": None},
    ]
    line = lambda i, order, item, qty, total, flash=False, refunded=False: {  # noqa: E731
        "id": f"l{i}", "order_id": order, "live_product_id": item, "product_name": "?",
        "quantity": qty, "line_total": total, "is_flash_price": flash,
        "is_refunded": refunded, "created_at": at(i)}
    order_items = [line(1, "o1", "a", 2, "30.00", flash=True), line(2, "o2", "b", 1, "45.50"),
                   line(3, "o3", "a", 1, "20.00"), line(4, "o3", "b", 3, "136.50",
                                                        refunded=True)]
    chat = [{"id": f"c{i}", "is_hidden": i == 2} for i in range(5)]
    products = [{"id": "a", "name": "Merino scarf", "position": 1, "flash_starts_at": at(1),
                 "flash_ends_at": at(3)},
                {"id": "b", "name": "Leather gloves, tan", "position": 2}]
    # The server's figures: o1 and o3 were placed by the same customer.
    figures = {"buyers": 2, "orders": 3,
               "flash_windows": [{"live_product_id": "a", "starts_at": at(1), "ends_at": at(3)}]}
    return {"show": show, "viewers": viewers, "order_items": order_items, "chat": chat,
            "live_products": products, "figures": figures}


def make_report(**changes: Any) -> ShowReport:
    rows = show_rows()
    rows.update(changes)
    return compute_report(rows["show"], rows["viewers"], rows["order_items"], rows["chat"],
                          rows["live_products"], figures=rows["figures"])


@pytest.fixture
def dialog(qtbot: Any) -> ShowReportDialog:
    made = ShowReportDialog(make_report())
    qtbot.addWidget(made)
    return made


def figure(dialog: ShowReportDialog, key: str) -> str:
    return dialog.findChild(QWidget, f"figure_{key}").text()


def test_the_dialog_shows_the_reports_figures(dialog: ShowReportDialog) -> None:
    report = dialog.report
    shown = {key: figure(dialog, key) for key, _ in report_export.FIGURES}

    assert shown == report_export.figures(report)
    # The same figures, read from the report by hand: 3 orders less a refunded line.
    assert (report.revenue, report.units, report.orders) == (D("95.50"), 4, 3)
    assert shown["revenue"] == format_money(report.revenue) == "$95.50"
    assert shown["units"] == "4" and shown["orders"] == "3"
    assert shown["duration"] == "10 min 00 s"
    assert (shown["peak_viewers"], shown["unique_viewers"]) == ("3", "4")
    assert shown["buyers"] == "2"
    assert shown["conversion"] == "50.0%"  # 2 buyers (of 3 orders) / 4 unique viewers
    assert shown["chat"] == "5 (1 hidden)"
    assert shown["flash_uplift"] == f"{report.flash_uplift:.2f}×"
    words = dialog.words.text()
    assert "10 min 00 s" in words and "4 viewers watched, at most 3 at once" in words
    assert "3 orders brought $95.50 for 4 units" in words


def test_the_top_products_table_ranks_the_reports_products(dialog: ShowReportDialog) -> None:
    table = dialog.products
    rows = [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]

    ranked = dialog.report.top_products(len(dialog.report.products))
    assert [(p.name, p.units, p.revenue) for p in ranked] == [
        ("Merino scarf", 3, D("50.00")), ("Leather gloves, tan", 1, D("45.50"))]
    assert rows == [["1", "Merino scarf", "3", "$50.00", "52.4%"],
                    ["2", "Leather gloves, tan", "1", "$45.50", "47.6%"]]


def test_the_charts_get_the_reports_series(dialog: ShowReportDialog) -> None:
    report = dialog.report

    assert dialog.viewers_chart.points == tuple(
        ((at - START).total_seconds() / 60, count) for at, count in report.viewer_series)
    assert [count for _, count in dialog.viewers_chart.points][:4] == [1, 2, 3, 2]
    assert dialog.viewers_chart.points[0][0] == 0.0
    assert dialog.sales_chart.bars == (("Merino scarf", 3, D("50.00")),
                                       ("Leather gloves, tan", 1, D("45.50")))


def test_a_show_without_viewers_or_sales_says_so(qtbot: Any) -> None:
    report = make_report(viewers=[], order_items=[], chat=[])
    dialog = ShowReportDialog(report)
    qtbot.addWidget(dialog)

    assert dialog.viewers_chart.points == () and dialog.sales_chart.bars == ()
    assert dialog.products.rowCount() == 0
    assert figure(dialog, "conversion") == "—" and figure(dialog, "revenue") == "$0.00"
    assert "Nobody watched." in dialog.words.text()
    assert "Nothing was sold." in dialog.words.text()
    dialog.resize(1280, 720)
    assert not dialog.grab().isNull()  # the empty charts paint their message, no exception


def csv_blocks(text: str) -> list[list[list[str]]]:
    return [list(csv.reader(io.StringIO(block))) for block in text.split("\n\n")]


def test_csv_export_writes_the_reports_rows(dialog: ShowReportDialog, tmp_path: Path) -> None:
    path = tmp_path / "winter.csv"

    assert dialog.export_csv(path)

    text = path.read_text(encoding="utf-8-sig")
    assert text == report_csv(dialog.report)
    summary, products, viewers = csv_blocks(text)
    figures = dict(summary[1:])
    report = dialog.report
    assert (figures["revenue"], figures["units"], figures["orders"]) == (
        str(report.revenue), str(report.units), str(report.orders)) == ("95.50", "4", "3")
    assert figures["peak_viewers"] == "3" and figures["unique_viewers"] == "4"
    assert products[1:] == [[p.name, p.live_product_id, str(p.units), str(p.revenue)]
                            for p in report.top_products(len(report.products))]
    assert [int(count) for _, count in viewers[1:]] == [c for _, c in report.viewer_series]
    assert "Saved the CSV" in dialog.status.text() and str(path) in dialog.status.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["winter.csv"]  # no temporary left


def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF (not the /Pages tree node)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_pdf_export_writes_a_pdf_with_pages(dialog: ShowReportDialog, tmp_path: Path) -> None:
    path = tmp_path / "winter.pdf"

    assert dialog.export_pdf(path)

    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) == 2  # the summary, then the charts
    assert b"/Image" in data  # the charts, as images
    assert "Saved the PDF" in dialog.status.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["winter.pdf"]


def test_a_long_product_list_continues_on_more_pdf_pages(qtbot: Any, tmp_path: Path) -> None:
    products = [{"id": f"p{i}", "name": f"Product {i}"} for i in range(150)]
    lines = [{"id": f"l{i}", "order_id": f"o{i}", "live_product_id": f"p{i}", "quantity": 1,
              "line_total": "10.00", "is_flash_price": False, "is_refunded": False}
             for i in range(150)]
    few, many = tmp_path / "few.pdf", tmp_path / "many.pdf"
    short = ShowReportDialog(make_report())
    long = ShowReportDialog(make_report(live_products=products, order_items=lines))
    qtbot.addWidget(short)
    qtbot.addWidget(long)

    assert short.export_pdf(few) and long.export_pdf(many)

    assert len(long.report.products) == 150 and long.products.rowCount() == 150
    assert pdf_pages(many.read_bytes()) > pdf_pages(few.read_bytes()) == 2


def test_chart_images_are_drawn_for_print(dialog: ShowReportDialog) -> None:
    image = dialog.sales_chart.image(QSize(400, 200))

    assert (image.width(), image.height()) == (800, 400)  # twice as sharp for paper
    colours = {image.pixelColor(x, y).name() for x in range(0, 800, 8) for y in range(0, 400, 8)}
    assert len(colours) > 2  # bars and words on the white page, not a blank image


def only_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a folder the user cannot write to (root writes anywhere)")
@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_a_read_only_folder_gives_a_clear_error_and_no_file(
        dialog: ShowReportDialog, tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        saved = getattr(dialog, f"export_{kind}")(folder / f"report.{kind}")
        assert not saved
        assert only_files(folder) == []
    finally:
        folder.chmod(0o755)
    assert "Could not save" in dialog.status.text()
    assert "Permission denied" in dialog.status.text()
    assert dialog.status.property("error") is True


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_a_refused_write_leaves_no_partial_file_and_the_old_file_whole(
        dialog: ShowReportDialog, tmp_path: Path, kind: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is complete in its temporary place when the rename is refused (as a
    read-only folder refuses it): the temporary goes, the earlier export stays as it was."""
    target = tmp_path / f"report.{kind}"
    target.write_bytes(b"the earlier export")
    seen: list[int] = []

    def refuse(source: str, _target: str) -> None:
        seen.append(Path(source).stat().st_size)
        raise PermissionError(13, "Permission denied", str(_target))

    monkeypatch.setattr(report_export.os, "replace", refuse)

    assert not getattr(dialog, f"export_{kind}")(target)

    assert seen and seen[0] > 0  # it got as far as a written temporary file
    assert only_files(tmp_path) == [f"report.{kind}"]
    assert target.read_bytes() == b"the earlier export"
    assert "Permission denied" in dialog.status.text()
    assert "Nothing was written" in dialog.status.text()
    assert dialog.csv_button.isEnabled() and dialog.pdf_button.isEnabled()


def test_a_folder_that_does_not_exist_is_refused(dialog: ShowReportDialog,
                                                 tmp_path: Path) -> None:
    assert not dialog.export_csv(tmp_path / "gone" / "report.csv")

    assert only_files(tmp_path) == []
    assert "No such file or directory" in dialog.status.text()


def test_a_failure_while_writing_leaves_the_old_file_whole(
        dialog: ShowReportDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the earlier export")

    def broken(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_export, "_paint_summary_pages", broken)

    assert not dialog.export_pdf(target)

    assert only_files(tmp_path) == ["report.pdf"]
    assert target.read_bytes() == b"the earlier export"
    assert "No space left on device" in dialog.status.text()


def show_active(dialog: ShowReportDialog, qtbot: Any) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.products.setFocus()
    qtbot.waitUntil(dialog.isActiveWindow)


def answer_save_dialog(monkeypatch: pytest.MonkeyPatch, answer: str
                       ) -> list[tuple[str, str]]:
    asked: list[tuple[str, str]] = []

    def ask(_parent: Any, caption: str, proposed: str, _filters: str) -> tuple[str, str]:
        asked.append((caption, proposed))
        return answer, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(ask))
    return asked


def test_ctrl_s_exports_csv_and_ctrl_p_exports_pdf(
        dialog: ShowReportDialog, qtbot: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    show_active(dialog, qtbot)
    asked = answer_save_dialog(monkeypatch, str(tmp_path / "keys"))  # no suffix typed

    qtbot.keyClick(dialog.products, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.products, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert [caption for caption, _ in asked] == ["Export the report as CSV",
                                                 "Export the report as PDF"]
    assert Path(asked[0][1]).name == "winter-picks-report.csv"
    assert (tmp_path / "keys.csv").read_text(encoding="utf-8-sig") == report_csv(dialog.report)
    assert (tmp_path / "keys.pdf").read_bytes().startswith(b"%PDF-")


def test_cancelling_the_save_dialog_writes_nothing(
        dialog: ShowReportDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer_save_dialog(monkeypatch, "")

    dialog.csv_button.click()
    dialog.pdf_button.click()

    assert only_files(tmp_path) == [] and dialog.status.text() == ""


def test_escape_closes_the_dialog(dialog: ShowReportDialog, qtbot: Any) -> None:
    show_active(dialog, qtbot)

    qtbot.keyClick(dialog.products, Qt.Key.Key_Escape)

    assert not dialog.isVisible()


class RowsServer:
    """A ShowServer over the rows of `show_rows` (the real server is in test_live_report_server)."""

    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = rows
        self.tables = {"live_stream_viewers": rows["viewers"], "order_items": rows["order_items"],
                       "live_stream_chat": rows["chat"], "live_products": rows["live_products"]}
        self.asked: list[str] = []

    async def rpc(self, function: str, params: Any = None) -> Any:
        assert function == "show_figures", f"a report calls only show_figures ({function})"
        self.asked.append(function)
        return self.rows["figures"]

    async def show_row(self, session_id: str) -> dict[str, Any] | None:
        self.asked.append("live_stream_sessions")
        return dict(self.rows["show"]) if session_id == self.rows["show"]["id"] else None

    async def set_rehearsal(self, session_id: str, rehearsal: bool) -> None:
        raise AssertionError("a report changes nothing")

    async def show_rows(self, table: str, session_id: str, columns: Any) -> list[dict[str, Any]]:
        self.asked.append(table)
        return [dict(r) for r in self.tables[table]] if session_id == self.rows["show"][
            "id"] else []

    async def live_shows_of_host(self, influencer_id: str) -> list[dict[str, Any]]:
        return []


@pytest.fixture
def parent(qtbot: Any) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_an_ended_shows_report_opens_after_the_fact(
        parent: QWidget, run: Callable[..., Any], fake_context: Callable[..., Any]) -> None:
    rows = show_rows()
    ctx = fake_context()
    ctx.show_server = RowsServer(rows)  # what the shell sets for a signed-in workspace

    dialog = run(open_show_report(ctx, rows["show"]["id"], parent))

    assert isinstance(dialog, ShowReportDialog) and dialog.isVisible()
    # the server's rows, through the session layer; the context is a local workspace's, whose
    # shows are rehearsals
    assert dialog.report == dataclasses.replace(make_report(), rehearsal=True)
    assert figure(dialog, "revenue") == "$95.50" and dialog.parent() is parent
    dialog.close()


@pytest.mark.parametrize(("status", "words"), [
    ("live", report_dialog.NOT_ENDED.format(status="live")),
    ("scheduled", report_dialog.NOT_ENDED.format(status="scheduled")),
])
def test_a_show_that_has_not_ended_has_no_report_yet(
        parent: QWidget, run: Callable[..., Any], fake_context: Callable[..., Any],
        status: str, words: str) -> None:
    rows = show_rows(status=status)
    server = RowsServer(rows)

    assert run(open_show_report(fake_context(), rows["show"]["id"], parent,
                                server=server)) is None

    box = parent.findChild(QMessageBox, "report_unavailable")
    assert box is not None and box.text() == words
    assert parent.findChild(ShowReportDialog) is None
    assert server.asked == ["live_stream_sessions"]  # refused before reading the show's rows


def test_without_a_server_the_report_is_refused_in_words(
        parent: QWidget, run: Callable[..., Any], fake_context: Callable[..., Any]) -> None:
    assert run(open_show_report(fake_context(), show_rows()["show"]["id"], parent)) is None

    box = parent.findChild(QMessageBox, "report_unavailable")
    assert box is not None and box.text() == report_dialog.NO_SERVER


def test_a_show_the_host_cannot_see_is_refused_in_words(
        parent: QWidget, run: Callable[..., Any], fake_context: Callable[..., Any]) -> None:
    server = RowsServer(show_rows())

    assert run(open_show_report(fake_context(), "22222222-2222-4222-8222-222222222222", parent,
                                server=server)) is None

    assert "not visible" in parent.findChild(QMessageBox, "report_unavailable").text()
