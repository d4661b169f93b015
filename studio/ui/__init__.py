"""UI layer: Qt widgets and windows; the only package that may import PySide6/qasync."""
