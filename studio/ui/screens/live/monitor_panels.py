"""The control room's monitoring panels: chat monitor, viewers and sales for one show."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.ui.context import ScreenContext
from studio.ui.screens.live.chat_monitor import ChatMonitor


class _FollowingPanel(QWidget):
    """Base for a panel that shows one live show's data (or nothing when no show is followed)."""

    def __init__(self, ctx: ScreenContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.session_id: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(title))

    def follow(self, session_id: str | None) -> None:
        """Show `session_id`'s data from now on (None: no show)."""
        self.session_id = session_id


class ViewersPanel(_FollowingPanel):
    """Current, peak and unique viewers with a chart over time."""

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Viewers", parent)


class SalesPanel(_FollowingPanel):
    """Orders feed, revenue, units per product and conversion."""

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Sales", parent)


__all__ = ["ChatMonitor", "SalesPanel", "ViewersPanel"]
