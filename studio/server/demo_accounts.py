"""The demo accounts created by backend_schema/supabase/seed.sql (emails, ids and password)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Every demo account signs in with this password. seed.sql stores it as a bcrypt hash (cost 10),
# the format Supabase Auth (GoTrue) verifies, so sign-in works on a hosted project too.
DEMO_PASSWORD = "shopstream-demo"
DEMO_PASSWORD_BCRYPT = "$2a$10$aKVdkUIVIDpPefDCSjCqcO3u7dnHSkQsEqzq6Eej1KKrfU4d/GMra"

DEMO_EMAIL_DOMAIN = "demo.shopstream.app"

Kind = Literal["influencer", "wholesaler", "customer", "admin"]


@dataclass(frozen=True)
class DemoAccount:
    """One seeded user: its auth.users id, its profile row id and what the profile is."""

    kind: Kind
    email: str
    user_id: str
    profile_id: str
    display_name: str


def _user_id(n: int) -> str:
    return f"00000000-0000-4000-a000-{n:012d}"


def _profile_id(n: int) -> str:
    return f"00000000-0000-4000-b000-{n:012d}"


def _account(kind: Kind, n: int, local_part: str, display_name: str) -> DemoAccount:
    return DemoAccount(
        kind, f"{local_part}@{DEMO_EMAIL_DOMAIN}", _user_id(n), _profile_id(n), display_name
    )


# Hosts (influencers): ids ...01xx.
DEMO_HOST = _account("influencer", 101, "host", "Maya Chen")
DEMO_HOST_2 = _account("influencer", 102, "host2", "Jordan Reyes")
DEMO_HOST_HANDLE = "mayalive"
DEMO_HOST_COMMISSION_RATE = "0.1500"

# Wholesalers: ids ...02xx; the fourth is still pending verification.
DEMO_WHOLESALER = _account("wholesaler", 201, "wholesaler", "Harbor Lane Trading Co.")
DEMO_WHOLESALER_2 = _account("wholesaler", 202, "wholesaler2", "Northwind Apparel Group")
DEMO_WHOLESALER_3 = _account("wholesaler", 203, "wholesaler3", "Brightline Supply")
DEMO_WHOLESALER_PENDING = _account("wholesaler", 204, "wholesaler4", "Maple & Moss Home Goods")

# Customers: ids ...0301 to ...0312, emails customer1@ to customer12@.
_CUSTOMER_NAMES = (
    "Ava Thompson", "Liam Patel", "Sofia Garcia", "Noah Kim", "Emma Johnson", "Lucas Nguyen",
    "Mia Robinson", "Ethan Brooks", "Chloe Martin", "Mateo Silva", "Grace Okafor", "Henry Walsh",
)
DEMO_CUSTOMERS = tuple(
    _account("customer", 300 + i, f"customer{i}", name)
    for i, name in enumerate(_CUSTOMER_NAMES, start=1)
)
DEMO_CUSTOMER = DEMO_CUSTOMERS[0]

# Admin: id ...0401.
DEMO_ADMIN = _account("admin", 401, "admin", "ShopStream Admin")

DEMO_HOSTS = (DEMO_HOST, DEMO_HOST_2)
DEMO_WHOLESALERS = (DEMO_WHOLESALER, DEMO_WHOLESALER_2, DEMO_WHOLESALER_3, DEMO_WHOLESALER_PENDING)
ALL_DEMO_ACCOUNTS = (*DEMO_HOSTS, *DEMO_WHOLESALERS, *DEMO_CUSTOMERS, DEMO_ADMIN)

# The demo host's upcoming show (status 'scheduled') with a lineup and no orders.
DEMO_DRAFT_SHOW_ID = "00000000-0000-4000-8300-000000000900"


def by_email(email: str) -> DemoAccount | None:
    """The demo account with this email (case-insensitive), if any."""
    wanted = email.strip().lower()
    return next((a for a in ALL_DEMO_ACCOUNTS if a.email == wanted), None)
