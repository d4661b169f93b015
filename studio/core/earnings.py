"""The host's commission: per order, per show and per period, as the server's read models add it.

Same rules as `earnings_by_period` / `earnings_by_show`: reversed commission (a refunded or
cancelled order) is counted only in `reversed`; gross sales, commission and the order count
leave it out. Periods are `date_trunc` buckets in UTC: the ISO week (Monday), the calendar
month, the quarter. Amounts are Decimal, summed exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from studio.core.models import Earning, EarningStatus

Granularity = Literal["week", "month", "quarter"]
ZERO = Decimal("0.00")
STATUS_WORDS: Mapping[EarningStatus, str] = {
    EarningStatus.PENDING: "Pending", EarningStatus.AVAILABLE: "Available",
    EarningStatus.PAID_OUT: "Paid", EarningStatus.REVERSED: "Reversed (refund)",
}


def bucket_start(granularity: Granularity, moment: datetime) -> date:
    """The first day of the week / month / quarter holding `moment` (in UTC)."""
    day = moment.astimezone(UTC).date()
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"granularity must be week, month or quarter (got {granularity!r})")


@dataclass
class EarningsTotals:
    """Sums over some earnings (one period, one show, or all of them)."""

    gross_sales: Decimal = ZERO
    commission: Decimal = ZERO
    pending: Decimal = ZERO
    available: Decimal = ZERO
    paid_out: Decimal = ZERO
    reversed: Decimal = ZERO
    orders: set[str] = field(default_factory=set)

    @property
    def order_count(self) -> int:
        return len(self.orders)

    def add(self, earning: Earning) -> None:
        status = EarningStatus(earning.status)
        if status == EarningStatus.REVERSED:
            self.reversed += earning.amount
            return
        self.gross_sales += earning.gross_amount
        self.commission += earning.amount
        self.orders.add(str(earning.order_id))
        if status == EarningStatus.PENDING:
            self.pending += earning.amount
        elif status == EarningStatus.AVAILABLE:
            self.available += earning.amount
        else:
            self.paid_out += earning.amount


def totals(earnings: Iterable[Earning]) -> EarningsTotals:
    result = EarningsTotals()
    for earning in earnings:
        result.add(earning)
    return result


def by_period(earnings: Iterable[Earning], granularity: Granularity
              ) -> list[tuple[date, EarningsTotals]]:
    """Totals per period start, oldest first (the rows of `earnings_by_period`)."""
    buckets: dict[date, EarningsTotals] = {}
    for earning in earnings:
        key = bucket_start(granularity, earning.earned_at)
        buckets.setdefault(key, EarningsTotals()).add(earning)
    return sorted(buckets.items())


@dataclass(frozen=True)
class ShowEarnings:
    session_id: str | None
    title: str
    started_at: datetime | None
    totals: EarningsTotals
    units: int | None  # None when some of the show's order lines are not known locally


def by_show(earnings: Iterable[Earning], shows: Mapping[str, tuple[str, datetime | None]],
            units_of_item: Mapping[str, int]) -> list[ShowEarnings]:
    """Totals per show (`shows`: session id -> title and start), latest show first; commission
    earned outside a show is gathered under "Not during a show"."""
    groups: dict[str | None, list[Earning]] = {}
    for earning in earnings:
        key = str(earning.session_id) if earning.session_id is not None else None
        groups.setdefault(key, []).append(earning)
    out = []
    for key, rows in groups.items():
        if key is None:
            title, started = "Not during a show", None
        else:  # a show not in the local copy yet (a sync under way)
            title, started = shows.get(key, ("Show not synced yet", None))
        counted = [e for e in rows if e.status != EarningStatus.REVERSED]
        known = all(str(e.order_item_id) in units_of_item for e in counted)
        units = sum(units_of_item[str(e.order_item_id)] for e in counted) if known else None
        out.append(ShowEarnings(key, title, started, totals(rows), units))
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(out, key=lambda s: (s.started_at or floor, s.title), reverse=True)


CSV_COLUMNS = ("earned_at", "order_id", "show", "status", "gross_amount", "commission_rate",
               "commission")


def earnings_csv(earnings: Sequence[Earning], show_titles: Mapping[str, str]) -> str:
    """One line per order item's commission, amounts as plain decimals, then a total line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in earnings:
        writer.writerow([
            e.earned_at.astimezone(UTC).isoformat(), e.order_id,
            show_titles.get(str(e.session_id), "") if e.session_id else "", e.status,
            f"{e.gross_amount:.2f}", f"{e.commission_rate:.4f}", f"{e.amount:.2f}"])
    total = totals(earnings)
    writer.writerow(["total", total.order_count, "", "excluding reversed",
                     f"{total.gross_sales:.2f}", "", f"{total.commission:.2f}"])
    return out.getvalue()
