"""The status bar: connection badge, live updates or polling, changes waiting, first-sync
progress (and the search index being built after it), who is signed in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

if TYPE_CHECKING:  # the context pulls in the cache; keep it off the start-up path
    from studio.ui.context import SyncSignals

# The badge always says its state in words (and a symbol); the colour only repeats it.
BADGES: dict[str, tuple[str, str]] = {
    "connecting": ("◌", "Connecting…"),
    "online": ("●", "Online"),
    "syncing": ("⟳", "Syncing…"),
    "offline": ("◐", "Offline"),
    "error": ("✕", "Sync error"),
    "closed": ("✕", "No workspace"),
    "signed_out": ("○", "Signed out"),
}
OFFLINE_QUEUED = "Offline — changes queued"
OFFLINE_SYNC_LATER = "Offline — will sync when the connection returns"
# However long a message, a status bar label asks for no more than this much width; it
# shows what fits and ends in "…" (the whole text is in the tooltip).
MIN_TEXT_WIDTH = 48
MAX_TEXT_WIDTH = 560
TOOLTIP_CHARS = 600
NOTICE_MS = 8000
SEARCH_INDEX_TEXT = "Building search index…"
SEARCH_INDEX_TIP = ("The catalog can be browsed now. Until its search index is built, text "
                    "search looks only at names, brands and tags, and may be slow.")

# What a table is called in words on the progress bar.
TABLE_WORDS: dict[str, str] = {
    "products": "catalog",
    "categories": "categories",
    "wholesalers": "wholesalers",
    "live_stream_sessions": "shows",
    "live_products": "lineups",
    "influencer_goals": "goals",
    "influencer_earnings": "earnings",
    "influencer_achievements": "achievements",
    "notifications": "notifications",
}


def badge_text(state: str, pending: int) -> str:
    symbol, words = BADGES.get(state, ("?", state.capitalize() or "Unknown"))
    if state == "offline" and pending > 0:
        words = OFFLINE_QUEUED
    return f"{symbol} {words}"


def pending_text(pending: int) -> str:
    if pending <= 0:
        return ""
    return f"{pending:,} change{'s' if pending != 1 else ''} waiting"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def one_line(text: str) -> str:
    """Text for a single-line label: line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def breakable(text: str, every: int = 40) -> str:
    """`text` with invisible break chances inside very long words, so wrapped labels and
    tooltips can wrap them instead of growing to their width."""
    return " ".join(
        "\u200b".join(word[i:i + every] for i in range(0, len(word), every))
        if len(word) > every else word
        for word in text.split(" "))


def tooltip_text(text: str, limit: int = TOOLTIP_CHARS) -> str:
    """A tooltip for a long text: wrappable, and cut (saying so) past `limit` characters."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + "… (click for the whole message)"
    return breakable(text)


def progress_text(table: str, done: int, total: int) -> str:
    words = TABLE_WORDS.get(table, table.replace("_", " "))
    if total < 0:
        return f"Syncing {words} {done:,}"
    return f"Syncing {words} {done:,} / {total:,}"


class ElidedLabel(QLabel):
    """A one-line label that never asks for more width than it has: `text()` stays whole,
    the painted text ends in "…" when it does not fit, and the tooltip holds it all."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 max_width: int = MAX_TEXT_WIDTH) -> None:
        super().__init__(parent)
        self._max_width = max_width
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        text = one_line(text)
        super().setText(text)
        self.setToolTip(tooltip_text(text))

    def shown_text(self) -> str:
        """What is painted at the current width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             max(self.contentsRect().width(), 0))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), MIN_TEXT_WIDTH), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self._max_width), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter, self.contentsRect(), int(self.alignment()), self.palette(),
            self.isEnabled(), self.shown_text(), self.foregroundRole())


class ElidedButton(QPushButton):
    """A flat push button whose text elides like ElidedLabel (`text()` stays whole)."""

    def __init__(self, parent: QWidget | None = None, *,
                 max_width: int = MAX_TEXT_WIDTH) -> None:
        super().__init__(parent)
        self._max_width = max_width
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _option(self) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return option

    def shown_text(self) -> str:
        """What is painted at the current width."""
        option = self._option()
        room = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                           self).width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             max(room - 8, 0))

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_TEXT_WIDTH, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self._max_width), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        option = self._option()
        option.text = self.shown_text()
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_PushButton, option)


class SyncStatusBar(QStatusBar):
    """Listens to SyncSignals (`bind`) and shows the state of the workspace in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.setContentsMargins(6, 0, 0, 2)
        self.badge = QLabel()
        self.badge.setObjectName("syncBadge")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("syncProgress")
        self.progress_bar.setMaximumWidth(320)
        self.progress_bar.setMinimumWidth(220)
        self.progress_bar.setTextVisible(True)
        # Words for busy work without a total (Fusion draws no text on a busy bar).
        self.activity_label = ElidedLabel(max_width=520)
        self.activity_label.setObjectName("activityLabel")
        self.rejection_button = ElidedButton()
        self.rejection_button.setObjectName("rejectionButton")
        self.rejection_button.setFlat(True)
        self.rejection_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.rejection_button.clicked.connect(self.show_rejection_details)
        self.search_index_label = ElidedLabel(SEARCH_INDEX_TEXT, max_width=240)
        self.search_index_label.setObjectName("searchIndexLabel")
        self.search_index_label.setToolTip(SEARCH_INDEX_TIP)
        self.notice_label = ElidedLabel()
        self.notice_label.setObjectName("noticeLabel")
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice_label.hide)
        # Whether changes arrive live or by polling (and why realtime is down), in words.
        self.realtime_label = ElidedLabel(max_width=420)
        self.realtime_label.setObjectName("realtimeLabel")
        self.identity_label = ElidedLabel(max_width=420)
        self.identity_label.setObjectName("identityLabel")
        self.identity_label.setContentsMargins(0, 0, 8, 0)

        self.addWidget(self.badge)
        self.addWidget(self.pending_label)
        self.addWidget(self.progress_bar)
        self.addWidget(self.activity_label)
        self.addWidget(self.search_index_label)
        self.addWidget(self.notice_label)
        self.addWidget(self.rejection_button, 1)
        self.addPermanentWidget(self.realtime_label)
        self.addPermanentWidget(self.identity_label)

        self.state = ""
        self.pending = 0
        self._progress_table = ""
        self._rejection: tuple[str, str, str, str, str] | None = None
        self._signals: SyncSignals | None = None
        self.progress_bar.hide()
        self.activity_label.hide()
        self.search_index_label.hide()
        self.notice_label.hide()
        self.rejection_button.hide()
        self.realtime_label.hide()
        self.realtime_live: bool | None = None
        self.set_state("connecting", 0, "")

    def bind(self, signals: SyncSignals) -> None:
        """Follow `signals` (a new workspace brings new signals; the old ones are let go)."""
        if self._signals is not None:
            for signal, slot in self._connections(self._signals):
                signal.disconnect(slot)
        self._signals = signals
        for signal, slot in self._connections(signals):
            signal.connect(slot)
        self.set_search_index(signals.search_index_building)

    def _connections(self, signals: SyncSignals) -> list[tuple[object, object]]:
        return [
            (signals.status_changed, self.set_state),
            (signals.progress, self.set_progress),
            (signals.op_rejected, self.set_rejection),
            (signals.realtime_changed, self.set_realtime),
            (signals.search_index, self.set_search_index),
        ]

    # ----------------------------------------------------------------- slots

    def set_state(self, state: str, pending: int, detail: str) -> None:
        self.state, self.pending = state, pending
        text = badge_text(state, pending)
        self.badge.setText(text)
        self.badge.setProperty("state", state)
        self.badge.setAccessibleName(f"Connection: {text[2:]}")
        self.badge.setToolTip(detail or text[2:])
        # A dynamic property only restyles after a re-polish.
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        words = pending_text(pending)
        self.pending_label.setText(words)
        self.pending_label.setVisible(bool(words))
        if state != "syncing":
            self.hide_progress()
        if state in ("signed_out", "closed"):  # no workspace: nothing arrives either way
            self.realtime_label.hide()
            self.realtime_live = None
        if state != "offline" and self.notice == OFFLINE_SYNC_LATER:
            self.notice_label.hide()  # the connection is back: the notice is out of date

    def set_progress(self, table: str, done: int, total: int) -> None:
        if total >= 0 and done >= total:
            if table == self._progress_table:
                self.hide_progress()
            return
        self._progress_table = table
        bar = self.progress_bar
        if total < 0:
            bar.setRange(0, 0)  # busy indicator: the total is not known
        else:
            bar.setRange(0, max(total, 1))
            bar.setValue(done)
        text = progress_text(table, done, total)
        bar.setFormat(text)
        bar.setToolTip(text)
        self._show_bar(busy_text=text if total < 0 else "")

    def set_search_index(self, building: bool) -> None:
        """Say "Building search index…" while the catalog's search index is being built."""
        self.search_index_label.setVisible(building)

    @property
    def search_index_text(self) -> str:
        """The search-index notice shown now ("" when none)."""
        return "" if self.search_index_label.isHidden() else self.search_index_label.text()

    def show_busy(self, text: str) -> None:
        """Indeterminate progress with words, e.g. while a workspace opens."""
        self._progress_table = ""
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat(text)
        self.progress_bar.setToolTip(text)
        self._show_bar(busy_text=text)

    def _show_bar(self, *, busy_text: str) -> None:
        self.progress_bar.setMaximumWidth(140 if busy_text else 320)
        self.progress_bar.setMinimumWidth(140 if busy_text else 220)
        self.activity_label.setText(busy_text)
        self.activity_label.setVisible(bool(busy_text))
        self.progress_bar.show()

    @property
    def progress_text(self) -> str:
        """What the progress shows in words ("" when hidden)."""
        if self.progress_bar.isHidden():
            return ""
        return self.activity_label.text() or self.progress_bar.format()

    def hide_progress(self) -> None:
        self._progress_table = ""
        self.progress_bar.hide()
        self.activity_label.hide()

    def set_rejection(self, op_id: str, target: str, message: str, sqlstate: str,
                      field: str) -> None:
        self._rejection = (op_id, target, message, sqlstate, field)
        first_line = message.strip().splitlines()[0] if message.strip() else "no reason given"
        self.rejection_button.setText(f"⚠ Change refused: {one_line(first_line)}")
        self.rejection_button.setToolTip(
            tooltip_text(first_line) + "\n\nClick to see what the server refused and why.")
        self.rejection_button.show()

    def clear_rejection(self) -> None:
        self._rejection = None
        self.rejection_button.hide()

    def rejection_details(self) -> str:
        if self._rejection is None:
            return ""
        op_id, target, message, sqlstate, field = self._rejection
        if len(message) > TOOLTIP_CHARS:  # the whole message is under "Show Details…"
            message = message[:TOOLTIP_CHARS].rstrip() + "… (the whole message is below)"
        lines = [breakable(_sentence(message)) or "The server refused the change.", ""]
        lines.append(f"What: {target.replace('_', ' ')}")
        if field:
            lines.append(f"Field: {field.replace('_', ' ')}")
        if sqlstate:
            lines.append(f"Server code: {sqlstate}")
        lines.append(f"Change id: {op_id}")
        lines += ["", "The change was undone in the studio; nothing else was affected."]
        return "\n".join(lines)

    def show_rejection_details(self) -> None:
        if self._rejection is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Change refused", self.rejection_details(),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("rejectionDetails")
        box.setDetailedText(self._rejection[2])
        box.finished.connect(self.clear_rejection)
        box.open()

    def set_realtime(self, live: bool, text: str) -> None:
        """"Live updates", or "Polling every N s (realtime down: why)"."""
        self.realtime_live = live
        self.realtime_label.setText(text)
        self.realtime_label.setProperty("live", live)
        self.realtime_label.setAccessibleName(f"Updates: {text}")
        self.realtime_label.show()

    def set_identity(self, text: str) -> None:
        self.identity_label.setText(text)

    def show_notice(self, text: str) -> None:
        """A short-lived message beside the badge (e.g. why F5 did nothing visible)."""
        self.notice_label.setText(text)
        self.notice_label.show()
        self._notice_timer.start()

    @property
    def notice(self) -> str:
        """The notice shown now ("" when none)."""
        return "" if self.notice_label.isHidden() else self.notice_label.text()
