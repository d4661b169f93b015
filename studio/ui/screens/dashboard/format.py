"""Display text for the dashboard: money in the user's locale, counts, goal values, dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QLocale

from studio.core.goal_rules import TYPE_WORDS
from studio.core.models import GoalType
from studio.core.money import format_money, quantize_money

CURRENCY = "$"  # the studio's single currency (studio.core.money)


def money_text(amount: Decimal | int | None, locale: QLocale | None = None) -> str:
    """`amount` as the locale writes money (`$1,234.50`, `1.234,50 $`); the C locale, which
    has no grouping, gets the studio's own format."""
    if amount is None:
        return format_money(None)
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        return format_money(amount)
    # Cents as a double are exact to the cent for any numeric(14, 2) amount.
    return locale.toCurrencyString(float(quantize_money(Decimal(amount))), CURRENCY, 2)


def count_text(value: Decimal | int, locale: QLocale | None = None) -> str:
    return (locale or QLocale()).toString(int(value))


def goal_value_text(goal_type: GoalType | str, value: Decimal,
                    locale: QLocale | None = None) -> str:
    if GoalType(goal_type) == GoalType.REVENUE:
        return money_text(value, locale)
    return count_text(value, locale)


def goal_kind_text(goal_type: GoalType | str) -> str:
    return TYPE_WORDS[GoalType(goal_type)]


def day_text(day: date | datetime | None, locale: QLocale | None = None) -> str:
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = day.astimezone().date()
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        return day.isoformat()
    return locale.toString(day, QLocale.FormatType.ShortFormat)


def period_text(start: date, end: date, locale: QLocale | None = None) -> str:
    return f"{day_text(start, locale)} – {day_text(end, locale)}"
