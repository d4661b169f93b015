"""The backend's filter language, its SQL and PostgREST forms, cursors, profiles and errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from studio.sync.backend import (
    NIL_UUID,
    AuthError,
    BackendError,
    Cursor,
    Filter,
    NetworkError,
    NotFound,
    Order,
    PermissionDenied,
    Role,
    UserProfiles,
    ValidationError,
    after_cursor,
    and_,
    backend_error,
    compile_filters_sql,
    compile_order_sql,
    eq,
    gt,
    gte,
    ilike,
    in_,
    is_null,
    lt,
    lte,
    neq,
    or_,
)
from studio.sync.supabase.query import filter_params, quote_value, realtime_filter

STAMP = datetime(2026, 11, 24, 10, 0, 0, 500000, tzinfo=UTC)

# ---------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    "make",
    [
        lambda: eq("name; drop table products", 1),
        lambda: eq('"name"', 1),
        lambda: eq("Name", 1),
        lambda: eq("1name", 1),
        lambda: eq("", 1),
        lambda: Order("id desc"),
    ],
)
def test_identifiers_must_be_plain_lower_case_names(make):
    with pytest.raises(ValueError, match="not a valid table or column name"):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: eq("status", None), "use is_null"),
        (lambda: gt("price", [1, 2]), "single value"),
        (lambda: in_("status", "active"), "collection of values"),
        (lambda: in_("status", ["a", None]), "non-null single values"),
        (lambda: is_null("status", "yes"), "True"),
        (lambda: Filter("status", "like", "a%"), "unknown filter operator"),
        (lambda: or_(), "at least one condition"),
        (lambda: and_("status=eq.x"), "filters or groups"),
    ],
)
def test_malformed_filters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_in_keeps_its_values_as_a_tuple():
    assert in_("status", ["draft", "active"]).value == ("draft", "active")


# ------------------------------------------------------------------------------------- SQL


def test_each_operator_compiles_to_sql_with_placeholders():
    filters = [
        eq("a", 1),
        neq("b", "x"),
        gt("c", 2),
        gte("d", 3),
        lt("e", 4),
        lte("f", 5),
        ilike("g", "%mug%"),
        in_("h", ["p", "q"]),
        is_null("i"),
        is_null("j", False),
    ]
    sql, params = compile_filters_sql(filters)
    assert sql == (
        '"a" = %s and "b" <> %s and "c" > %s and "d" >= %s and "e" < %s and "f" <= %s'
        ' and "g" ilike %s and "h" in (%s, %s) and "i" is null and "j" is not null'
    )
    assert params == [1, "x", 2, 3, 4, 5, "%mug%", "p", "q"]


def test_groups_compile_parenthesised_and_values_stay_parameters():
    sql, params = compile_filters_sql([eq("session_id", "s"), after_cursor(Cursor(812, "x"))])
    assert sql == (
        '"session_id" = %s and ("change_xid" > %s or ("change_xid" = %s and "id" > %s))'
    )
    assert params == ["s", 812, 812, "x"]


def test_sql_edge_cases():
    assert compile_filters_sql([]) == ("true", [])
    assert compile_filters_sql([in_("id", [])]) == ("false", [])
    hostile = "x'); drop table products; --"
    assert compile_filters_sql([eq("name", hostile)]) == ('"name" = %s', [hostile])


def test_sql_refuses_columns_outside_the_whitelist_or_forged_filters():
    with pytest.raises(ValueError, match="not allowed here"):
        compile_filters_sql([eq("tax_id", "x")], allowed_columns={"id", "name"})
    forged = eq("name", "x")
    object.__setattr__(forged, "column", 'name" = name or "1')
    with pytest.raises(ValueError, match="not a valid table or column name"):
        compile_filters_sql([forged])
    with pytest.raises(ValueError, match="not a filter"):
        compile_filters_sql(["1=1"])


def test_order_compiles_to_sql():
    order = [Order("updated_at"), Order("name", descending=True, nulls_first=True), Order("x")]
    assert compile_order_sql(order) == '"updated_at" asc, "name" desc nulls first, "x" asc'
    assert compile_order_sql([Order("y", nulls_first=False)]) == '"y" asc nulls last'
    assert compile_order_sql([]) == ""


# ------------------------------------------------------------------------------- PostgREST


def test_each_operator_becomes_a_postgrest_parameter():
    filters = [
        eq("status", "active"),
        neq("brand", "Acme, Inc."),
        gt("stock_quantity", 0),
        gte("retail_price", Decimal("9.90")),
        lt("placed_at", STAMP),
        lte("period_start", date(2026, 11, 1)),
        ilike("name", "%tote%"),
        in_("id", [UUID(int=1), "b"]),
        is_null("category_id"),
        is_null("image_url", False),
        eq("is_live_eligible", True),
    ]
    assert filter_params(filters) == [
        ("status", "eq.active"),
        ("brand", "neq.Acme, Inc."),
        ("stock_quantity", "gt.0"),
        ("retail_price", "gte.9.90"),
        ("placed_at", "lt.2026-11-24T10:00:00.500000+00:00"),
        ("period_start", "lte.2026-11-01"),
        ("name", "ilike.%tote%"),
        ("id", "in.(00000000-0000-0000-0000-000000000001,b)"),
        ("category_id", "is.null"),
        ("image_url", "not.is.null"),
        ("is_live_eligible", "eq.true"),
    ]


def test_groups_become_or_trees_with_quoted_values():
    group = or_(eq("brand", "A,B"), and_(gt("stock_quantity", 5), ilike("name", "mug (red)")))
    assert filter_params([group, and_(eq("a", 1), eq("b", 2))]) == [
        ("or", '(brand.eq."A,B",and(stock_quantity.gt.5,name.ilike."mug (red)"))'),
        ("a", "eq.1"),
        ("b", "eq.2"),
    ]


def test_keyset_cursor_becomes_one_or_parameter():
    key, value = filter_params([after_cursor(Cursor(812, "abc"))])[0]
    assert (key, value) == ("or", "(change_xid.gt.812,and(change_xid.eq.812,id.gt.abc))")


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("plain", "plain"),
        ("", '""'),
        (" padded", '" padded"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("1.5", '"1.5"'),
        ("{a}", '"{a}"'),
        (7, "7"),
        (False, "false"),
    ],
)
def test_values_in_lists_and_trees_are_quoted_when_reserved(value, quoted):
    assert quote_value(value) == quoted


def test_realtime_filters_allow_one_simple_condition():
    assert realtime_filter(eq("session_id", "s1")) == "session_id=eq.s1"
    assert realtime_filter(in_("status", ["live", "ended"])) == "status=in.(live,ended)"
    assert realtime_filter(None) is None
    with pytest.raises(ValueError, match="realtime filters support"):
        realtime_filter(ilike("name", "%a%"))
    with pytest.raises(ValueError, match="realtime filters support"):
        realtime_filter(or_(eq("a", 1)))


# --------------------------------------------------------------------------------- cursors


def test_cursor_from_a_row_follows_commit_order():
    cursor = Cursor.from_row({"change_xid": "812", "id": UUID(int=5)})
    assert cursor == Cursor(812, "00000000-0000-0000-0000-000000000005")
    assert Cursor(7).id == NIL_UUID


@pytest.mark.parametrize("bad", [-1, "812", 1.5, True, None])
def test_cursor_needs_a_transaction_id(bad):
    with pytest.raises(ValueError, match="change_xid"):
        Cursor(bad, "x")


# -------------------------------------------------------------------------------- profiles


def test_profiles_from_my_profiles_payload():
    profiles = UserProfiles.from_payload(
        {
            "influencer": {"id": "i1"},
            "wholesaler": None,
            "customer": {"id": "c1"},
            "admin_user": {"id": "a1", "role": "support"},
        }
    )
    assert profiles.roles == {Role.HOST, Role.CUSTOMER, Role.ADMIN}
    assert profiles.profile_id(Role.CUSTOMER) == "c1"
    assert profiles.profile_id(Role.WHOLESALER) is None
    assert UserProfiles.from_payload({}).roles == frozenset()
    with pytest.raises(ValueError, match="JSON object"):
        UserProfiles.from_payload([])


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error_type", "retryable"),
    [
        ({"sqlstate": "23514"}, ValidationError, False),
        ({"sqlstate": "22003"}, ValidationError, False),
        ({"sqlstate": "42501", "status": 401}, PermissionDenied, False),
        ({"sqlstate": "P0002"}, NotFound, False),
        ({"sqlstate": "55000"}, BackendError, False),
        ({"sqlstate": "08006"}, BackendError, True),
        ({"sqlstate": "40P01"}, BackendError, True),
        ({"sqlstate": "53300"}, BackendError, True),
        ({"sqlstate": "57P01"}, BackendError, True),
        ({"sqlstate": "23505", "status": 503}, ValidationError, False),
        ({"status": 401}, AuthError, False),
        ({"status": 403}, PermissionDenied, False),
        ({"status": 404}, NotFound, False),
        ({"status": 429}, BackendError, True),
        ({"status": 500}, BackendError, True),
        ({"status": 400}, BackendError, False),
        ({}, BackendError, False),
    ],
)
def test_error_classes_and_retryability(kwargs, error_type, retryable):
    error = backend_error("boom", **kwargs)
    assert type(error) is error_type
    assert error.retryable is retryable
    assert str(error) == "boom"


def test_network_errors_are_always_retryable():
    assert NetworkError("offline").retryable is True
    assert NetworkError("offline", status=400).retryable is True
