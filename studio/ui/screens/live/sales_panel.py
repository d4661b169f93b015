"""The control room's sales panel: revenue, units, conversion, units per product, orders feed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QListView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money, format_percent
from studio.ui.context import ScreenContext
from studio.ui.models.figures_feed import FiguresFeed
from studio.ui.models.live_figures import FiguresSnapshot
from studio.ui.models.sales_model import ProductSalesModel, SalesFeedModel
from studio.ui.widgets.stat_tile import StatTile


def conversion_text(figures: FiguresSnapshot) -> str:
    """Buyers per unique viewer as a percentage ("—" before anyone watched)."""
    if figures.conversion is None:
        return "—"
    return format_percent(figures.conversion * 100)


class SalesPanel(QWidget):
    """Follows one show; one model update per change batch."""

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = FiguresFeed(ctx, self)
        self.orders = SalesFeedModel(parent=self)
        self.products = ProductSalesModel(self)
        self.revenue = StatTile("Revenue")
        self.units = StatTile("Units")
        self.orders_tile = StatTile("Orders")
        self.conversion = StatTile("Conversion")
        self.products_view = QTableView()
        self.products_view.setModel(self.products)
        self.products_view.verticalHeader().hide()
        self.products_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.products_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.products_view.setAccessibleName("Units per product")
        self.orders_view = QListView()
        self.orders_view.setModel(self.orders)
        self.orders_view.setUniformItemSizes(True)
        self.orders_view.setAccessibleName("Orders, newest first")
        self.status = QLabel()
        self.status.setWordWrap(True)
        tiles = QGridLayout()
        tile_row = (self.revenue, self.units, self.orders_tile, self.conversion)
        for column, tile in enumerate(tile_row):
            tiles.addWidget(tile, 0, column)
        splitter = QSplitter(Qt.Orientation.Vertical)
        for title, view in (("Units per product", self.products_view),
                            ("Orders (newest first)", self.orders_view)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(QLabel(title))
            box_layout.addWidget(view, 1)
            splitter.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Sales</b>"))
        layout.addLayout(tiles)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.feed.updated.connect(self.show_figures)
        self.feed.failed.connect(self.status.setText)
        self.show_figures(None)

    def follow(self, session_id: str | None) -> None:
        """Show `session_id`'s sales (None: nothing)."""
        self.status.clear()
        self.feed.follow(session_id)
        if session_id is None:
            self.show_figures(None)

    def show_figures(self, figures: FiguresSnapshot | None) -> None:
        if figures is None:
            for tile in (self.revenue, self.units, self.orders_tile, self.conversion):
                tile.set_value("—")
            self.orders.show_feed([])
            self.products.show_products([])
            return
        self.revenue.set_value(format_money(figures.revenue))
        self.units.set_value(f"{figures.units:,}")
        self.orders_tile.set_value(f"{figures.orders:,}",
                                   "Orders with at least one line that counts (not refunded,"
                                   " payment not failed)")
        buyers = "buyers not counted yet" if figures.buyers is None else (
            f"{figures.buyers:,} buyers")
        self.conversion.set_value(conversion_text(figures),
                                  f"{buyers} / {figures.unique_viewers:,} unique viewers")
        self.products.show_products(figures.products)
        self.orders.show_feed(figures.feed)
