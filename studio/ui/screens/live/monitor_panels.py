"""The control room's monitoring panels: chat monitor, viewers and sales for one show.

Each is a QWidget built with `(ctx: ScreenContext, parent=None)` that shows nothing until
`follow(session_id)`; `follow(None)` empties it. They update from `ctx.signals.tables_changed`
(one model update per batch) and read the cache on the reader thread.
"""

from __future__ import annotations

from studio.ui.screens.live.chat_monitor import ChatMonitor
from studio.ui.screens.live.sales_panel import SalesPanel
from studio.ui.screens.live.viewers_panel import ViewersPanel

__all__ = ["ChatMonitor", "SalesPanel", "ViewersPanel"]
