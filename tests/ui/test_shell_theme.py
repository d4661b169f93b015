"""Light and dark: the user's choice wins, "system" follows the desktop's scheme live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from studio.ui import theme as theme_module
from studio.ui.theme import ThemeController, dark_palette, light_palette

WINDOW = QPalette.ColorRole.Window


@pytest.fixture
def controller(qapp: QApplication) -> Iterator[ThemeController]:
    palette, sheet = qapp.palette(), qapp.styleSheet()
    made = ThemeController(qapp, "light")
    yield made
    QGuiApplication.styleHints().colorSchemeChanged.disconnect(made._on_system_changed)
    made.deleteLater()
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def test_choices_set_palette_style_and_stylesheet(qapp: QApplication,
                                                  controller: ThemeController) -> None:
    qapp.setStyleSheet("")  # the stylesheet style wraps Fusion; look beneath it
    assert qapp.style().name() == "fusion"
    controller.set_preference("dark")
    controller.set_preference("light")  # re-applies the stylesheet
    assert qapp.palette().color(WINDOW) == light_palette().color(WINDOW)
    assert "#eceef1" in qapp.styleSheet()  # the light sidebar
    flips: list[bool] = []
    controller.dark_changed.connect(flips.append)
    controller.set_preference("dark")
    assert controller.is_dark
    assert qapp.palette().color(WINDOW) == dark_palette().color(WINDOW)
    assert qapp.palette().color(WINDOW).lightness() < 60
    assert "#17181c" in qapp.styleSheet()  # the dark sidebar
    controller.set_preference("dark")  # no change, no signal
    assert flips == [True]


def test_unknown_choice_is_refused(controller: ThemeController) -> None:
    with pytest.raises(ValueError, match="unknown theme 'purple'"):
        controller.set_preference("purple")
    assert controller.preference == "light" and not controller.is_dark


def test_system_choice_follows_the_desktop_live(monkeypatch: pytest.MonkeyPatch,
                                                qapp: QApplication,
                                                controller: ThemeController) -> None:
    desktop_dark = [False]
    monkeypatch.setattr(theme_module, "system_prefers_dark", lambda: desktop_dark[0])
    controller.set_preference("system")
    assert not controller.is_dark
    desktop_dark[0] = True
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert controller.is_dark
    assert qapp.palette().color(WINDOW) == dark_palette().color(WINDOW)

    controller.set_preference("light")  # an explicit choice ignores the desktop
    desktop_dark[0] = True
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not controller.is_dark
