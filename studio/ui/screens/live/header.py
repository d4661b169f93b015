"""The control room's top: which show, its state in words and symbol, elapsed time, the show
buttons, the rehearsal audience's progress, and the product card (video: video_panel.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money

# The state a host reads: words first, a symbol so it never depends on colour.
STATE_TEXT = {
    "draft": "✎ Draft", "scheduled": "○ Scheduled", "rehearsal": "◐ Rehearsal",
    "live": "● LIVE", "ended": "■ Ended", "cancelled": "⊘ Cancelled",
}


def elapsed_text(seconds: float) -> str:
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ShowHeader(QWidget):
    """Emits what the host asks for; the screen decides what is enabled."""

    show_chosen = Signal(str)
    go_live_clicked = Signal()
    rehearse_clicked = Signal()
    stop_audience_clicked = Signal()
    end_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker = QComboBox()
        self.picker.setAccessibleName("Show")
        self.picker.setMinimumContentsLength(18)
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.title = QLabel("Choose a show")
        self.title.setObjectName("liveTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.state = QLabel("")
        self.state.setObjectName("liveState")
        self.elapsed = QLabel("")
        self.busy = QLabel("")
        self.busy.setObjectName("liveBusy")
        self.go_live = QPushButton("Go live")
        self.rehearse = QPushButton("Rehearse")
        self.rehearse.setToolTip("Local workspace: start the show with a simulated audience")
        self.stop_audience = QPushButton("Stop audience")
        self.end = QPushButton("End show…")
        self.audience = QLabel("")
        self.audience.setWordWrap(True)
        self.audience_bar = QProgressBar()
        self.audience_bar.setTextVisible(False)
        self.audience_bar.setMaximumHeight(8)

        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.go_live)
        top.addWidget(self.rehearse)
        top.addWidget(self.stop_audience)
        top.addWidget(self.end)
        facts = QHBoxLayout()
        facts.addWidget(self.title, 1)
        facts.addWidget(self.state)
        facts.addWidget(self.elapsed)
        facts.addWidget(self.busy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(facts)
        layout.addWidget(self.audience)
        layout.addWidget(self.audience_bar)

        self.picker.activated.connect(self._picked)
        self.go_live.clicked.connect(self.go_live_clicked)
        self.rehearse.clicked.connect(self.rehearse_clicked)
        self.stop_audience.clicked.connect(self.stop_audience_clicked)
        self.end.clicked.connect(self.end_clicked)
        self.show_audience(None, 0, 0)

    def set_shows(self, shows: Sequence[Mapping[str, Any]], current: str | None) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem("Choose a show…", None)
        for row in shows:
            label = f"{row.get('title') or 'Untitled'} — {row.get('status')}"
            self.picker.addItem(label, str(row["id"]))
        index = self.picker.findData(current) if current else 0
        self.picker.setCurrentIndex(max(index, 0))
        self.picker.blockSignals(False)

    def _picked(self, index: int) -> None:
        show_id = self.picker.itemData(index)
        if show_id:
            self.show_chosen.emit(str(show_id))

    def show_audience(self, summary: str | None, done: int, planned: int) -> None:
        self.audience.setVisible(summary is not None)
        self.audience_bar.setVisible(summary is not None)
        self.audience.setText(f"Simulated audience: {summary}" if summary else "")
        self.audience_bar.setRange(0, max(planned, 1))
        self.audience_bar.setValue(min(done, max(planned, 1)))


class ProductCard(QGroupBox):
    """The featured product: live stock (allocated − sold), units sold and revenue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Featured product", parent)
        self.setObjectName("liveProductCard")
        self.name = QLabel("Nothing featured: select a product and press F")
        self.name.setWordWrap(True)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.stock = QLabel("—")
        self.sold = QLabel("—")
        self.revenue = QLabel("—")
        grid = QGridLayout()
        for column, (caption, value) in enumerate(
                (("Live stock", self.stock), ("Units sold", self.sold),
                 ("Revenue", self.revenue))):
            grid.addWidget(QLabel(caption), 0, column)
            grid.addWidget(value, 1, column)
            value.setObjectName(f"productCard{caption.replace(' ', '')}")
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addLayout(grid)

    def show_product(self, name: str, stock: int, sold: int, revenue: Decimal,
                     sold_out: bool) -> None:
        self.name.setText(f"● {name}" + (" — SOLD OUT" if sold_out else ""))
        self.stock.setText(f"{stock:,}")
        self.sold.setText(f"{sold:,}")
        self.revenue.setText(format_money(revenue))

    def show_nothing(self) -> None:
        self.name.setText("Nothing featured: select a product and press F")
        for label in (self.stock, self.sold, self.revenue):
            label.setText("—")
