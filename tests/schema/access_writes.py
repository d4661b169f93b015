"""The write side of backend_schema/ACCESS.md as data: who may insert, update and delete what.

Row keys and actors are those of access_matrix.py; test_access_matrix.py runs every case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from access_matrix import ADMINS as A

NOW = datetime.now(UTC)


class World(Protocol):
    def id(self, key: str) -> str: ...
    def user(self, actor: str) -> str: ...


# Values of a write: "@key" is the id of a world row, "~actor" the user id of an actor, a
# callable is called (fresh unique values), anything else is used as is.
Values = dict[str, Any]


def resolve(values: Values, w: World) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if callable(v):
            return v()
        if isinstance(v, str) and v[:1] == "@":
            return w.id(v[1:])
        if isinstance(v, str) and v[:1] == "~":
            return w.user(v[1:])
        return v

    return {k: one(v) for k, v in values.items()}

# ------------------------------------------------------------------ writes
@dataclass(frozen=True)
class Insert:
    name: str
    table: str
    actor: str
    values: Values
    ok: bool
    code: str = "42501"  # the SQLSTATE of the refusal when not ok


def _u() -> str:
    return uuid.uuid4().hex[:10]


def _lp(session: str, host: str, **extra: Any) -> Values:
    return {"session_id": f"@{session}", "influencer_id": f"@{host}", "name": "New lineup item",
            "live_price": Decimal("12.00"), "allocated_quantity": 2, **extra}


def _goal(host: str, **extra: Any) -> Values:
    return {"influencer_id": f"@{host}", "title": "Sell more", "goal_type": "orders",
            "period": "monthly", "period_start": "2031-01-01", "period_end": "2031-01-28",
            "target_value": 10, **extra}


def _chat(session: str, actor: str, **extra: Any) -> Values:
    return {"session_id": f"@{session}", "user_id": f"~{actor}", "message": "how much?", **extra}


def _product(wholesaler: str) -> Values:
    return {"sku": lambda: f"N-{_u()}", "name": "New product", "wholesaler_id": f"@{wholesaler}",
            "wholesale_price": Decimal("3.00"), "retail_price": Decimal("9.00"),
            "stock_quantity": 5}


def _show(host: str, **extra: Any) -> Values:
    return {"influencer_id": f"@{host}", "title": "Next show",
            "scheduled_start": datetime(2031, 1, 1, tzinfo=UTC), **extra}


def _influencer(**extra: Any) -> Values:
    return {"user_id": "~nu", "display_name": "New", "handle": lambda: f"new_{_u()}", **extra}


def _query(customer: str, order: str | None, **extra: Any) -> Values:
    return {"customer_id": f"@{customer}", "order_id": order and f"@{order}",
            "subject": "Where is it?", "message": "Late", **extra}


def _viewer(session: str, actor: str, **extra: Any) -> Values:
    return {"session_id": f"@{session}", "user_id": f"~{actor}", **extra}


def _many(table: str, values: Values, ok: set[str], *actors: str) -> list[Insert]:
    return [Insert(f"as {a}", table, a, values, a in ok) for a in actors]


_ORDER = {"order_number": lambda: f"X-{_u()}", "customer_id": "@cA", "subtotal": 1,
          "total_amount": 1}
_ITEM = {"order_id": "@oA", "product_id": "@pA1", "product_name": "X", "list_unit_price": 1,
         "unit_price": 1, "quantity": 1, "line_total": 1}
_EARNING = {"influencer_id": "@hA", "order_id": "@oA", "order_item_id": "@oiA2",
            "gross_amount": 100, "commission_rate": 1, "amount": 100}
_FLASH = {"flash_price": 1, "flash_starts_at": NOW, "flash_ends_at": NOW}
_CATEGORY = {"name": "New", "slug": lambda: f"new-{_u()}"}
_ACHIEVEMENT = {"influencer_id": "@hA", "achievement_key": lambda: f"k_{_u()}", "title": "T",
                "target": 1}
_NOTE = {"influencer_id": "@hA", "type": "system", "title": "Hi"}
_BIG_JSON = {"bitrate": "9" * 1_000_000}

INSERTS: list[Insert] = [
    Insert("own profile", "customers", "nu", {"user_id": "~nu"}, True),
    Insert("host shops too", "customers", "hA", {"user_id": "~hA"}, True),
    Insert("for another user", "customers", "nu", {"user_id": "~hA"}, False),
    Insert("anon", "customers", "anon", {"user_id": "~nu"}, False),
    Insert("own", "wholesalers", "nu", {"user_id": "~nu", "business_name": "N Co"}, True),
    Insert("self-verified", "wholesalers", "nu",
           {"user_id": "~nu", "business_name": "N", "verification_status": "verified"}, False),
    Insert("for another user", "wholesalers", "hA", {"user_id": "~nu", "business_name": "N"},
           False),
    Insert("anon", "wholesalers", "anon", {"user_id": "~nu", "business_name": "N"}, False),
    Insert("own", "influencers", "nu", _influencer(), True),
    Insert("own commission rate", "influencers", "nu", _influencer(commission_rate=0.9), False),
    Insert("self-verified", "influencers", "nu", _influencer(verification_status="verified"),
           False),
    Insert("own total_sales", "influencers", "nu", _influencer(total_sales=10), False),
    Insert("for another user", "influencers", "cA", _influencer(), False),
    Insert("anon", "influencers", "anon", _influencer(), False),
    *_many("admin_users", {"user_id": "~nu", "role": "support"}, {"sadm"},
           "sadm", "adm", "nu", "hA", "anon"),
    *_many("categories", _CATEGORY, set(A), "adm", "sadm", "cA", "wA", "anon"),
    Insert("own", "products", "wA", _product("wA"), True),
    Insert("for another wholesaler", "products", "wA", _product("wB"), False),
    Insert("admin for a wholesaler", "products", "adm", _product("wB"), True),
    *_many("products", _product("wA"), set(), "hA", "cA", "nu", "anon"),
    Insert("own show", "live_stream_sessions", "hA", _show("hA"), True),
    Insert("for another host", "live_stream_sessions", "hA", _show("hB"), False),
    Insert("own, already live", "live_stream_sessions", "hA", _show("hA", status="live"), False),
    Insert("own with stream key", "live_stream_sessions", "hA", _show("hA", stream_key="k"),
           False),
    Insert("own with metrics", "live_stream_sessions", "hA", _show("hA", current_viewers=9),
           False),
    Insert("own, starting in the past", "live_stream_sessions", "hA",
           _show("hA", scheduled_start=datetime(2020, 1, 1, tzinfo=UTC)), False, "22023"),
    *_many("live_stream_sessions", _show("hA"), set(), "cA", "wA", "adm", "anon"),
    Insert("into own scheduled show", "live_products", "hA", _lp("sA_sched", "hA"), True),
    Insert("into own live show", "live_products", "hA", _lp("sA_live", "hA", product_id="@pA3"),
           True),
    Insert("from an unvetted supplier", "live_products", "hA",
           _lp("sA_live", "hA", product_id="@pB1"), False, "55000"),
    Insert("unvetted host plans a show", "live_products", "hB", _lp("sB_sched", "hB"), True),
    Insert("into own ended show", "live_products", "hA", _lp("sA_ended", "hA"), False),
    Insert("into another host's show", "live_products", "hA", _lp("sB_sched", "hA"), False),
    Insert("as another host", "live_products", "hA", _lp("sB_sched", "hB"), False),
    Insert("with sold quantity", "live_products", "hA", _lp("sA_sched", "hA", sold_quantity=1),
           False),
    Insert("with revenue", "live_products", "hA", _lp("sA_sched", "hA", revenue=5), False),
    Insert("with a flash price", "live_products", "hA", _lp("sA_sched", "hA", **_FLASH), False),
    Insert("featured", "live_products", "hA", _lp("sA_sched", "hA", featured_at=NOW), False),
    Insert("host B own", "live_products", "hB", _lp("sB_sched", "hB"), True),
    Insert("admin for a host", "live_products", "adm", _lp("sB_sched", "hB"), True),
    Insert("admin, host mismatch", "live_products", "adm", _lp("sB_sched", "hA"), False),
    *_many("live_products", _lp("sA_sched", "hA"), set(), "wA", "cA", "anon"),
    Insert("own", "cart", "cA", {"customer_id": "@cA", "product_id": "@pA3", "quantity": 1},
           True),
    Insert("own live item", "cart", "cB",
           {"customer_id": "@cB", "live_product_id": "@lpA2", "quantity": 1}, True),
    # Ids learned elsewhere: an unvetted supplier's product, a rehearsal's item, a draft item.
    Insert("unvetted supplier's product", "cart", "cA",
           {"customer_id": "@cA", "product_id": "@pB1", "quantity": 1}, False),
    Insert("rehearsal item", "cart", "cB",
           {"customer_id": "@cB", "live_product_id": "@lpAR", "quantity": 1}, False),
    Insert("draft item", "cart", "cB",
           {"customer_id": "@cB", "live_product_id": "@lpA3", "quantity": 1}, False),
    *_many("cart", {"customer_id": "@cA", "product_id": "@pB2", "quantity": 1}, set(),
           "cB", "hA", "adm", "anon"),
    *_many("orders", _ORDER, {"service_role"}, "cA", "adm", "anon", "service_role"),
    *_many("order_items", _ITEM, set(), "cA", "hA", "wA", "adm"),
    Insert("own, about own order", "queries", "cA", _query("cA", "oA"), True),
    Insert("own, general", "queries", "cA", _query("cA", None), True),
    Insert("about another's order", "queries", "cA", _query("cA", "oB"), False),
    Insert("as another customer", "queries", "cA", _query("cB", None), False),
    Insert("pre-resolved", "queries", "cA", _query("cA", None, status="resolved"), False),
    Insert("self-answered", "queries", "cA", _query("cA", None, response="ok"), False),
    Insert("self-prioritised", "queries", "cA", _query("cA", None, priority="urgent"), False),
    *_many("queries", _query("cA", None), set(), "hA", "adm", "anon"),
    *[Insert(f"{a} into live show", "live_stream_chat", a, _chat("sA_live", a), True)
      for a in ("cA", "hA", "wA", "nu")],
    Insert("chat disabled", "live_stream_chat", "cA", _chat("sB_live", "cA"), False),
    Insert("ended show", "live_stream_chat", "cA", _chat("sA_ended", "cA"), False),
    Insert("scheduled show", "live_stream_chat", "cA", _chat("sA_sched", "cA"), False),
    Insert("as another user", "live_stream_chat", "cA", _chat("sA_live", "cB"), False),
    Insert("system message", "live_stream_chat", "cA",
           _chat("sA_live", "cA", message_type="system"), False),
    Insert("purchase message", "live_stream_chat", "cA",
           _chat("sA_live", "cA", message_type="purchase"), False),
    Insert("pre-pinned", "live_stream_chat", "cA", _chat("sA_live", "cA", is_pinned=True), False),
    Insert("own display name", "live_stream_chat", "cA",
           _chat("sA_live", "cA", display_name="Admin"), False),
    Insert("500 characters", "live_stream_chat", "cA", _chat("sA_live", "cA", message="x" * 500),
           True),
    Insert("padded past 500", "live_stream_chat", "cA",
           _chat("sA_live", "cA", message="hi" + " " * 600), False, "23514"),
    Insert("a megabyte", "live_stream_chat", "cA",
           _chat("sA_live", "cA", message="spam " * 200_000), False, "23514"),
    Insert("Unicode blanks", "live_stream_chat", "cA",
           _chat("sA_live", "cA", message="\u3000\u200b\u00a0 \u2028"), False, "23514"),
    Insert("anon", "live_stream_chat", "anon", {"session_id": "@sA_live", "message": "hi"},
           False),
    Insert("join live show", "live_stream_viewers", "cA", _viewer("sB_live", "cA"), True),
    Insert("no profile joins", "live_stream_viewers", "nu", _viewer("sA_live", "nu"), True),
    Insert("scheduled show", "live_stream_viewers", "cA", _viewer("sA_sched", "cA"), False),
    Insert("ended show", "live_stream_viewers", "cA", _viewer("sA_ended", "cA"), False),
    Insert("as another user", "live_stream_viewers", "cA", _viewer("sB_live", "cB"), False),
    Insert("with peer id", "live_stream_viewers", "cA",
           _viewer("sB_live", "cA", hms_peer_id="p"), False),
    Insert("backdated", "live_stream_viewers", "cA",
           _viewer("sB_live", "cA", joined_at=datetime(2020, 1, 1, tzinfo=UTC)), False),
    Insert("anon", "live_stream_viewers", "anon", {"session_id": "@sA_live"}, False),
    Insert("megabyte of quality", "live_stream_viewers", "cA",
           _viewer("sB_live", "cA", quality=_BIG_JSON), False, "23514"),
    *_many("influencer_achievements", _ACHIEVEMENT, {"service_role"},
           "hA", "adm", "service_role"),
    *_many("influencer_earnings", _EARNING, set(), "hA", "hB", "adm", "cA", "anon"),
    Insert("own", "influencer_goals", "hA", _goal("hA"), True),
    Insert("for another host", "influencer_goals", "hA", _goal("hB"), False),
    Insert("pre-filled progress", "influencer_goals", "hA", _goal("hA", current_value=9), False),
    Insert("pre-achieved", "influencer_goals", "hA", _goal("hA", status="achieved"), False),
    *_many("influencer_goals", _goal("hA"), set(), "cA", "adm", "anon"),
    *_many("influencer_notifications", _NOTE, {"service_role"}, "hA", "adm", "service_role"),
]


@dataclass(frozen=True)
class Write:
    """An update (``values``) or a delete (``values`` is None) of one row; ``ok``: who may."""

    table: str
    key: str
    values: Values | None
    ok: frozenset[str]
    codes: tuple[tuple[str, str], ...] = ()  # (actor, SQLSTATE) refused by a business rule


def U(table: str, key: str, values: Values, *ok: str,
      codes: dict[str, str] | None = None) -> Write:
    return Write(table, key, values, frozenset(ok), tuple((codes or {}).items()))


def D(table: str, key: str, *ok: str) -> Write:
    return Write(table, key, None, frozenset(ok))


_ADDR = '{"line1": "9 Elm St", "city": "Shelbyville", "country": "US"}'
UPDATES: list[Write] = [
    U("customers", "cA", {"full_name": "New Name"}, "cA", *A),
    U("customers", "cB", {"shipping_address": _ADDR}, "cB", *A),
    U("customers", "cA", {"user_id": "~cA"}),
    U("wholesalers", "wA", {"description": "Bulk goods"}, "wA", *A),
    U("wholesalers", "wA", {"tax_id": "TAX-NEW"}, "wA", *A),
    U("wholesalers", "wA", {"verification_status": "suspended"}, *A),
    U("wholesalers", "wB", {"verified_at": NOW}, *A),
    U("wholesalers", "wA", {"user_id": "~wA"}),
    U("influencers", "hA", {"bio": "Live every Friday"}, "hA", *A),
    U("influencers", "hA", {"payout_email": "new@example.test"}, "hA", *A),
    U("influencers", "hA", {"commission_rate": Decimal("0.2500")}, *A),
    U("influencers", "hB", {"verification_status": "verified"}, *A),
    U("influencers", "hA", {"total_sales": 1}),
    U("influencers", "hA", {"follower_count": 5}),
    U("admin_users", "adm", {"role": "moderator"}, "sadm"),
    U("admin_users", "sadm", {"is_active": False}, "sadm"),
    U("admin_users", "adm", {"user_id": "~adm"}),
    U("categories", "catOn", {"name": "Renamed"}, *A),
    U("categories", "catOff", {"is_active": True}, *A),
    U("products", "pA1", {"retail_price": Decimal("26.00")}, "wA", *A),
    U("products", "pA2", {"name": "Renamed"}, "wA", *A),
    U("products", "pB1", {"stock_quantity": 50}, "wB", *A),
    U("products", "pA1", {"wholesaler_id": "@wB"}),
    U("live_stream_sessions", "sA_sched", {"title": "New title"}, "hA", *A),
    U("live_stream_sessions", "sA_live", {"chat_enabled": False}, "hA", *A),
    U("live_stream_sessions", "sB_sched", {"title": "New title"}, "hB", *A),
    U("live_stream_sessions", "sA_sched", {"status": "cancelled"}),
    U("live_stream_sessions", "sA_live", {"stream_key": "stolen"}),
    U("live_stream_sessions", "sA_live", {"hms_host_room_code": "stolen"}),
    U("live_stream_sessions", "sA_live", {"current_viewers": 99}),
    U("live_stream_sessions", "sA_live", {"total_revenue": 0}),
    U("live_stream_sessions", "sA_live", {"featured_live_product_id": "@lpA2"}),
    U("live_stream_sessions", "sA_sched", {"influencer_id": "@hB"}),
    U("live_stream_sessions", "sA_reh", {"is_rehearsal": False},
      codes=dict.fromkeys(("hA", *A), "55000")),
    U("live_stream_sessions", "sA_live", {"is_rehearsal": True},
      codes=dict.fromkeys(("hA", *A), "55000")),
    U("live_products", "lpA1", {"live_price": Decimal("18.00")}, "hA", *A),
    U("live_products", "lpA2", {"allocated_quantity": 5}, "hA", *A),
    U("live_products", "lpAS", {"position": 3}, "hA", *A),
    U("live_products", "lpAE", {"name": "Late edit"}, codes=dict.fromkeys(A, "55000")),
    U("live_products", "lpB1", {"live_price": Decimal("17.00")}, "hB", *A),
    U("live_products", "lpB2", {"status": "active"}, "hB", *A),
    U("live_products", "lpA1", {"sold_quantity": 3}),
    U("live_products", "lpA1", {"revenue": 1}),
    U("live_products", "lpA1", {"flash_price": Decimal("1.00"), "flash_starts_at": NOW,
                                "flash_ends_at": datetime(2031, 1, 1, tzinfo=UTC)}),
    U("live_products", "lpA1", {"featured_at": NOW}),
    U("live_products", "lpA1", {"session_id": "@sA_sched"}),
    U("live_products", "lpA2", {"influencer_id": "@hB"}),
    U("cart", "cartA1", {"quantity": 2}, "cA"),
    U("cart", "cartB1", {"quantity": 3}, "cB"),
    U("cart", "cartA1", {"customer_id": "@cB"}),
    U("orders", "oA", {"notes": "Leave at the door"}, "cA", *A),
    U("orders", "oB", {"notes": "Gift wrap"}, *A),
    U("orders", "oA", {"status": "shipped"}),
    U("orders", "oA", {"payment_status": "paid"}),
    U("orders", "oA", {"shipping_address": _ADDR}),
    U("orders", "oA", {"contact_email": "x@example.test"}),
    U("order_items", "oiA1", {"quantity": 2}),
    U("order_items", "oiA1", {"is_refunded": True}),
    U("order_items", "oiA1", {"commission_amount": 0}),
    U("queries", "qA", {"message": "More details"}, "cA", *A),
    U("queries", "qA", {"response": "On its way"}, *A),
    U("queries", "qA", {"status": "resolved"}, *A),
    U("queries", "qB", {"priority": "urgent"}, *A),
    U("queries", "qA2", {"message": "Reopen?"}, *A),
    U("queries", "qA", {"assigned_admin_id": "@adm"}, *A),
    U("live_stream_chat", "mA1", {"is_pinned": True}, "hA", *A),
    U("live_stream_chat", "mA2", {"is_hidden": False}, "hA", *A),
    U("live_stream_chat", "mB1", {"is_hidden": True}, "hB", *A),
    U("live_stream_chat", "mA1", {"message": "edited"}),
    U("live_stream_chat", "mA1", {"display_name": "Spoof"}),
    U("live_stream_chat", "mA1", {"hidden_by": "~hA"}),
    U("live_stream_viewers", "vA", {"left_at": NOW}, "cA", *A),
    U("live_stream_viewers", "vB", {"quality": '{"bitrate": 1}'}, "cB", *A),
    U("live_stream_viewers", "vA", {"session_id": "@sB_live"}),
    U("live_stream_viewers", "vA2", {"left_at": None}),
    U("live_stream_viewers", "vE", {"left_at": None}),
    U("live_stream_viewers", "vE", {"quality": '{"bitrate": 2}'}),
    U("live_stream_viewers", "vB", {"quality": _BIG_JSON},
      codes=dict.fromkeys(("cB", *A), "23514")),
    U("customers", "cA", {"preferences": {"chat_name": "x" * 5000}},
      codes=dict.fromkeys(("cA", *A), "23514")),
    U("live_stream_viewers", "vA", {"user_id": "~cB"}),
    U("influencer_achievements", "achA", {"progress": 5}),
    U("influencer_achievements", "achA", {"unlocked_at": NOW}),
    U("influencer_earnings", "eA", {"amount": 999}),
    U("influencer_earnings", "eA", {"status": "available"}),
    U("influencer_earnings", "eA", {"commission_rate": 1}),
    U("influencer_earnings", "eB", {"amount": 999}),
    U("influencer_goals", "gA", {"target_value": 5000}, "hA"),
    U("influencer_goals", "gA", {"title": "Big month"}, "hA"),
    U("influencer_goals", "gB", {"target_value": 1}, "hB"),
    U("influencer_goals", "gA", {"current_value": 999999}),
    U("influencer_goals", "gA", {"status": "achieved"}),
    U("influencer_goals", "gA", {"influencer_id": "@hB"}),
    U("influencer_notifications", "nA", {"is_read": True, "read_at": NOW}, "hA"),
    U("influencer_notifications", "nB", {"is_read": True}, "hB"),
    U("influencer_notifications", "nA", {"title": "Forged"}),
]

DELETES: list[Write] = [
    D("customers", "cA"), D("wholesalers", "wA"), D("influencers", "hA"),
    D("admin_users", "adm", "sadm"), D("categories", "catOff", *A),
    D("products", "pA2", "wA", *A), D("products", "pB2", "wB", *A),
    D("live_stream_sessions", "sA_sched", "hA", *A), D("live_stream_sessions", "sA_ended", *A),
    D("live_stream_sessions", "sB_sched", "hB", *A),
    D("live_products", "lpA2", "hA", *A), D("live_products", "lpAS", "hA", *A),
    D("live_products", "lpAE", *A), D("live_products", "lpB2", "hB", *A),
    D("cart", "cartA1", "cA"), D("cart", "cartB1", "cB"),
    D("orders", "oA"), D("orders", "oB"), D("order_items", "oiA1"),
    D("queries", "qA", "cA", *A), D("queries", "qA2", *A), D("queries", "qB", "cB", *A),
    D("live_stream_chat", "mA1", "cA", *A), D("live_stream_chat", "mA2", "cB", *A),
    D("live_stream_chat", "mA3", "hA", *A), D("live_stream_viewers", "vA", *A),
    D("influencer_achievements", "achA"), D("influencer_earnings", "eA"),
    D("influencer_earnings", "eB"), D("influencer_goals", "gA", "hA"),
    D("influencer_goals", "gB", "hB"), D("influencer_notifications", "nA", "hA"),
    D("influencer_notifications", "nB", "hB"),
]
