"""The host's 100ms Prebuilt view: an embedded web view with camera and microphone granted to
the 100ms page only, or the system browser where Qt WebEngine is not available."""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

PREBUILT_SUFFIX = ".app.100ms.live"
# Set to 1 to always use the system browser (a machine whose GPU stack breaks WebEngine).
BROWSER_ENV = "SHOPSTREAM_VIDEO_IN_BROWSER"


def web_engine_available() -> bool:
    """Whether an embedded web view can be made here."""
    if os.environ.get(BROWSER_ENV) == "1":
        return False
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "QTWEBENGINE_DISABLE_SANDBOX" not in (
            os.environ):
        # Chromium refuses to start its sandbox as root and takes the process down with it.
        log.warning("Running as root: the video view runs without Chromium's sandbox")
        os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401  (heavy: only when video is opened)
    except ImportError as exc:
        log.info("Qt WebEngine is not available (%s): video opens in the browser", exc)
        return False
    return True


def is_prebuilt(url: QUrl) -> bool:
    return url.scheme() == "https" and url.host().endswith(PREBUILT_SUFFIX)


def grants(permission_type: Any, origin: QUrl) -> bool:
    """Camera and microphone, for a 100ms Prebuilt page only; nothing else, for nobody."""
    from PySide6.QtWebEngineCore import QWebEnginePermission

    kind = QWebEnginePermission.PermissionType
    media = {kind.MediaAudioCapture, kind.MediaVideoCapture, kind.MediaAudioVideoCapture}
    return permission_type in media and is_prebuilt(origin)


def make_web_view(parent: QWidget | None = None) -> Any:
    """A QWebEngineView whose page grants camera and microphone to 100ms Prebuilt pages, and
    refuses every other permission and origin."""
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEnginePermission
    from PySide6.QtWebEngineWidgets import QWebEngineView

    view = QWebEngineView(parent)
    page = QWebEnginePage(view)

    def decide(permission: QWebEnginePermission) -> None:
        if grants(permission.permissionType(), permission.origin()):
            permission.grant()
        else:
            log.info("Refused %s for %s", permission.permissionType().name,
                     permission.origin().host())
            permission.deny()

    page.permissionRequested.connect(decide)
    view.setPage(page)
    view.setAccessibleName("Video")
    return view


def open_in_browser(url: str) -> bool:
    """The system browser's turn: True when a browser accepted the link."""
    return QDesktopServices.openUrl(QUrl(url))
