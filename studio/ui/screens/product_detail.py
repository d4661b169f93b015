"""The catalog's detail pane: a product's picture placeholder, prices, margin, stock, source."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.margins import item_margin
from studio.core.models import LineupItem, Product
from studio.core.money import format_money, format_percent
from studio.ui.models.catalog_model import product_from_row, status_text
from studio.ui.screens.elided_label import ElidedLabel

NO_SELECTION_TEXT = "Select a product to see its details"


def initials(name: str) -> str:
    """Up to two letters standing for a product name ("Vitamin C Serum" → "VC")."""
    words = [word for word in name.split() if word[:1].isalpha()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def placeholder_hue(product_id: str) -> int:
    """A stable hue per product, so the same product always gets the same colour."""
    digits = "".join(ch for ch in product_id if ch in "0123456789abcdef")[-8:] or "0"
    return int(digits, 16) % 360


def retail_margin(product: Product) -> tuple[Decimal, Decimal | None]:
    """The host's margin per unit when selling at the suggested retail price (amount, percent):
    one unit at the retail price, against its wholesale cost, before commission."""
    unit = LineupItem(id=product.id, session_id=product.id, name=product.name,
                      live_price=product.retail_price, allocated_quantity=1)
    margin = item_margin(unit, product, Decimal(0))
    return margin.gross_margin or Decimal(0), margin.margin_percent


class ImagePlaceholder(QWidget):
    """A rounded tile with the product's initials on a colour of its own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._hue = 0
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(150)
        self.setAccessibleName("Product picture placeholder")

    def set_product(self, name: str, product_id: str) -> None:
        self._text, self._hue = initials(name), placeholder_hue(product_id)
        self.setToolTip(f"No picture of {name} in the offline catalog")
        self.update()

    @property
    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QSize:
        return QSize(220, 150)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor.fromHsl(self._hue, 90, 70 if dark else 200))
        painter.drawRoundedRect(rect, 10, 10)
        font = QFont(self.font())
        font.setPixelSize(max(int(rect.height() * 0.32), 12))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor.fromHsl(self._hue, 120, 215 if dark else 70))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._text)
        painter.end()


class ProductDetail(QWidget):
    """Shows one catalog product; `show_product(None)` shows the no-selection hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._product_id: str | None = None
        self._stack = QStackedWidget(self)
        self._empty = QLabel(NO_SELECTION_TEXT, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._build_details())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.setMinimumWidth(220)

    def _build_details(self) -> QWidget:
        page = QWidget(self)
        self.image = ImagePlaceholder(page)
        self.name_label = QLabel(page)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.name_label.setFont(title_font)
        self.brand_label = QLabel(page)
        self.brand_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(12)
        self.fields: dict[str, ElidedLabel] = {}
        for key, label in (
            ("sku", "SKU"),
            ("wholesale", "Wholesale price"),
            ("retail", "Suggested retail"),
            ("margin", "Margin at retail"),
            ("stock", "Stock"),
            ("status", "Status"),
            ("wholesaler", "Wholesaler"),
            ("category", "Category"),
            ("tags", "Tags"),
        ):
            # One line each, elided with the whole value in the tooltip: a wrapped label in a
            # form inside a scroll area gets one line's height and is cut mid-value.
            value = ElidedLabel("", page)
            self.fields[key] = value
            form.addRow(f"{label}:", value)
        self.description_label = QLabel(page)
        self.description_label.setWordWrap(True)
        self.description_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.description_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.name_label, self.brand_label, self.description_label,
                      *self.fields.values()):
            label.setTextFormat(Qt.TextFormat.PlainText)  # product text is data, never markup
        for label in (self.name_label, self.brand_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        line = QFrame(page)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        inner = QWidget(page)
        column = QVBoxLayout(inner)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(6)
        column.addWidget(self.image)
        column.addSpacing(6)
        column.addWidget(self.name_label)
        column.addWidget(self.brand_label)
        column.addSpacing(6)
        column.addLayout(form)
        column.addWidget(line)
        column.addWidget(self.description_label)
        column.addStretch(1)
        scroll = QScrollArea(page)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        return page

    @property
    def product_id(self) -> str | None:
        return self._product_id

    def show_product(self, row: Mapping[str, Any] | None, *, wholesaler: str = "",
                     category_path: str = "") -> None:
        """Show a cached product row (as CatalogModel's ProductRole gives it), or no product."""
        if row is None:
            self._product_id = None
            self._stack.setCurrentIndex(0)
            return
        product = product_from_row(row)
        self._product_id = row["id"]
        self.image.set_product(product.name, row["id"])
        self.name_label.setText(product.name)
        self.brand_label.setText(product.brand or "No brand")
        amount, percent = retail_margin(product)
        stock = product.stock_quantity
        values = {
            "sku": product.sku,
            "wholesale": format_money(product.wholesale_price),
            "retail": format_money(product.retail_price),
            "margin": f"{format_money(amount)} ({format_percent(percent)})",
            "stock": f"{stock:,} units" if stock > 0 else "Out of stock",
            "status": status_text(row),
            "wholesaler": wholesaler or "Unknown wholesaler",
            "category": category_path or "No category",
            "tags": ", ".join(product.tags) if product.tags else "None",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.description_label.setText(product.description or "No description.")
        self._stack.setCurrentIndex(1)

    def field_text(self, key: str) -> str:
        return self.fields[key].text()
