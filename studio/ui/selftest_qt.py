"""The self-test's Qt checks (studio.selftest runs them): Qt starts offscreen and shows a
widget with the app icon; Qt WebEngine imports or is cleanly absent."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def check_qt(_scratch: Path) -> str:
    """Qt starts offscreen, shows a widget and loads the app icon."""
    from PySide6.QtCore import qVersion

    if not _qt_app_exists():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # must be set before the app exists
    import PySide6
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    from studio.resources import icon_png

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "studio"])
    icon = QPixmap(str(icon_png(64)))
    if icon.isNull():
        raise RuntimeError(f"the app icon does not load ({icon_png(64)})")
    label = QLabel("self-test")
    label.setPixmap(icon)
    label.show()
    app.processEvents()
    shown = label.isVisible()
    label.close()
    label.deleteLater()
    if not shown:
        raise RuntimeError("a widget could not be shown")
    platform = QApplication.platformName()  # type: ignore[attr-defined]
    return f"Qt {qVersion()}, PySide6 {PySide6.__version__}, platform {platform}"


def _qt_app_exists() -> bool:
    if "PySide6.QtWidgets" not in sys.modules:
        return False
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() is not None


def check_web_view(_scratch: Path) -> str:
    """Qt WebEngine (the embedded video view) imports, or is cleanly absent (system browser)."""
    import importlib.util

    if importlib.util.find_spec("PySide6.QtWebEngineWidgets") is None:
        return "Qt WebEngine not included: video opens in the system browser"
    importlib.import_module("PySide6.QtWebEngineWidgets")
    return "Qt WebEngine available: video opens inside the studio"
