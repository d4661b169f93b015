"""A table view whose columns fit the width it gets: values never cut, one column stretches,
long text elides in the middle and headings elide, so the table never widens its window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

CELL_PADDING = 14


def fit_widths(available: int, minimum: Sequence[int], preferred: Sequence[int],
               stretch: int) -> list[int]:
    """Column widths for `available` pixels. Every column gets its preferred width (value and
    heading) and the `stretch` column the room left. When that is short, the other columns give
    up their heading room first (down to their values: `minimum`, headings elide); then the
    stretch column stays at its minimum and the table scrolls sideways. Values are never cut."""
    if len(minimum) != len(preferred) or not 0 <= stretch < len(minimum):
        raise ValueError("one minimum and one preferred width per column, and a stretch column")
    widths = [max(low, high) for low, high in zip(minimum, preferred, strict=True)]
    widths[stretch] = minimum[stretch]
    short = sum(widths) - available
    if short <= 0:
        widths[stretch] -= short
        return widths
    slack = [0 if column == stretch else widths[column] - minimum[column]
             for column in range(len(widths))]
    total_slack = sum(slack)
    give = min(short, total_slack)
    for column, room in enumerate(slack):
        if room and give:
            taken = min(room, -(-short * room // total_slack), give)  # a ceiling share
            widths[column] -= taken
            give -= taken
    return widths


class FittedTable(QTableView):
    """Columns sized by `fit_widths` whenever the table, its model or its values change.

    `stretch` is the column taking the width left (at least `stretch_min_chars` average
    characters); `samples` gives other columns a typical value to measure while there are no
    rows. Hidden columns get no width.
    """

    def __init__(self, parent: QWidget | None = None, *, stretch: int,
                 stretch_min_chars: int, samples: Mapping[int, str] | None = None) -> None:
        super().__init__(parent)
        self._stretch = stretch
        self._stretch_min_chars = stretch_min_chars
        self._samples = dict(samples or {})
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.horizontalHeader()
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(8)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.layoutChanged, model.dataChanged,
                           model.rowsInserted, model.rowsRemoved):
                signal.connect(self.fit_columns)
        self.fit_columns()

    def column_minimums(self) -> list[int]:
        """Each column's narrowest width: its values (a typical value while empty) never cut;
        the stretch column a readable share of its text."""
        model = self.model()
        metrics = self.fontMetrics()
        widths = []
        for column in range(model.columnCount() if model is not None else 0):
            if self.isColumnHidden(column):
                widths.append(0)
            elif column == self._stretch:
                widths.append(metrics.averageCharWidth() * self._stretch_min_chars
                              + CELL_PADDING)
            elif model is not None and model.rowCount():
                widths.append(self.sizeHintForColumn(column))
            else:
                sample = self._samples.get(column, "")
                widths.append(metrics.horizontalAdvance(sample) + CELL_PADDING)
        return widths

    def column_preferences(self) -> list[int]:
        """Each column's width with its whole heading."""
        header = self.horizontalHeader()
        return [0 if self.isColumnHidden(column) else header.sectionSizeHint(column)
                for column in range(header.count())]

    def fitting_width(self) -> int:
        """The narrowest the whole table can be without a sideways scroll bar."""
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        return sum(self.column_minimums()) + 2 * self.frameWidth() + scroll_bar

    def fit_columns(self, *_args: object) -> None:
        """Fit the columns to the table's width (see `fit_widths`)."""
        available = self.viewport().width()
        minimums = self.column_minimums()
        if available <= 0 or not minimums:
            return
        widths = fit_widths(available, minimums, self.column_preferences(), self._stretch)
        header = self.horizontalHeader()
        for column, width in enumerate(widths):
            if not self.isColumnHidden(column) and header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().viewportEvent(event)
