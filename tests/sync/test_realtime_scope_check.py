"""A feed's scope check, worked out once per feed, answers as `in_scope` does for every row."""

from __future__ import annotations

import itertools

from studio.sync.backend import eq
from studio.sync.engine.realtime_rows import in_scope, scope_check
from studio.sync.filters import and_, gt, in_, neq, or_, refers_to
from studio.sync.scope import TableScope

SHOW = "5e000000-0000-4000-a000-000000000001"
OTHER = "5e000000-0000-4000-a000-000000000002"

SCOPES = [
    (TableScope("live_stream_chat", (eq("session_id", SHOW),)),),
    (TableScope("live_products", (eq("is_live_eligible", True),)),),
    (TableScope("live_products", (eq("stock", 3),)),),
    (TableScope("live_products", (neq("status", "ended"), gt("stock", 0))),),
    (TableScope("live_products", (in_("session_id", [SHOW, OTHER]),)),),
    (TableScope("live_products", (or_(eq("session_id", SHOW), eq("status", "live")),)),),
    (TableScope("live_products", (and_(eq("session_id", SHOW), eq("status", "live")),)),),
    (TableScope("live_products", (refers_to("product_id", "products", eq("id", "p")),)),),
    (TableScope("live_products", (eq("session_id", SHOW),)),
     TableScope("live_products", (eq("status", "live"),))),
    (TableScope("live_products", ()),),
    (),
]
ROWS = [
    {"session_id": SHOW, "status": "live", "stock": 3, "is_live_eligible": True},
    {"session_id": OTHER, "status": "ended", "stock": 0, "is_live_eligible": False},
    {"session_id": None, "status": None, "stock": None, "is_live_eligible": None},
    {"session_id": SHOW.upper(), "stock": "3", "is_live_eligible": "true"},
    {"session_id": 5, "stock": 3.0},
    {},
]


def test_the_compiled_check_agrees_with_in_scope_on_every_row_and_scope() -> None:
    for scopes, row in itertools.product(SCOPES, ROWS):
        assert scope_check(scopes)(row) == in_scope(row, scopes), (scopes, row)


def test_a_show_feed_takes_its_own_show_and_refuses_others() -> None:
    check = scope_check((TableScope("live_stream_chat", (eq("session_id", SHOW),)),))
    assert check({"session_id": SHOW})
    assert not check({"session_id": OTHER})
    assert not check({"session_id": None})
    assert not check({})
