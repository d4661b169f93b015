"""Immutable records of what the studio reads from its cache, mirroring the server's tables.

Field names are the server's column names, so a record converts to and from a row by name
(`studio.core.rows`). Enum values are exactly the server's enum labels. Records hold whatever
the server or the user gave; `studio.core.lineup_rules` says whether a candidate is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID


class VerificationStatus(StrEnum):
    """public.verification_status"""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class AdminRole(StrEnum):
    """public.admin_role"""

    SUPER_ADMIN = "super_admin"
    ADMIN = "admin"
    SUPPORT = "support"
    MODERATOR = "moderator"


class ProductStatus(StrEnum):
    """public.product_status: the wholesale product's catalog state."""

    DRAFT = "draft"
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCONTINUED = "discontinued"


class LiveProductStatus(StrEnum):
    """public.live_product_status: a lineup item's state during the show."""

    DRAFT = "draft"
    ACTIVE = "active"
    SOLD_OUT = "sold_out"
    HIDDEN = "hidden"


class ShowStatus(StrEnum):
    """public.session_status: a show (live stream session) from scheduling to its end."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class OrderStatus(StrEnum):
    """public.order_status"""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentStatus(StrEnum):
    """public.payment_status"""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class QueryStatus(StrEnum):
    """public.query_status"""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class QueryPriority(StrEnum):
    """public.query_priority"""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ChatMessageType(StrEnum):
    """public.chat_message_type"""

    MESSAGE = "message"
    QUESTION = "question"
    PURCHASE = "purchase"
    SYSTEM = "system"


class GoalType(StrEnum):
    """public.goal_type"""

    REVENUE = "revenue"
    ORDERS = "orders"
    UNITS = "units"
    VIEWERS = "viewers"
    SHOWS = "shows"


class GoalPeriod(StrEnum):
    """public.goal_period"""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class GoalStatus(StrEnum):
    """public.goal_status"""

    ACTIVE = "active"
    ACHIEVED = "achieved"
    MISSED = "missed"


class EarningStatus(StrEnum):
    """public.earning_status"""

    PENDING = "pending"
    AVAILABLE = "available"
    PAID_OUT = "paid_out"
    REVERSED = "reversed"


class NotificationType(StrEnum):
    """public.notification_type"""

    ORDER = "order"
    SOLD_OUT = "sold_out"
    GOAL_REACHED = "goal_reached"
    ACHIEVEMENT = "achievement"
    SHOW = "show"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Category:
    """A catalog category (public.categories); `parent_id` builds the category tree."""

    id: UUID
    name: str
    slug: str
    parent_id: UUID | None = None
    description: str | None = None
    sort_order: int = 0
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Wholesaler:
    """A wholesaler's public information (public.wholesalers without private columns)."""

    id: UUID
    business_name: str
    description: str | None = None
    website: str | None = None
    logo_url: str | None = None
    verification_status: VerificationStatus = VerificationStatus.PENDING


@dataclass(frozen=True, slots=True)
class Host:
    """A host's (influencer's) public profile and the commission rate paid on their sales."""

    id: UUID
    display_name: str
    handle: str
    avatar_url: str | None = None
    bio: str | None = None
    follower_count: int = 0
    commission_rate: Decimal = Decimal("0.1000")


@dataclass(frozen=True, slots=True)
class Product:
    """A wholesale catalog product (public.products)."""

    id: UUID
    wholesaler_id: UUID
    sku: str
    name: str
    wholesale_price: Decimal
    retail_price: Decimal
    category_id: UUID | None = None
    brand: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    image_url: str | None = None
    stock_quantity: int = 0
    min_order_quantity: int = 1
    status: ProductStatus = ProductStatus.ACTIVE
    is_live_eligible: bool = True

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0


@dataclass(frozen=True, slots=True)
class Show:
    """A show: a scheduled, running or finished live stream session (public.live_stream_sessions).

    `session_code` is generated by the server, so a show planned offline has none until synced.
    """

    id: UUID
    influencer_id: UUID
    title: str
    scheduled_start: datetime
    status: ShowStatus = ShowStatus.SCHEDULED
    description: str | None = None
    scheduled_end: datetime | None = None
    session_code: str | None = None
    thumbnail_url: str | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    is_rehearsal: bool = False
    chat_enabled: bool = True
    featured_live_product_id: UUID | None = None
    current_viewers: int = 0
    peak_viewers: int = 0
    unique_viewers: int = 0
    total_orders: int = 0
    total_units: int = 0
    total_revenue: Decimal = Decimal("0.00")

    @property
    def is_finished(self) -> bool:
        """Ended or cancelled: its lineup can no longer change."""
        return self.status in (ShowStatus.ENDED, ShowStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class LineupItem:
    """A live product: one offer in a show's lineup (public.live_products).

    `product_id` is the wholesale product it is sourced from, or None for the host's own goods.
    The flash fields are all set or all None; the flash price applies in [starts, ends).
    """

    id: UUID
    session_id: UUID
    name: str
    live_price: Decimal
    allocated_quantity: int
    product_id: UUID | None = None
    influencer_id: UUID | None = None
    position: int = 0
    compare_at_price: Decimal | None = None
    sold_quantity: int = 0
    max_per_buyer: int | None = None
    status: LiveProductStatus = LiveProductStatus.ACTIVE
    description: str | None = None
    image_url: str | None = None
    flash_price: Decimal | None = None
    flash_starts_at: datetime | None = None
    flash_ends_at: datetime | None = None
    revenue: Decimal = Decimal("0.00")
    featured_at: datetime | None = None

    @property
    def remaining_quantity(self) -> int:
        """Units still for sale (never negative, even for an invalid candidate)."""
        return max(self.allocated_quantity - self.sold_quantity, 0)

    @property
    def has_flash_window(self) -> bool:
        return (
            self.flash_price is not None
            and self.flash_starts_at is not None
            and self.flash_ends_at is not None
        )


@dataclass(frozen=True, slots=True)
class Goal:
    """A host's goal for one period (public.influencer_goals); the server maintains progress."""

    id: UUID
    influencer_id: UUID
    title: str
    goal_type: GoalType
    period: GoalPeriod
    period_start: date
    period_end: date
    target_value: Decimal
    current_value: Decimal = Decimal("0.00")
    status: GoalStatus = GoalStatus.ACTIVE
    achieved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Earning:
    """The host's commission on one order item (public.influencer_earnings)."""

    id: UUID
    influencer_id: UUID
    order_id: UUID
    order_item_id: UUID
    gross_amount: Decimal
    commission_rate: Decimal
    amount: Decimal
    earned_at: datetime
    session_id: UUID | None = None
    status: EarningStatus = EarningStatus.PENDING
    available_at: datetime | None = None
    paid_out_at: datetime | None = None
    reversed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification for the host (public.influencer_notifications)."""

    id: UUID
    influencer_id: UUID
    type: NotificationType
    title: str
    created_at: datetime
    body: str | None = None
    # Excluded from hashing: a dict cannot be hashed, and the id identifies the notification.
    data: Mapping[str, object] = field(default_factory=dict, hash=False)
    is_read: bool = False
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Achievement:
    """A host's achievement and its progress (public.influencer_achievements)."""

    id: UUID
    influencer_id: UUID
    achievement_key: str
    title: str
    target: Decimal
    progress: Decimal = Decimal("0.00")
    description: str | None = None
    unlocked_at: datetime | None = None

    @property
    def is_unlocked(self) -> bool:
        return self.unlocked_at is not None


@dataclass(frozen=True, slots=True)
class WholesalerLineupRow:
    """One live product of a host's lineup that uses a wholesaler's product (wholesaler preview).

    Read-only and free of customer data: the host's public name, the show, the offer.
    """

    live_product_id: UUID
    session_id: UUID
    product_id: UUID
    host_display_name: str
    show_title: str
    show_status: ShowStatus
    scheduled_start: datetime
    product_name: str
    sku: str
    allocated_quantity: int
    sold_quantity: int
    live_price: Decimal
    wholesale_price: Decimal
