"""Small pieces the dashboard views share: a fitted read-only table, section headings."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from studio.ui.screens.dashboard.table_model import RecordTableModel
from studio.ui.screens.fitted_table import FittedTable


def table(model: RecordTableModel, name: str, *, stretch: int, min_chars: int = 12,
          samples: Mapping[int, str] | None = None, parent: QWidget | None = None
          ) -> FittedTable:
    view = FittedTable(parent, stretch=stretch, stretch_min_chars=min_chars, samples=samples)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    return view


def heading(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; font-size: 14px;")
    if name:
        label.setObjectName(name)
    return label


def selected_rows(view: FittedTable) -> list[int]:
    return sorted({index.row() for index in view.selectionModel().selectedRows()})
