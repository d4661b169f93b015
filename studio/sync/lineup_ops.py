"""Glue between the lineup builder and the outbox: cached rows to domain records, changes to ops.

Cache rows keep money as integer cents under `<column>_cents`; domain records use the server's
column names and Decimal amounts. Operations carry only the columns a host may write
(backend_schema/ACCESS.md): inserts the insertable columns, edits the changed updatable ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from studio.core.lineup import AddResult, Lineup, diff_lineups
from studio.core.lineup_rules import field_for_server_message
from studio.core.models import LineupItem, Product, Show, WholesalerLineupRow
from studio.core.money import parse_money, parse_quantity
from studio.core.rows import from_row, to_row
from studio.sync.cache import CacheReader, Operation, cents_to_decimal, table_spec

SHOWS = "live_stream_sessions"
LIVE_PRODUCTS = "live_products"

# What a host may insert / update (ACCESS.md, live_stream_sessions and live_products).
SHOW_INSERT_COLUMNS = (
    "id", "influencer_id", "title", "description", "thumbnail_url", "scheduled_start",
    "scheduled_end", "is_rehearsal", "chat_enabled",
)
SHOW_UPDATE_COLUMNS = SHOW_INSERT_COLUMNS[2:]
ITEM_INSERT_COLUMNS = (
    "id", "session_id", "influencer_id", "product_id", "name", "description", "image_url",
    "position", "live_price", "compare_at_price", "allocated_quantity", "max_per_buyer", "status",
)
ITEM_UPDATE_COLUMNS = ITEM_INSERT_COLUMNS[4:]


# --------------------------------------------------------------------------- cache rows


def server_row(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded cache row under the server's column names, money as Decimal."""
    out: dict[str, Any] = {}
    for column in table_spec(table).columns:
        if column.name not in row:
            continue
        value = row[column.name]
        if column.name != column.source and value is not None:  # money kept in cents
            value = cents_to_decimal(value)
        out[column.source] = value
    return out


def show_from_row(row: Mapping[str, Any]) -> Show:
    return from_row(Show, server_row(SHOWS, row))


def item_from_row(row: Mapping[str, Any]) -> LineupItem:
    return from_row(LineupItem, server_row(LIVE_PRODUCTS, row))


def product_from_row(row: Mapping[str, Any]) -> Product:
    return from_row(Product, server_row("products", row))


def preview_row_from_row(row: Mapping[str, Any]) -> WholesalerLineupRow:
    """A row of `CacheReader.wholesaler_lineups` as the preview's record."""
    values = dict(row)
    values["live_price"] = cents_to_decimal(values.pop("live_price_cents"))
    values["wholesale_price"] = cents_to_decimal(values.pop("wholesale_price_cents"))
    values["host_display_name"] = values.get("host_display_name") or "—"
    return from_row(WholesalerLineupRow, values)


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class LineupSnapshot:
    """A show's lineup as cached, with the catalog products its items come from."""

    lineup: Lineup
    products: Mapping[UUID, Product] = field(default_factory=dict)

    @property
    def show(self) -> Show:
        return self.lineup.show


@dataclass(frozen=True)
class ShowSummary:
    """One row of the host's show list."""

    show: Show
    item_count: int


def load_lineup(reader: CacheReader, show_id: str) -> LineupSnapshot | None:
    """The show and its lineup from the cache (run through `ScreenContext.read`)."""
    show_row = reader.get(SHOWS, show_id)
    if show_row is None:
        return None
    show = show_from_row(show_row)
    items = [item_from_row(row) for row in reader.lineup(show_id)]
    products = load_products(reader, {i.product_id for i in items if i.product_id is not None})
    return LineupSnapshot(Lineup.of(show, items), {p.id: p for p in products})


def load_products(reader: CacheReader, product_ids: Iterable[UUID | str]) -> list[Product]:
    """Catalog products by id, in the order given; ids not in the cache are skipped."""
    products = []
    for product_id in product_ids:
        row = reader.get("products", str(product_id))
        if row is not None:
            products.append(product_from_row(row))
    return products


def load_shows(reader: CacheReader, influencer_id: str) -> list[ShowSummary]:
    """The host's shows, latest first, with the number of items in each lineup."""
    return [
        ShowSummary(show_from_row(row), len(reader.lineup(row["id"])))
        for row in reader.shows_of_host(influencer_id)
    ]


def load_wholesaler_lineups(reader: CacheReader, wholesaler_id: str) -> list[WholesalerLineupRow]:
    """The lineup items selling the wholesaler's products. Items whose show has not reached
    the cache yet (a sync in progress) are left out until it has."""
    return [
        preview_row_from_row(row)
        for row in reader.wholesaler_lineups(wholesaler_id)
        if row["show_status"] is not None and row["scheduled_start"] is not None
    ]


# --------------------------------------------------------------------------- operations


def show_ops(before: Show | None, after: Show) -> list[Operation]:
    """Create the show (no `before`), or send the columns a host may change that changed."""
    if before is None:
        return [Operation("upsert", SHOWS, to_row(after, SHOW_INSERT_COLUMNS))]
    changed = [n for n in SHOW_UPDATE_COLUMNS if getattr(after, n) != getattr(before, n)]
    if not changed:
        return []
    return [Operation("upsert", SHOWS, to_row(after, ("id", *changed)))]


def lineup_ops(before: Lineup, after: Lineup) -> list[Operation]:
    """The writes turning `before` into `after`: deletes, then inserts, then edits."""
    diff = diff_lineups(before, after)
    ops = [Operation("delete", LIVE_PRODUCTS, {"id": str(item_id)}) for item_id in diff.removed]
    ops += [Operation("upsert", LIVE_PRODUCTS, to_row(i, ITEM_INSERT_COLUMNS)) for i in diff.added]
    old = {item.id: item for item in before.items}
    for item in diff.updated:
        previous = old[item.id]
        changed = [n for n in ITEM_UPDATE_COLUMNS if getattr(item, n) != getattr(previous, n)]
        if changed:
            ops.append(Operation("upsert", LIVE_PRODUCTS, to_row(item, ("id", *changed))))
    return ops


@dataclass(frozen=True)
class SentEdit:
    """What an operation was about, to place the server's refusal next to its field."""

    target: str
    row_id: str
    fields: tuple[str, ...]


def describe_op(op: Operation) -> SentEdit:
    fields = tuple(name for name in op.payload if name not in ("id", "session_id", "influencer_id"))
    return SentEdit(op.target, str(op.payload.get("id", "")), fields)


def refused_field(sent: SentEdit | None, signal_field: str, message: str) -> str:
    """The field a refusal is about: the one the server named, else the one its constraint
    names, else the single field the operation changed; "" when none is known."""
    if signal_field:
        return signal_field
    if from_message := field_for_server_message(message):
        return from_message
    if sent is not None and len(sent.fields) == 1:
        return sent.fields[0]
    return ""


def add_summary(result: AddResult, requested: int, found: int) -> tuple[str, str]:
    """What adding products did, and the kind of message: "info", "warning" or "error"."""
    notes = list(result.rejected.values())
    if found < requested:
        notes.append(f"{requested - found} products are not in the local catalog")
    if not result.added:
        return "Nothing added: " + "; ".join(notes), "error"
    text = f"Added {len(result.added)} of {requested} products."
    return " ".join([text, *notes]), "warning" if notes else "info"


def item_ids(values: Sequence[str]) -> list[UUID]:
    """Item or product ids as UUIDs; text that is not a uuid raises ValueError."""
    return [UUID(str(value)) for value in values]


# --------------------------------------------------------------------------- editing helpers


def parse_cell(field_name: str, value: Any) -> Any:
    """A lineup cell's text as typed (or a value) for `field_name`; ValueError with a user
    message when it is not a price / quantity. A blank compare-at price clears it."""
    if field_name == "allocated_quantity":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_quantity(str(value))
    if isinstance(value, Decimal):
        return value
    text = "" if value is None else str(value)
    if field_name == "compare_at_price" and not text.strip():
        return None
    return parse_money(text)


def decode_ids(raw: bytes) -> list[UUID] | None:
    """A drag's JSON list of ids, or None when it is not one."""
    try:
        values = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list):
        return None
    try:
        return [UUID(str(value)) for value in values]
    except ValueError:
        return None


def stepped_order(order: Sequence[UUID], chosen: Iterable[UUID], step: int) -> list[UUID]:
    """`order` with each chosen item one place earlier (step −1) or later (+1); chosen items
    already against that end (or against a blocked chosen item) stay where they are."""
    result, picked = list(order), set(chosen)
    indexes = range(len(result)) if step < 0 else range(len(result) - 1, -1, -1)
    blocked = -1 if step < 0 else len(result)  # the nearest slot a moving item cannot enter
    for index in indexes:
        if result[index] not in picked:
            continue
        target = index + step
        if target == blocked:
            blocked = index
            continue
        result[index], result[target] = result[target], result[index]
    return result
