"""The end-of-show report, computed from the server's rows of the show, and its CSV export.

Figures (from rows the host may read, plus `show_figures()` for what those rows cannot tell):
- duration: actual_start to actual_end (or to the report time while the show is still live);
- viewers: peak = most presences open at once (a leave at the same instant as a join counts
  first), unique = distinct viewers (user, else 100ms peer, else presence), a per-minute series;
- sales: lines that still count (a refund or a failed payment marks them `is_refunded`);
  revenue = sum of line totals, units = sum of quantities, orders = distinct orders;
- buyers = distinct customers, counted by the server (hosts cannot read who placed an order);
  unknown (None) when the report is computed without the server's figures;
- conversion = buyers / unique viewers; chat volume = messages (hidden ones included);
- flash-sale uplift = units per minute sold at a flash price, divided by units per minute
  sold at the regular price outside flash windows. Every flash window of the show counts (the
  server lists them; a product's row keeps only its latest one).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from studio.session.ports import ShowServer
from studio.session.rows import money, optional_timestamp, timestamp

VIEWER_COLUMNS = ("id", "user_id", "hms_peer_id", "joined_at", "left_at")
ORDER_ITEM_COLUMNS = ("id", "order_id", "live_product_id", "product_name", "quantity",
                      "line_total", "is_flash_price", "is_refunded", "created_at")
CHAT_COLUMNS = ("id", "is_hidden")
LIVE_PRODUCT_COLUMNS = ("id", "name", "position", "flash_starts_at", "flash_ends_at")
FIGURES_FUNCTION = "show_figures"
_RATIO = Decimal("0.0001")
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ProductSales:
    live_product_id: str | None
    name: str
    units: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class ShowReport:
    session_id: str
    title: str
    started_at: datetime | None
    ended_at: datetime | None
    duration: timedelta
    peak_viewers: int
    unique_viewers: int
    viewer_series: tuple[tuple[datetime, int], ...]
    revenue: Decimal
    units: int
    orders: int
    buyers: int | None
    conversion: Decimal | None
    chat_messages: int
    hidden_messages: int
    flash_minutes: Decimal
    flash_units: int
    regular_units: int
    flash_uplift: Decimal | None
    products: tuple[ProductSales, ...]
    # A practice show: a private rehearsal, or a show of a local workspace's own server
    # (where every customer is simulated or sample data; ACCESS.md, "Rehearsals").
    rehearsal: bool = False

    @property
    def kind(self) -> str:
        """"Rehearsal report" or "Show report": how every view and export titles it."""
        return "Rehearsal report" if self.rehearsal else "Show report"

    def top_products(self, n: int = 5) -> tuple[ProductSales, ...]:
        """The best sellers by revenue, then units (ties by name)."""
        ranked = sorted(self.products, key=lambda p: (-p.revenue, -p.units, p.name))
        return tuple(ranked[:n])


def _who(row: Mapping[str, Any]) -> str:
    return str(row.get("user_id") or row.get("hms_peer_id") or row["id"])


def viewer_curve(
    viewers: Iterable[Mapping[str, Any]], start: datetime | None, end: datetime,
    bucket: timedelta = timedelta(minutes=1),
) -> tuple[int, tuple[tuple[datetime, int], ...]]:
    """Peak concurrent presences and the most open in each bucket from `start` (a presence
    still open counts until `end`)."""
    events: list[tuple[datetime, int]] = []
    for row in viewers:
        joined = timestamp(row["joined_at"])
        left = optional_timestamp(row.get("left_at")) or end
        events.append((joined, 1))
        events.append((max(left, joined), -1))
    events.sort(key=lambda e: (e[0], e[1]))  # leaves (-1) before joins at the same instant
    origin = start or (events[0][0] if events else end)
    peak = current = 0
    most: dict[int, int] = {}  # the most open in a bucket
    last: dict[int, int] = {}  # how many were open at the end of a bucket
    for at, step in events:
        current += step
        peak = max(peak, current)
        index = max(int((at - origin) / bucket), 0)
        most[index] = max(most.get(index, 0), current)
        last[index] = current
    series: list[tuple[datetime, int]] = []
    level = 0
    for index in range(max(most) + 1 if most else 0):
        if index in most:
            series.append((origin + index * bucket, most[index]))
            level = last[index]
        else:  # nobody came or went: as many as were left open
            series.append((origin + index * bucket, level))
    return peak, tuple(series)


def flash_windows_of(products: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The windows the lineup rows still hold (each product's latest one only)."""
    return [{"live_product_id": row.get("id"), "starts_at": row.get("flash_starts_at"),
             "ends_at": row.get("flash_ends_at")} for row in products]


def _flash_minutes(windows: Iterable[Mapping[str, Any]], start: datetime | None,
                   end: datetime) -> Decimal:
    """Minutes of the show during which at least one flash window was open (windows merged)."""
    spans: list[tuple[datetime, datetime]] = []
    for row in windows:
        a, b = optional_timestamp(row.get("starts_at")), optional_timestamp(row.get("ends_at"))
        if a is None or b is None:
            continue
        a, b = max(a, start) if start else a, min(b, end)
        if b > a:
            spans.append((a, b))
    spans.sort()
    total = timedelta(0)
    cur: tuple[datetime, datetime] | None = None
    for a, b in spans:
        if cur is None or a > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = (a, b)
        else:
            cur = (cur[0], max(cur[1], b))
    if cur is not None:
        total += cur[1] - cur[0]
    return Decimal(total // timedelta(microseconds=1)) / Decimal(60_000_000)


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    return None if b == 0 else (a / b).quantize(_RATIO, rounding=ROUND_HALF_UP)


def compute_report(
    show: Mapping[str, Any],
    viewers: Sequence[Mapping[str, Any]],
    order_items: Sequence[Mapping[str, Any]],
    chat: Sequence[Mapping[str, Any]],
    live_products: Sequence[Mapping[str, Any]],
    *,
    figures: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    rehearsal: bool = False,
) -> ShowReport:
    """The report from the show's rows (server or cache shape) and the server's `figures`
    (`show_figures()`: buyers and every flash window). Without them, buyers and conversion
    are unknown and only the windows the lineup rows still hold are counted. `rehearsal` marks
    a practice show (a private rehearsal is one whatever it says)."""
    start = optional_timestamp(show.get("actual_start"))
    end = optional_timestamp(show.get("actual_end")) or now or datetime.now(UTC)
    duration = max(end - start, timedelta(0)) if start else timedelta(0)
    peak, series = viewer_curve(viewers, start, end)
    unique = len({_who(v) for v in viewers})

    names = {str(p["id"]): str(p.get("name") or "") for p in live_products}
    units_by: dict[str | None, int] = defaultdict(int)
    revenue_by: dict[str | None, Decimal] = defaultdict(lambda: _ZERO)
    label: dict[str | None, str] = {}
    orders: set[str] = set()
    flash_units = regular_units = 0
    for line in order_items:
        if line.get("is_refunded"):
            continue
        key = _text(line.get("live_product_id"))
        quantity = int(line["quantity"])
        units_by[key] += quantity
        revenue_by[key] += money(line, "line_total") or _ZERO
        label.setdefault(key, names.get(key or "", "") or str(line.get("product_name") or ""))
        orders.add(str(line["order_id"]))
        if line.get("is_flash_price"):
            flash_units += quantity
        else:
            regular_units += quantity
    products = tuple(ProductSales(k, label[k], units_by[k], revenue_by[k]) for k in units_by)
    revenue = sum(revenue_by.values(), _ZERO)
    units = sum(units_by.values())
    windows = (flash_windows_of(live_products) if figures is None
               else figures.get("flash_windows") or ())
    flash_minutes = _flash_minutes(windows, start, end)
    buyers = None if figures is None else int(figures["buyers"])
    show_minutes = Decimal(duration // timedelta(microseconds=1)) / Decimal(60_000_000)
    regular_minutes = show_minutes - flash_minutes
    uplift = None
    if flash_minutes > 0 and regular_minutes > 0 and regular_units > 0:
        uplift = _ratio(Decimal(flash_units) / flash_minutes,
                        Decimal(regular_units) / regular_minutes)
    return ShowReport(
        session_id=str(show["id"]), title=str(show.get("title") or ""), started_at=start,
        ended_at=optional_timestamp(show.get("actual_end")), duration=duration,
        peak_viewers=peak, unique_viewers=unique, viewer_series=series, revenue=revenue,
        units=units, orders=len(orders), buyers=buyers,
        conversion=None if buyers is None else _ratio(Decimal(buyers), Decimal(unique)),
        chat_messages=len(chat), hidden_messages=sum(1 for c in chat if c.get("is_hidden")),
        flash_minutes=flash_minutes.quantize(_RATIO, rounding=ROUND_HALF_UP),
        flash_units=flash_units, regular_units=regular_units, flash_uplift=uplift,
        products=products, rehearsal=rehearsal or bool(show.get("is_rehearsal")))


async def build_report(server: ShowServer, session_id: str, *, rehearsal: bool = False
                       ) -> ShowReport:
    """Read the show's rows from the server and compute its report (`rehearsal`: a show of a
    local workspace, which the studio reports as a rehearsal)."""
    show = await server.show_row(session_id)
    if show is None:
        raise LookupError(f"Show {session_id} is not visible")
    return compute_report(
        show,
        await server.show_rows("live_stream_viewers", session_id, VIEWER_COLUMNS),
        await server.show_rows("order_items", session_id, ORDER_ITEM_COLUMNS),
        await server.show_rows("live_stream_chat", session_id, CHAT_COLUMNS),
        await server.show_rows("live_products", session_id, LIVE_PRODUCT_COLUMNS),
        figures=await server.rpc(FIGURES_FUNCTION, {"p_session_id": session_id}),
        rehearsal=rehearsal,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def report_csv(report: ShowReport) -> str:
    """The report as CSV: a `metric,value` block, a blank line, then one row per product and
    the viewer series (spreadsheets read each block as a table)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["metric", "value"])
    summary = [
        ("show", report.title), ("session_id", report.session_id),
        ("rehearsal", "yes" if report.rehearsal else "no"),
        ("started_at", _iso(report.started_at)), ("ended_at", _iso(report.ended_at)),
        ("duration_seconds", int(report.duration.total_seconds())),
        ("peak_viewers", report.peak_viewers), ("unique_viewers", report.unique_viewers),
        ("revenue", report.revenue), ("units", report.units), ("orders", report.orders),
        ("buyers", _blank(report.buyers)), ("conversion", _blank(report.conversion)),
        ("chat_messages", report.chat_messages),
        ("hidden_messages", report.hidden_messages), ("flash_minutes", report.flash_minutes),
        ("flash_units", report.flash_units), ("regular_units", report.regular_units),
        ("flash_uplift", _blank(report.flash_uplift)),
    ]
    w.writerows(summary)
    w.writerow([])
    w.writerow(["product", "live_product_id", "units", "revenue"])
    for p in report.top_products(len(report.products)):
        w.writerow([p.name, p.live_product_id or "", p.units, p.revenue])
    w.writerow([])
    w.writerow(["minute_starting", "viewers"])
    for at, count in report.viewer_series:
        w.writerow([_iso(at), count])
    return out.getvalue()


def write_report_csv(report: ShowReport, path: Path) -> Path:
    """Write `report_csv` to `path` (UTF-8 with a BOM, so spreadsheet apps read accents)."""
    path.write_text(report_csv(report), encoding="utf-8-sig")
    return path


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat()


def _blank(value: Any) -> Any:
    return "" if value is None else value
