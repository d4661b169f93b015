"""The read side of backend_schema/ACCESS.md as data: who sees which rows, columns and functions.

Row keys (``"oA"``, ``"lpB1"``, ...) name the rows of the world built by test_access_matrix.py.
Actors: ``anon``, ``service_role`` and the signed-in users below (each named after its profile row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

USERS = ("cA", "cB", "hA", "hB", "wA", "wB", "adm", "sadm", "nu")  # nu: signed in, no profile
WRITERS = ("anon", *USERS)
ADMINS = frozenset({"adm", "sadm"})
A = ADMINS


_COLUMNS = """
customers: id user_id full_name email phone shipping_address preferences
wholesalers: id user_id business_name description website logo_url contact_name contact_email
    contact_phone tax_id business_address verification_status verified_at
influencers: id user_id display_name handle bio avatar_url follower_count commission_rate
    payout_email verification_status total_sales total_shows
admin_users: id user_id role permissions is_active
categories: id parent_id name slug description sort_order is_active
products: id wholesaler_id category_id sku name description brand tags image_url wholesale_price
    retail_price stock_quantity min_order_quantity status is_live_eligible weight_grams
live_stream_sessions: id influencer_id title description thumbnail_url session_code status
    scheduled_start scheduled_end actual_start actual_end is_rehearsal chat_enabled hms_room_id
    hms_host_room_code hms_viewer_room_code stream_key featured_live_product_id current_viewers
    peak_viewers unique_viewers total_orders total_units total_revenue
live_products: id session_id influencer_id product_id name description image_url position
    live_price compare_at_price flash_price flash_starts_at flash_ends_at allocated_quantity
    sold_quantity revenue max_per_buyer status featured_at
cart: id customer_id product_id live_product_id quantity
orders: id order_number customer_id status payment_status payment_reference currency subtotal
    discount_amount tax_amount shipping_amount total_amount shipping_address contact_email notes
    placed_at paid_at refunded_at
order_items: id order_id product_id live_product_id session_id influencer_id wholesaler_id
    product_name sku list_unit_price unit_price is_flash_price quantity line_total commission_rate
    commission_amount is_refunded
queries: id customer_id order_id subject message status priority assigned_admin_id response
    responded_at
live_stream_viewers: id session_id user_id hms_peer_id joined_at left_at quality
live_stream_chat: id session_id user_id display_name message message_type is_pinned is_hidden
    hidden_by
influencer_achievements: id influencer_id achievement_key title description progress target
    unlocked_at
influencer_goals: id influencer_id title goal_type period period_start period_end target_value
    current_value status achieved_at
influencer_earnings: id influencer_id order_id order_item_id session_id gross_amount
    commission_rate amount status earned_at available_at paid_out_at reversed_at
influencer_notifications: id influencer_id type title body data is_read read_at
"""
# Tables the studio writes through sync carry a row version (sync protocol migration).
_VERSIONED = frozenset({"live_stream_sessions", "live_products", "influencer_goals", "products",
                        "influencer_notifications", "live_stream_chat"})
# table -> its columns (each table also has created_at, updated_at and the sync cursor change_xid).
COLUMNS: dict[str, tuple[str, ...]] = {
    table: (*cols.split(), "created_at", "updated_at", "change_xid",
            *(("row_version",) if table in _VERSIONED else ()))
    for table, cols in (line.split(":") for line in _COLUMNS.replace("\n   ", "").split("\n")[1:-1])
}

# Tables anon may read at all; authenticated has select on all 18.
ANON_TABLES = frozenset({"wholesalers", "influencers", "categories", "products",
                         "live_stream_sessions", "live_products", "live_stream_chat"})
_SECRET_SESSION = {"hms_room_id", "hms_host_room_code", "hms_viewer_room_code", "stream_key"}
_PRIVATE_WHOLESALER = {"user_id", "contact_name", "contact_email", "contact_phone", "tax_id",
                       "business_address"}
HIDDEN_COLUMNS: dict[str, dict[str, set[str]]] = {
    "wholesalers": {"anon": _PRIVATE_WHOLESALER, "authenticated": _PRIVATE_WHOLESALER},
    "influencers": {r: {"user_id", "commission_rate", "payout_email"}
                    for r in ("anon", "authenticated")},
    "live_stream_sessions": {"anon": _SECRET_SESSION, "authenticated": _SECRET_SESSION},
    "products": {"anon": {"wholesale_price"}, "authenticated": set()},
    "order_items": {"authenticated": {"commission_rate", "commission_amount"}},
}


def column_readable(role: str, table: str, column: str) -> bool:
    """ACCESS.md's column scope for a database role."""
    if role == "service_role":
        return True
    if role == "anon" and table not in ANON_TABLES:
        return False
    return column not in HIDDEN_COLUMNS.get(table, {}).get(role, set())


# ------------------------------------------------------------------ row visibility (select)
# table -> {actor or "*" (everyone else) or "admin": visible row keys}. service_role sees all.
_PUB_S = {"sA_live", "sA_sched", "sA_ended", "sB_live", "sB_sched"}
_PUB_LP = {"lpA1", "lpA2", "lpAS", "lpAE", "lpB1"}
_PUB_CHAT = {"mA1", "mA3", "mE1", "mB1"}
VISIBLE: dict[str, dict[str, set[str]]] = {
    "customers": {"cA": {"cA"}, "cB": {"cB"}, "admin": {"cA", "cB"}},
    "wholesalers": {"*": {"wA"}, "wB": {"wA", "wB"}, "admin": {"wA", "wB"}},
    "influencers": {"*": {"hA"}, "hB": {"hA", "hB"}, "admin": {"hA", "hB"}},
    "admin_users": {"admin": {"adm", "sadm"}},
    "categories": {"*": {"catOn"}, "admin": {"catOn", "catOff"}},
    # pB1 and pB2 belong to wholesaler B, whose verification is pending: not in the marketplace.
    "products": {"*": {"pA1", "pA3"}, "wA": {"pA1", "pA2", "pA3"},
                 "wB": {"pA1", "pA3", "pB1", "pB2"}, "admin": {"pA1", "pA2", "pA3", "pB1", "pB2"}},
    "live_stream_sessions": {"*": _PUB_S, "hA": _PUB_S | {"sA_reh"}, "hB": _PUB_S | {"sB_can"},
                             "wA": _PUB_S | {"sA_reh"}, "admin": _PUB_S | {"sA_reh", "sB_can"}},
    "live_products": {"*": _PUB_LP, "hA": _PUB_LP | {"lpA3", "lpAR"},
                      "hB": _PUB_LP | {"lpB2", "lpBS"}, "wA": _PUB_LP | {"lpAR", "lpB2"},
                      "wB": _PUB_LP | {"lpA3"},
                      "admin": _PUB_LP | {"lpA3", "lpAR", "lpB2", "lpBS"}},
    "cart": {"cA": {"cartA1", "cartA2"}, "cB": {"cartB1"}},
    "orders": {"cA": {"oA"}, "cB": {"oB"}, "admin": {"oA", "oB"}},
    "order_items": {"cA": {"oiA1", "oiA2"}, "cB": {"oiB1"}, "hA": {"oiA1"}, "hB": {"oiB1"},
                    "wA": {"oiA1"}, "wB": {"oiA2", "oiB1"}, "admin": {"oiA1", "oiA2", "oiB1"}},
    "queries": {"cA": {"qA", "qA2"}, "cB": {"qB"}, "admin": {"qA", "qA2", "qB"}},
    "live_stream_chat": {"*": _PUB_CHAT, "cA": _PUB_CHAT | {"mB2"}, "cB": _PUB_CHAT | {"mA2"},
                         "hA": _PUB_CHAT | {"mA2", "mR1"}, "hB": _PUB_CHAT | {"mB2"},
                         "admin": _PUB_CHAT | {"mA2", "mR1", "mB2"}},
    "live_stream_viewers": {"cA": {"vA", "vE"}, "cB": {"vA2", "vB"}, "hA": {"vA", "vA2", "vE"},
                            "hB": {"vB"}, "admin": {"vA", "vA2", "vB", "vE"}},
    **{t: {"hA": {f"{k}A"}, "hB": {f"{k}B"}, "admin": {f"{k}A", f"{k}B"}}
       for t, k in (("influencer_achievements", "ach"), ("influencer_earnings", "e"),
                    ("influencer_goals", "g"), ("influencer_notifications", "n"))},
}


def expected_visible(table: str, actor: str, all_keys: set[str]) -> set[str]:
    if actor == "service_role":
        return set(all_keys)
    rules = VISIBLE[table]
    if actor in rules:
        return rules[actor]
    if actor in ADMINS and "admin" in rules:
        return rules["admin"]
    if actor == "anon" and table not in ANON_TABLES:
        return set()
    return rules.get("*", set())


# ------------------------------------------------------------------ functions (RPC)
# signature -> the API roles that may execute it (ACCESS.md, "Functions").
_SIGNED_IN = ("authenticated", "service_role")
EXECUTE: dict[str, tuple[str, ...]] = {
    "public.checkout(uuid, jsonb, text)": _SIGNED_IN,
    "public.checkout_items(uuid, jsonb, jsonb, text)": _SIGNED_IN,
    "public.start_show(uuid)": _SIGNED_IN,
    "public.end_show(uuid)": _SIGNED_IN,
    "public.feature_live_product(uuid, uuid)": _SIGNED_IN,
    "public.start_flash_sale(uuid, numeric, integer)": _SIGNED_IN,
    "public.cancel_flash_sale(uuid)": _SIGNED_IN,
    "public.effective_price(public.live_products)": ("anon", *_SIGNED_IN),
    "public.record_payment_event(uuid, text, text)": ("service_role",),
    "public.goal_progress(date)": _SIGNED_IN,
    "public.earnings_by_period(text, date, date)": _SIGNED_IN,
    "public.earnings_by_show(date, date)": _SIGNED_IN,
    "public.show_live_stats(uuid)": _SIGNED_IN,
    "public.show_figures(uuid)": _SIGNED_IN,
    "public.host_session_credentials(uuid)": _SIGNED_IN,
    "public.viewer_room_code(uuid)": ("anon", *_SIGNED_IN),
    "public.my_profiles()": _SIGNED_IN,
    "public.admin_user_profiles(uuid)": _SIGNED_IN,
    "public.sync_horizon()": ("anon", *_SIGNED_IN),
    "public.sync_tombstone_floor()": _SIGNED_IN,
    "public.apply_ops(jsonb)": _SIGNED_IN,
    "public.set_lineup_order(uuid, uuid[])": _SIGNED_IN,
    # Video rooms and co-hosts: tests/schema/test_video_rooms.py, test_hms_webhook_sql.py.
    "public.record_show_room(uuid, text, jsonb)": _SIGNED_IN,
    "public.clear_show_room(uuid)": _SIGNED_IN,
    "public.invite_cohost(uuid, uuid)": _SIGNED_IN,
    "public.remove_cohost(uuid, uuid)": _SIGNED_IN,
    "public.cohost_room_code(uuid)": _SIGNED_IN,
    "public.record_hms_peer_event(jsonb)": ("service_role",),
}

# Calls of the functions that hand out private columns: (name, actor, sql, arg key, outcome).
# Outcome: "ok" or the SQLSTATE of the refusal.
_HOST_ONLY = {"hA": "ok", **dict.fromkeys(("anon", "cA", "hB", "wA", "adm", "sadm", "nu",
                                           "service_role"), "42501")}
_ADMIN_ONLY = {"adm": "ok", "sadm": "ok",
               **dict.fromkeys(("anon", "cA", "hA", "wA", "nu"), "42501")}
CALLS: list[tuple[str, str, str, str | None, str]] = [
    *[("stream credentials of a live show", a, "select public.host_session_credentials(%s)",
       "sA_live", outcome) for a, outcome in _HOST_ONLY.items()],
    ("stream credentials of another host's show", "hA",
     "select public.host_session_credentials(%s)", "sB_live", "42501"),
    *[("viewer code of a live show", a, "select public.viewer_room_code(%s)", "sA_live", "ok")
      for a in ("anon", "cA", "hA", "hB", "wB", "nu")],
    *[("viewer code before the show", a, "select public.viewer_room_code(%s)", "sA_sched",
       outcome) for a, outcome in (("anon", "55000"), ("cA", "55000"), ("hA", "ok"))],
    *[("viewer code of a rehearsal", a, "select public.viewer_room_code(%s)", "sA_reh",
       outcome) for a, outcome in (("anon", "P0002"), ("wA", "P0002"), ("hA", "ok"))],
    # Only verified hosts go live in public (host B's verification is pending).
    *[("start a public show", a, "select public.start_show(%s)", show, outcome)
      for a, show, outcome in (("hA", "sA_sched", "ok"), ("adm", "sA_sched", "ok"),
                               ("hB", "sB_sched", "42501"), ("adm", "sB_sched", "42501"),
                               ("hA", "sB_sched", "42501"))],
    *[("own profiles", a, "select public.my_profiles()", None, outcome)
      for a, outcome in (("anon", "42501"), ("cA", "ok"), ("hA", "ok"), ("wA", "ok"),
                         ("adm", "ok"), ("nu", "ok"))],
    *[("another user's profiles", a, "select public.admin_user_profiles(%s)", "~wA", outcome)
      for a, outcome in _ADMIN_ONLY.items()],
]


# ------------------------------------------------------------------ named cross-tenant cases
_SALES_JOIN = ("select o.shipping_address, o.contact_email from public.order_items oi"
               " join public.orders o on o.id = oi.order_id")
_CHAT_AS_CALLER = ("insert into public.live_stream_chat (session_id, message) values (%s, 'hi')"
                   " returning display_name, user_id")
# A row count, the SQLSTATE of the refusal, or a predicate on the single row returned.
Check = int | str | Callable[[Any, Any], bool]
SCENARIOS: list[tuple[str, str, str, tuple[str, ...], Check]] = [
    ("wholesaler reads customer profiles", "wA", "select email from public.customers", (), 0),
    ("wholesaler reads order addresses", "wA", "select shipping_address from public.orders", (),
     0),
    ("wholesaler joins its sales to orders", "wB", _SALES_JOIN, (), 0),
    ("host joins its sales to orders", "hA", _SALES_JOIN, (), 0),
    ("host reads customer profiles", "hA", "select full_name from public.customers", (), 0),
    ("customer joins own items to own order", "cA", _SALES_JOIN, (), 2),
    ("customer A reads B's order", "cA", "select id from public.orders where id = %s", ("oB",), 0),
    ("customer A reads B's cart", "cA", "select id from public.cart where customer_id = %s",
     ("cB",), 0),
    ("anon reads stream keys", "anon", "select stream_key from public.live_stream_sessions", (),
     "42501"),
    ("anon reads host room codes", "anon",
     "select hms_host_room_code from public.live_stream_sessions", (), "42501"),
    ("host B reads host A's room id", "hB",
     "select hms_room_id from public.live_stream_sessions where id = %s", ("sA_live",), "42501"),
    ("host B reads host A's draft lineup item", "hB",
     "select id from public.live_products where id = %s", ("lpA3",), 0),
    ("host A reads own draft lineup item", "hA",
     "select id from public.live_products where id = %s", ("lpA3",), 1),
    ("wholesaler B previews host A's item using its product", "wB",
     "select id, allocated_quantity, live_price from public.live_products where session_id = %s",
     ("sA_live",), 3),  # lpA1 and lpA2 are public, lpA3 (draft) uses wB's product
    ("wholesaler A does not see the rest of host B's lineup", "wA",
     "select id from public.live_products where session_id = %s", ("sB_sched",), 0),
    *[(f"select * on {t}", a, f"select * from public.{t}", (), "42501") for t, a in (
        ("live_stream_sessions", "hA"), ("influencers", "hA"), ("wholesalers", "wA"),
        ("order_items", "hA"), ("products", "anon"))],
    ("select * on own customer row", "cA", "select * from public.customers", (), 1),
    ("select * on public lineups", "anon",
     "select * from public.live_products where session_id = %s", ("sA_live",), 2),
    ("chat name is the chosen chat name", "cA", _CHAT_AS_CALLER, ("sA_live",),
     lambda w, row: (row[0], str(row[1])) == ("alice_live", w.user("cA"))),
    ("chat name never the legal name", "cB", _CHAT_AS_CALLER, ("sA_live",),
     lambda w, row: row[0].startswith("viewer-") and str(row[1]) == w.user("cB")),
    ("host chats under the display name", "hA", _CHAT_AS_CALLER, ("sA_live",),
     lambda w, row: row[0].startswith("Host ")),
    ("hiding records the moderator", "hA",
     "update public.live_stream_chat set is_hidden = true where id = %s returning hidden_by",
     ("mA1",), lambda w, row: str(row[0]) == w.user("hA")),
    ("host reads own commission rate", "hA",
     "select public.my_profiles() -> 'influencer' ->> 'commission_rate'", (),
     lambda w, row: row[0] == "0.1500"),
    ("wholesaler reads own tax id", "wA",
     "select public.my_profiles() -> 'wholesaler' ->> 'tax_id'", (),
     lambda w, row: row[0].startswith("TAX-")),
    ("profiles are the caller's own", "hB", "select public.my_profiles() -> 'influencer' ->> 'id'",
     (), lambda w, row: row[0] == w.id("hB")),
    ("host reads own stream key", "hA",
     "select public.host_session_credentials(%s) ->> 'stream_key'", ("sA_live",),
     lambda w, row: row[0].startswith("sk_")),
    ("viewers get the room code while live", "anon", "select public.viewer_room_code(%s)",
     ("sA_live",), lambda w, row: row[0] == "viewer-code-A"),
    ("admin reads a wholesaler's contact", "adm",
     "select public.admin_user_profiles(%s) -> 'wholesaler' ->> 'contact_email'", ("~wA",),
     lambda w, row: row[0].startswith("sales")),
]
