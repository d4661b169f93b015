"""The category tree of the catalog filter, under an "All categories" item, with product counts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from studio.sync.cache import CacheReader
from studio.ui.context import ScreenContext

log = logging.getLogger(__name__)

ALL_CATEGORIES = "All categories"
PATH_SEPARATOR = " › "
CategoryIdRole = Qt.ItemDataRole.UserRole + 1
_WATCHED = frozenset({"categories", "products"})
_ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument


def category_paths(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each category's path from its top-level ancestor ("Beauty › Skincare › Serums").

    A parent missing from the rows ends the path; a cycle (never valid, but a cache could hold
    one mid-sync) is cut where it repeats.
    """
    by_id = {row["id"]: row for row in rows}
    paths: dict[str, str] = {}
    for category_id in by_id:
        names: list[str] = []
        seen: set[str] = set()
        current: str | None = category_id
        while current is not None and current in by_id and current not in seen:
            seen.add(current)
            names.append(by_id[current]["name"])
            current = by_id[current]["parent_id"]
        paths[category_id] = PATH_SEPARATOR.join(reversed(names))
    return paths


@dataclass(eq=False)
class _Node:
    key: int
    category_id: str | None
    name: str
    parent: _Node | None
    row: int = 0
    count: int | None = None
    children: list[_Node] = field(default_factory=list)


# What the counts may be narrowed by: the catalog's search and filters, except the category
# (the tree chooses the category; every category keeps its own count).
COUNT_FILTERS = frozenset({"wholesaler_id", "min_price", "max_price", "in_stock",
                           "live_eligible", "status"})


def subtree_counts(rows: Iterable[Mapping[str, Any]],
                   own: Mapping[str | None, int]) -> dict[str, int]:
    """Each category's count including its descendants, from counts per own category; the
    key "" holds the total. A cycle in the tree (never valid) is cut where it repeats."""
    parents = {row["id"]: row["parent_id"] for row in rows}
    totals = dict.fromkeys(parents, 0)
    for category, count in own.items():
        seen: set[str] = set()
        current = category
        while current is not None and current in parents and current not in seen:
            seen.add(current)
            totals[current] += count
            current = parents[current]
    totals[""] = sum(own.values())
    return totals


def _load(reader: CacheReader, with_counts: bool, count_query: Mapping[str, Any]
          ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Active categories, and (on request) how many products matching `count_query` each
    holds including descendants (the key "" holds the whole count)."""
    every = reader.categories()
    rows = [row for row in every if row["is_active"]]
    counts: dict[str, int] = {}
    if with_counts:
        counts = subtree_counts(every, reader.count_products_by_category(**count_query))
    return rows, counts


def _structure(rows: Iterable[Mapping[str, Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple((row["id"], row["parent_id"], row["name"]) for row in rows)


class CategoryModel(QAbstractItemModel):
    """Categories as a tree under one "All categories" item (whose category id is None).

    Column 0 is the name; with `with_counts`, column 1 is the number of products in the
    category and its descendants. Reloads when the cache's categories or products change.
    """

    reloaded = Signal()
    load_failed = Signal(str)

    def __init__(self, ctx: ScreenContext, parent: QObject | None = None, *,
                 with_counts: bool = False) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._with_counts = with_counts
        self._nodes: list[_Node] = []
        self._root = self._new_node(None, ALL_CATEGORIES, None)
        self._invisible = _Node(-1, None, "", None, children=[self._root])
        self._paths: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loading = False
        self._stale = False
        self._structure: tuple[tuple[Any, ...], ...] | None = None
        self._count_query: dict[str, Any] = {}
        ctx.signals.tables_changed.connect(self._on_tables_changed)

    def set_count_query(self, query: str | None = None, **filters: Any) -> None:
        """Count only the products matching this search text and these filters (keyword
        arguments of CacheReader.count_products, without a category); reloads on a change."""
        unknown = set(filters) - COUNT_FILTERS
        if unknown:
            raise ValueError(f"counts cannot be narrowed by {', '.join(sorted(unknown))}: "
                             "every category keeps its own count")
        wanted = {"query": query or None, **filters}
        wanted = {key: value for key, value in wanted.items() if value is not None}
        if wanted != self._count_query:
            self._count_query = wanted
            self.reload()

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        """Read the categories again (one read at a time; a request meanwhile queues one more)."""
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._spawn(self._reload())

    @property
    def is_loading(self) -> bool:
        return self._loading

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload(self) -> None:
        try:
            rows, counts = await self._ctx.read(_load, self._with_counts,
                                                dict(self._count_query))
        except Exception as exc:  # a failed read must leave the tree usable, never crash
            log.exception("could not read categories")
            if isValid(self):
                self._loading = False
                self.load_failed.emit(f"Could not read categories: {exc}")
            return
        if not isValid(self):
            return
        self._loading = False
        self._apply(rows, counts)
        if self._stale:
            self._stale = False
            self.reload()

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if tables & (_WATCHED if self._with_counts else {"categories"}):
            self.reload()

    def _new_node(self, category_id: str | None, name: str, parent: _Node | None) -> _Node:
        node = _Node(len(self._nodes), category_id, name, parent)
        self._nodes.append(node)
        return node

    def _apply(self, rows: list[dict[str, Any]], counts: Mapping[str, int]) -> None:
        structure = _structure(rows)
        if structure == self._structure:
            self._update_counts(counts)  # nothing moves: open items and clicks stay put
            self.reloaded.emit()
            return
        self._structure = structure
        self.beginResetModel()
        self._nodes = []
        self._root = self._new_node(None, ALL_CATEGORIES, None)
        self._root.count = counts.get("")
        self._invisible.children = [self._root]
        by_id = {row["id"]: row for row in rows}
        nodes: dict[str, _Node] = {}
        for row in rows:  # rows come in display order (sort_order, name)
            node = self._new_node(row["id"], row["name"], None)
            node.count = counts.get(row["id"])
            nodes[row["id"]] = node
        for row in rows:
            node = nodes[row["id"]]
            parent = nodes.get(row["parent_id"]) if row["parent_id"] in by_id else None
            if parent is not None and self._is_ancestor(node, parent):
                parent = None  # a cycle: show the category at the top level instead
            node.parent = parent or self._root
            node.row = len(node.parent.children)
            node.parent.children.append(node)
        self._paths = category_paths(rows)
        self.endResetModel()
        self.reloaded.emit()

    def _update_counts(self, counts: Mapping[str, int]) -> None:
        last = self.columnCount() - 1
        for node in self._nodes:
            count = counts.get(node.category_id or "")
            if count != node.count:
                node.count = count
                self.dataChanged.emit(self.createIndex(node.row, 0, node.key),
                                      self.createIndex(node.row, last, node.key))

    @staticmethod
    def _is_ancestor(node: _Node, of: _Node) -> bool:
        current: _Node | None = of
        while current is not None:
            if current is node:
                return True
            current = current.parent
        return False

    # ------------------------------------------------------------------ lookups
    def category_id(self, index: _ModelIndex) -> str | None:
        node = self._node(index)
        return None if node is None else node.category_id

    def path_of(self, category_id: str | None) -> str:
        """"Beauty › Skincare" for a known category, "" otherwise."""
        return self._paths.get(category_id or "", "")

    def index_of(self, category_id: str | None) -> QModelIndex:
        """The item of a category (the "All categories" item for None); invalid if unknown."""
        for node in self._nodes:
            if node.category_id == category_id:
                return self.createIndex(node.row, 0, node.key)
        return QModelIndex()

    def _node(self, index: _ModelIndex) -> _Node | None:
        if not index.isValid():
            return None
        key = index.internalId()
        return self._nodes[key] if 0 <= key < len(self._nodes) else None

    # ------------------------------------------------------------------ Qt model
    def index(self, row: int, column: int, parent: _ModelIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        owner = self._node(parent) if parent.isValid() else self._invisible
        if owner is None or row >= len(owner.children):
            return QModelIndex()
        return self.createIndex(row, column, owner.children[row].key)

    def parent(self, index: _ModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.key)

    def rowCount(self, parent: _ModelIndex = _ROOT) -> int:
        if parent.column() > 0:
            return 0
        owner = self._node(parent) if parent.isValid() else self._invisible
        return 0 if owner is None else len(owner.children)

    def columnCount(self, parent: _ModelIndex = _ROOT) -> int:
        return 2 if self._with_counts else 1

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        if role == CategoryIdRole:
            return node.category_id
        if role == Qt.ItemDataRole.ForegroundRole and node.count == 0:
            # Nothing matches the search and filters here: still listed, but muted.
            return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        if index.column() == 1:
            if role == Qt.ItemDataRole.DisplayRole:
                return None if node.count is None else f"{node.count:,}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return node.name
        if role == Qt.ItemDataRole.ToolTipRole:
            path = self.path_of(node.category_id) if node.category_id else node.name
            if node.count is None:
                return path
            noun = "product" if node.count == 1 else "products"
            return f"{path} — {node.count:,} {noun}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Category", "Products")[section] if 0 <= section < 2 else None
        return None
