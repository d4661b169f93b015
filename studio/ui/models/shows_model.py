"""Table model of the host's shows: title, start in local time, status, lineup size, code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from studio.core.models import Show, ShowStatus
from studio.sync.lineup_ops import ShowSummary

COLUMNS = ("Title", "Starts", "Status", "Items", "Code")
TITLE, STARTS, STATUS, ITEMS, CODE = range(5)
STATUS_LABELS = {
    ShowStatus.SCHEDULED: "Scheduled",
    ShowStatus.LIVE: "Live",
    ShowStatus.ENDED: "Ended",
    ShowStatus.CANCELLED: "Cancelled",
}
STATUS_COLORS = {
    ShowStatus.LIVE: QColor(220, 53, 69),
    ShowStatus.SCHEDULED: QColor(25, 135, 84),
}
# Lighter shades that keep their contrast on a dark palette.
DARK_STATUS_COLORS = {
    ShowStatus.LIVE: QColor(255, 120, 120),
    ShowStatus.SCHEDULED: QColor(99, 214, 140),
}


def status_color(status: ShowStatus) -> QColor | None:
    """The text colour of a show status on the current palette (None: the normal text)."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return (DARK_STATUS_COLORS if dark else STATUS_COLORS).get(status)
DATE_FORMAT = "ddd d MMM yyyy, HH:mm"
LIST_DATE_FORMAT = "ddd d MMM, HH:mm"
CODE_PENDING = "after sync"
SHOW_ID_ROLE = Qt.ItemDataRole.UserRole
_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex


def local_text(moment: datetime | None) -> str:
    """A timestamp in the computer's time zone, as the studio shows it."""
    if moment is None:
        return ""
    return QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000)).toString(DATE_FORMAT)


def list_text(moment: datetime, this_year: int | None = None) -> str:
    """A start time short enough for the show list: "Tue 1 Dec, 18:00" this year, with the
    year otherwise ("Fri 1 Jan 2027, 18:00"); the tooltip has the full form."""
    local = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))
    year = QDateTime.currentDateTime().date().year() if this_year is None else this_year
    return local.toString(LIST_DATE_FORMAT if local.date().year() == year else DATE_FORMAT)


class ShowsModel(QAbstractTableModel):
    """One row per show (latest first, as read); `SHOW_ID_ROLE` gives the show's id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ShowSummary] = []

    def set_shows(self, rows: Sequence[ShowSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def show_at(self, row: int) -> Show:
        return self._rows[row].show

    def row_of(self, show_id: str) -> int:
        for row, summary in enumerate(self._rows):
            if str(summary.show.id) == show_id:
                return row
        return -1

    def next_upcoming(self, now: datetime) -> str | None:
        """The id of the scheduled show starting soonest from `now` (or the latest scheduled
        one when all are overdue): where "Add to lineup" goes when no show is selected."""
        scheduled = [r.show for r in self._rows if r.show.status.value == "scheduled"]
        if not scheduled:
            return None
        upcoming = [s for s in scheduled if s.scheduled_start >= now]
        if upcoming:
            return str(min(upcoming, key=lambda s: s.scheduled_start).id)
        return str(max(scheduled, key=lambda s: s.scheduled_start).id)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The tooltip repeats the heading: a narrow list elides it.
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)):
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        summary = self._rows[index.row()]
        show, column = summary.show, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TITLE:
                return show.title + (" (rehearsal)" if show.is_rehearsal else "")
            if column == STARTS:
                return list_text(show.scheduled_start)
            if column == STATUS:
                return STATUS_LABELS[show.status]
            if column == ITEMS:
                return str(summary.item_count)
            if column == CODE:
                return show.session_code or CODE_PENDING
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return status_color(show.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ITEMS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CODE and not show.session_code:
                return "The server assigns the show code when the show is synced"
            if column == STARTS:
                return local_text(show.scheduled_start)
            if column == TITLE:
                # The title column is elided when narrow: the whole title, then the description.
                return "\n".join(filter(None, (show.title, show.description)))
            return show.description or None
        if role == SHOW_ID_ROLE:
            return str(show.id)
        return None
