"""The flash-sale panel: price, duration (presets or custom), start / cancel, and the countdown
of the server's window. Refusals show under the field they are about."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money
from studio.session.flash_sale import PRESETS, preset_seconds

CUSTOM = "Custom…"
SUGGESTED_DISCOUNT = Decimal("0.20")  # the price field starts 20 % below the regular price
_CENT = Decimal("0.01")


def suggested_price(regular: Decimal) -> Decimal:
    return (regular * (1 - SUGGESTED_DISCOUNT)).quantize(_CENT, rounding=ROUND_HALF_UP)


def clock_text(seconds: int) -> str:
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes}:{rest:02d}"


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel#fieldError { color: #c0392b; }")
    label.hide()
    return label


class FlashPanel(QGroupBox):
    """Emits `start_requested(price text, duration seconds)` and `cancel_requested()`; a
    duration the presets refuse is shown at once and nothing is requested."""

    start_requested = Signal(str, int)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Flash sale", parent)
        self.setObjectName("liveFlashPanel")
        self.price = QLineEdit()
        self.price.setPlaceholderText("Flash price, e.g. 16.00")
        self.price.setAccessibleName("Flash price")
        self.price_error = _error_label()
        self.duration = QComboBox()
        self.duration.addItems([*PRESETS, CUSTOM])
        self.duration.setCurrentText("60 s")
        self.duration.setAccessibleName("Flash sale duration")
        self.custom = QSpinBox()
        self.custom.setRange(0, 24 * 3600)
        self.custom.setValue(120)
        self.custom.setSuffix(" s")
        self.custom.setAccessibleName("Custom duration in seconds")
        self.custom.setVisible(False)
        self.duration_error = _error_label()
        self.start_button = QPushButton("Start flash sale (S)")
        self.cancel_button = QPushButton("Cancel flash sale (X)")
        self.target = QLabel("Select a product in the lineup")
        self.target.setWordWrap(True)
        self.countdown = QLabel("No flash sale running")
        self.countdown.setObjectName("flashCountdown")
        self.countdown.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)

        durations = QHBoxLayout()
        durations.setContentsMargins(0, 0, 0, 0)
        durations.addWidget(self.duration)
        durations.addWidget(self.custom)
        durations.addStretch(1)
        form = QFormLayout()
        form.addRow("Price", self.price)
        form.addRow("", self.price_error)
        form.addRow("Duration", durations)
        form.addRow("", self.duration_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.target)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.countdown)
        layout.addWidget(self.progress)

        self.duration.currentTextChanged.connect(
            lambda text: self.custom.setVisible(text == CUSTOM))
        self.price.textEdited.connect(lambda _t: self._hide(self.price_error))
        self.custom.valueChanged.connect(lambda _v: self._hide(self.duration_error))
        self.duration.currentTextChanged.connect(lambda _t: self._hide(self.duration_error))
        self.start_button.clicked.connect(self.request_start)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._target_id: str | None = None
        self.show_idle()

    # ------------------------------------------------------------------ input
    def set_target(self, live_product_id: str | None, name: str, regular: Decimal | None
                   ) -> None:
        """The product a flash sale would start on; a new product pre-fills its price."""
        if live_product_id == self._target_id:
            return
        self._target_id = live_product_id
        if live_product_id is None or regular is None:
            self.target.setText("Select a product in the lineup")
            return
        self.target.setText(f"On: {name} (regular {format_money(regular)})")
        self.price.setText(f"{suggested_price(regular):.2f}")
        self.clear_errors()

    def duration_seconds(self) -> int:
        """The chosen duration; ValueError (the reason) when the presets refuse it."""
        choice = self.duration.currentText()
        return preset_seconds(f"{self.custom.value()}" if choice == CUSTOM else choice)

    def request_start(self) -> None:
        self.clear_errors()
        try:
            seconds = self.duration_seconds()
        except ValueError as exc:
            self.show_error("flash_duration", str(exc))
            return
        self.start_requested.emit(self.price.text().strip(), seconds)

    # ------------------------------------------------------------------ feedback
    def show_error(self, field: str, message: str) -> bool:
        """Show a refusal at its field; False when it is about neither field."""
        label = {"flash_price": self.price_error,
                 "flash_duration": self.duration_error}.get(field)
        if label is None:
            return False
        label.setText(f"⚠ {message}")
        label.show()
        (self.price if label is self.price_error else self.duration).setFocus()
        return True

    def clear_errors(self) -> None:
        self._hide(self.price_error)
        self._hide(self.duration_error)

    @staticmethod
    def _hide(label: QLabel) -> None:
        label.clear()
        label.hide()

    def show_running(self, name: str, price: Decimal, seconds_left: int, progress: float
                     ) -> None:
        self.countdown.setText(f"⚡ {name} at {format_money(price)}: "
                               f"{clock_text(seconds_left)} left")
        self.progress.setValue(int(progress * 1000))
        self.cancel_button.setEnabled(True)

    def show_idle(self) -> None:
        self.countdown.setText("No flash sale running")
        self.progress.setValue(0)
        self.cancel_button.setEnabled(False)
