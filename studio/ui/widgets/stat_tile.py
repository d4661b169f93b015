"""A figure with its caption (a big number over a small word), for dashboards and live panels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class StatTile(QWidget):
    """`set_value("1,204")`: the number large, the caption under it; both read as one name."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.value_label = QLabel("—")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value_label.setFont(font)
        self.caption_label = QLabel(caption)
        for label in (self.value_label, self.caption_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(0)
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)
        self.setAccessibleName(f"{caption}: —")

    @property
    def value(self) -> str:
        return self.value_label.text()

    def set_value(self, text: str, tooltip: str = "") -> None:
        self.value_label.setText(text)
        self.setToolTip(tooltip)
        self.setAccessibleName(f"{self.caption}: {text}")
