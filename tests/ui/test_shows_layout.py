"""The Shows screen on small and large screens: the lineup's columns fit the width they get
(values whole, names elided in the middle, headings elided) and nothing widens the window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lineup_support import HOST, LONG_NAMES, LONG_TITLE, long_lineup_rows, settle, show_id
from PySide6.QtCore import Qt

from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.models.lineup_model import COLUMNS, PRODUCT
from studio.ui.models.shows_model import list_text, local_text
from studio.ui.screens.elided_label import ElidedLabel
from studio.ui.screens.fitted_table import fit_widths
from studio.ui.screens.lineup_table import PRODUCT_MIN_CHARS
from studio.ui.screens.shows_screen import ShowsScreen


def shows_window(qtbot, run, fake_context, width: int, height: int):
    """The Shows screen in the real main window at `width`×`height`, showing the long lineup."""
    ctx = fake_context(long_lineup_rows(), roles=frozenset({"host"}), profile_ids={"host": HOST})
    window = MainWindow([ScreenEntry("shows", "Shows", factory=ShowsScreen)], ActionRegistry())
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    window.install_screens(ctx)
    screen = window.screen("shows")
    run(screen.wait_idle())
    screen.select_show(show_id(1))
    settle(qtbot, run, screen)
    qtbot.wait(20)
    return window, screen


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1600, 1000)])
def test_the_lineup_fits_the_window_without_widening_it(
    qtbot, run, fake_context, width: int, height: int
) -> None:
    window, screen = shows_window(qtbot, run, fake_context, width, height)
    assert window.width() == width and window.minimumSizeHint().width() <= width
    table = screen.lineup.table
    assert not table.horizontalScrollBar().isVisible()  # nothing off to the side
    widths = [table.columnWidth(c) for c in range(table.model().columnCount())]
    assert sum(widths) <= table.viewport().width()
    for column in range(len(widths)):
        if column != PRODUCT:  # every value whole (headings may elide)
            assert widths[column] >= table.sizeHintForColumn(column), COLUMNS[column]
    # The product column keeps a readable width and takes the room left; names elide in
    # the middle with the whole name in the tooltip.
    assert widths[PRODUCT] >= table.fontMetrics().averageCharWidth() * PRODUCT_MIN_CHARS
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = table.model().index(0, PRODUCT)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == f"{LONG_NAMES[0]} · SKU SKU-100"
    # The list's columns are whole too.
    assert not screen.list.horizontalScrollBar().isVisible()
    # Long headings end in "…" with the whole text in the tooltip, never cut mid-word.
    for label in (screen.lineup.title, screen.editor.heading):
        shown = label.displayed_text()
        assert label.width() <= label.parentWidget().width()
        if label.is_elided():
            assert shown.endswith("…") and label.toolTip() == label.text()
        else:
            assert shown == label.text() and label.toolTip() == ""
    assert screen.lineup.title.text() == f"Lineup of “{LONG_TITLE}”"


def test_at_1280_the_long_titles_are_elided_and_the_product_column_stretches_wider_at_1600(
    qtbot, run, fake_context
) -> None:
    _window, small = shows_window(qtbot, run, fake_context, 1280, 720)
    assert small.lineup.title.is_elided() and small.editor.heading.is_elided()
    narrow = small.lineup.table.columnWidth(PRODUCT)
    _window, large = shows_window(qtbot, run, fake_context, 1600, 1000)
    assert large.lineup.table.columnWidth(PRODUCT) > narrow + 200


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (500, [30, 290, 80, 100]),   # room: the stretch column takes it
        (310, [30, 100, 80, 100]),   # exactly the preferred widths
        (280, [25, 100, 70, 85]),    # short: headings give up room, values stay whole
        (200, [20, 100, 60, 70]),    # shorter: every value at its minimum, then scrolling
    ],
)
def test_fit_widths_keeps_values_whole_and_stretches_one_column(
    available: int, expected: list[int]
) -> None:
    minimum, preferred = [20, 100, 60, 70], [30, 40, 80, 100]
    widths = fit_widths(available, minimum, preferred, 1)
    assert widths == expected
    assert all(w >= m for w, m in zip(widths, minimum, strict=True))


def test_fit_widths_refuses_mismatched_columns() -> None:
    with pytest.raises(ValueError, match="one minimum and one preferred width per column"):
        fit_widths(100, [1, 2], [1], 0)
    with pytest.raises(ValueError, match="a stretch column"):
        fit_widths(100, [1, 2], [1, 2], 2)


def test_the_show_list_shows_the_year_only_when_it_is_not_this_year(qapp) -> None:
    moment = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    local = moment.astimezone()
    short = list_text(moment, this_year=local.year)
    assert short == f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
    assert list_text(moment, this_year=local.year + 1) == local_text(moment)


def test_an_elided_label_shows_the_whole_text_in_its_tooltip_only_while_cut(qtbot) -> None:
    label = ElidedLabel("Lineup of “Cozy Sunday: home finds under $30 with Maya”")
    qtbot.addWidget(label)
    label.resize(120, 20)
    label.show()
    assert label.is_elided() and label.displayed_text().endswith("…")
    assert label.toolTip() == label.text()
    assert label.minimumSizeHint().width() < 120  # it never asks for its whole text
    label.clear()
    assert label.text() == "" and label.toolTip() == "" and not label.is_elided()
    label.setText("Short")
    assert label.displayed_text() == "Short" and label.toolTip() == ""
