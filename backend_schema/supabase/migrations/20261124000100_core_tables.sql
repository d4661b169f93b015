-- ShopStream core schema: the 18 public tables, their types, constraints and indexes.
-- Access rules (RLS, grants) live in a later migration; see ACCESS.md.
-- Only core PostgreSQL is used (gen_random_uuid, plpgsql), so the same file applies on Supabase,
-- on a distribution's PostgreSQL and on the studio's embedded server.

-- Objects clients must never reach through the API (audit trail, idempotency keys, settings,
-- helper functions) live in `private`, a schema PostgREST does not expose.
create schema if not exists private;
revoke all on schema private from public;

-- ---------------------------------------------------------------------------------------------
-- Enumerated types
-- ---------------------------------------------------------------------------------------------
create type public.verification_status as enum ('pending', 'verified', 'rejected', 'suspended');
create type public.admin_role as enum ('super_admin', 'admin', 'support', 'moderator');
create type public.product_status as enum ('draft', 'active', 'inactive', 'discontinued');
create type public.live_product_status as enum ('draft', 'active', 'sold_out', 'hidden');
create type public.session_status as enum ('scheduled', 'live', 'ended', 'cancelled');
create type public.order_status as enum
  ('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded');
create type public.payment_status as enum ('pending', 'paid', 'failed', 'refunded');
create type public.query_status as enum ('open', 'in_progress', 'resolved', 'closed');
create type public.query_priority as enum ('low', 'normal', 'high', 'urgent');
create type public.chat_message_type as enum ('message', 'question', 'purchase', 'system');
create type public.goal_type as enum ('revenue', 'orders', 'units', 'viewers', 'shows');
create type public.goal_period as enum ('weekly', 'monthly', 'quarterly');
create type public.goal_status as enum ('active', 'achieved', 'missed');
create type public.earning_status as enum ('pending', 'available', 'paid_out', 'reversed');
create type public.notification_type as enum
  ('order', 'sold_out', 'goal_reached', 'achievement', 'show', 'system');

-- ---------------------------------------------------------------------------------------------
-- User management
-- ---------------------------------------------------------------------------------------------
create table public.customers (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null unique references auth.users (id) on delete cascade,
  full_name        text check (char_length(full_name) <= 200),
  email            text check (email is null or email ~ '^[^@\s]+@[^@\s]+$'),
  phone            text check (char_length(phone) <= 40),
  shipping_address jsonb check (shipping_address is null or jsonb_typeof(shipping_address) = 'object'),
  preferences      jsonb not null default '{}'::jsonb check (jsonb_typeof(preferences) = 'object'),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
comment on table public.customers is
  'Customer profiles. Every column but id is personal data: readable by that customer and admins only.';

create table public.wholesalers (
  id                  uuid primary key default gen_random_uuid(),
  user_id             uuid not null unique references auth.users (id) on delete cascade,
  business_name       text not null check (char_length(business_name) between 1 and 200),
  description         text,
  website             text,
  logo_url            text,
  contact_name        text,
  contact_email       text check (contact_email is null or contact_email ~ '^[^@\s]+@[^@\s]+$'),
  contact_phone       text,
  tax_id              text,
  business_address    jsonb check (business_address is null or jsonb_typeof(business_address) = 'object'),
  verification_status public.verification_status not null default 'pending',
  verified_at         timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
comment on column public.wholesalers.tax_id is 'Private: owner and admins only (column grant).';

create table public.influencers (
  id                  uuid primary key default gen_random_uuid(),
  user_id             uuid not null unique references auth.users (id) on delete cascade,
  display_name        text not null check (char_length(display_name) between 1 and 100),
  handle              text not null unique check (handle ~ '^[a-z0-9_.]{3,30}$'),
  bio                 text check (char_length(bio) <= 2000),
  avatar_url          text,
  follower_count      integer not null default 0 check (follower_count >= 0),
  -- The share of each live sale paid to the host. Set by admins only (column grant).
  commission_rate     numeric(5, 4) not null default 0.1000 check (commission_rate between 0 and 1),
  payout_email        text check (payout_email is null or payout_email ~ '^[^@\s]+@[^@\s]+$'),
  verification_status public.verification_status not null default 'pending',
  total_sales         numeric(14, 2) not null default 0 check (total_sales >= 0),
  total_shows         integer not null default 0 check (total_shows >= 0),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);

create table public.admin_users (
  id          uuid primary key default gen_random_uuid(),
  -- Authentication is Supabase Auth's job: this table holds membership and role, never passwords.
  user_id     uuid not null unique references auth.users (id) on delete cascade,
  role        public.admin_role not null default 'support',
  permissions jsonb not null default '[]'::jsonb check (jsonb_typeof(permissions) = 'array'),
  is_active   boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

-- ---------------------------------------------------------------------------------------------
-- Product system
-- ---------------------------------------------------------------------------------------------
create table public.categories (
  id          uuid primary key default gen_random_uuid(),
  parent_id   uuid references public.categories (id) on delete restrict,
  name        text not null check (char_length(name) between 1 and 100),
  slug        text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  description text,
  sort_order  integer not null default 0,
  is_active   boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check (parent_id is distinct from id)
);
create index categories_parent_id_idx on public.categories (parent_id);

create table public.products (
  id                     uuid primary key default gen_random_uuid(),
  wholesaler_id          uuid not null references public.wholesalers (id) on delete cascade,
  category_id            uuid references public.categories (id) on delete set null,
  sku                    text not null check (char_length(sku) between 1 and 64),
  name                   text not null check (char_length(name) between 1 and 200),
  description            text,
  brand                  text,
  tags                   text[] not null default '{}',
  image_url              text,
  -- What the wholesaler charges per unit; the basis of margin for hosts.
  wholesale_price        numeric(12, 2) not null check (wholesale_price >= 0),
  -- The catalog price customers pay when buying the wholesale product directly.
  retail_price           numeric(12, 2) not null check (retail_price >= 0),
  stock_quantity         integer not null default 0 check (stock_quantity >= 0),
  min_order_quantity     integer not null default 1 check (min_order_quantity > 0),
  status                 public.product_status not null default 'active',
  is_live_eligible       boolean not null default true,
  weight_grams           integer check (weight_grams > 0),
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  unique (wholesaler_id, sku)
);
create index products_category_status_idx on public.products (category_id, status);
create index products_status_name_idx on public.products (status, name);
create index products_updated_at_id_idx on public.products (updated_at, id);
create index products_search_idx on public.products using gin (
  to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(brand, '') || ' '
                        || coalesce(description, ''))
);
create index products_tags_idx on public.products using gin (tags);

-- ---------------------------------------------------------------------------------------------
-- Live streaming
-- ---------------------------------------------------------------------------------------------
create table public.live_stream_sessions (
  id                       uuid primary key default gen_random_uuid(),
  influencer_id            uuid not null references public.influencers (id) on delete cascade,
  title                    text not null check (char_length(title) between 1 and 200),
  description              text check (char_length(description) <= 5000),
  thumbnail_url            text,
  -- Public, unambiguous code viewers type or share (generated by trigger).
  session_code             text not null unique check (session_code ~ '^[A-HJ-NP-Z2-9]{8}$'),
  status                   public.session_status not null default 'scheduled',
  scheduled_start          timestamptz not null,
  scheduled_end            timestamptz,
  actual_start             timestamptz,
  actual_end               timestamptz,
  is_rehearsal             boolean not null default false,
  chat_enabled             boolean not null default true,
  -- 100ms identifiers and secrets: owning host only (column grants + functions).
  hms_room_id              text,
  hms_host_room_code       text,
  hms_viewer_room_code     text,
  stream_key               text,
  featured_live_product_id uuid,
  current_viewers          integer not null default 0 check (current_viewers >= 0),
  peak_viewers             integer not null default 0 check (peak_viewers >= 0),
  unique_viewers           integer not null default 0 check (unique_viewers >= 0),
  total_orders             integer not null default 0 check (total_orders >= 0),
  total_units              integer not null default 0 check (total_units >= 0),
  total_revenue            numeric(14, 2) not null default 0 check (total_revenue >= 0),
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  check (scheduled_end is null or scheduled_end > scheduled_start),
  check (actual_end is null or (actual_start is not null and actual_end >= actual_start)),
  check (status <> 'live' or actual_start is not null),
  check (status <> 'ended' or actual_end is not null)
);
create index live_stream_sessions_influencer_start_idx
  on public.live_stream_sessions (influencer_id, scheduled_start desc);
create index live_stream_sessions_status_start_idx
  on public.live_stream_sessions (status, scheduled_start);
create index live_stream_sessions_updated_at_id_idx on public.live_stream_sessions (updated_at, id);

create table public.live_products (
  id                uuid primary key default gen_random_uuid(),
  session_id        uuid not null references public.live_stream_sessions (id) on delete cascade,
  influencer_id     uuid not null references public.influencers (id) on delete cascade,
  -- The wholesale product this offer is sourced from (optional: hosts may sell their own goods).
  product_id        uuid references public.products (id) on delete set null,
  name              text not null check (char_length(name) between 1 and 200),
  description       text,
  image_url         text,
  position          integer not null default 0 check (position >= 0),
  live_price        numeric(12, 2) not null check (live_price >= 0),
  compare_at_price  numeric(12, 2) check (compare_at_price >= 0),
  -- A flash sale is a price window: the effective price is derived from it at read time, so the
  -- price reverts on time with no client involved.
  flash_price       numeric(12, 2) check (flash_price >= 0),
  flash_starts_at   timestamptz,
  flash_ends_at     timestamptz,
  allocated_quantity integer not null check (allocated_quantity >= 0),
  sold_quantity     integer not null default 0 check (sold_quantity >= 0),
  revenue           numeric(14, 2) not null default 0 check (revenue >= 0),
  max_per_buyer     integer check (max_per_buyer > 0),
  status            public.live_product_status not null default 'active',
  featured_at       timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint live_products_sold_within_allocation check (sold_quantity <= allocated_quantity),
  constraint live_products_compare_at_not_below_price
    check (compare_at_price is null or compare_at_price >= live_price),
  constraint live_products_flash_fields_together check (
    (flash_price is null and flash_starts_at is null and flash_ends_at is null)
    or (flash_price is not null and flash_starts_at is not null and flash_ends_at is not null)),
  constraint live_products_flash_below_live_price check (flash_price is null or flash_price < live_price),
  constraint live_products_flash_window_order check (flash_ends_at is null or flash_ends_at > flash_starts_at)
);
create index live_products_session_position_idx on public.live_products (session_id, position);
create index live_products_influencer_id_idx on public.live_products (influencer_id);
create index live_products_product_id_idx on public.live_products (product_id);
create index live_products_updated_at_id_idx on public.live_products (updated_at, id);

alter table public.live_stream_sessions
  add constraint live_stream_sessions_featured_live_product_id_fkey
  foreign key (featured_live_product_id) references public.live_products (id) on delete set null;
create index live_stream_sessions_featured_live_product_id_idx
  on public.live_stream_sessions (featured_live_product_id);

create table public.live_stream_viewers (
  id            uuid primary key default gen_random_uuid(),
  session_id    uuid not null references public.live_stream_sessions (id) on delete cascade,
  user_id       uuid references auth.users (id) on delete set null,
  -- 100ms peer id, when the join comes from 100ms's webhook.
  hms_peer_id   text,
  joined_at     timestamptz not null default now(),
  left_at       timestamptz,
  -- Connection and streaming quality reported by the player (bitrate, packet loss, ...).
  quality       jsonb not null default '{}'::jsonb check (jsonb_typeof(quality) = 'object'),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check (left_at is null or left_at >= joined_at)
);
create index live_stream_viewers_session_joined_idx on public.live_stream_viewers (session_id, joined_at);
create index live_stream_viewers_user_id_idx on public.live_stream_viewers (user_id);
create unique index live_stream_viewers_one_open_per_user_idx
  on public.live_stream_viewers (session_id, user_id) where left_at is null;

create table public.live_stream_chat (
  id            uuid primary key default gen_random_uuid(),
  session_id    uuid not null references public.live_stream_sessions (id) on delete cascade,
  user_id       uuid references auth.users (id) on delete set null,
  -- The sender's public handle at the time of sending (never the customer's legal name).
  display_name  text not null default 'viewer' check (char_length(display_name) between 1 and 60),
  message       text not null check (char_length(btrim(message)) between 1 and 500),
  message_type  public.chat_message_type not null default 'message',
  is_pinned     boolean not null default false,
  is_hidden     boolean not null default false,
  hidden_by     uuid references auth.users (id) on delete set null,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index live_stream_chat_session_created_idx on public.live_stream_chat (session_id, created_at);
create index live_stream_chat_user_id_idx on public.live_stream_chat (user_id);
create index live_stream_chat_hidden_by_idx on public.live_stream_chat (hidden_by);

-- ---------------------------------------------------------------------------------------------
-- Commerce
-- ---------------------------------------------------------------------------------------------
create table public.cart (
  id              uuid primary key default gen_random_uuid(),
  customer_id     uuid not null references public.customers (id) on delete cascade,
  product_id      uuid references public.products (id) on delete cascade,
  live_product_id uuid references public.live_products (id) on delete cascade,
  quantity        integer not null check (quantity > 0 and quantity <= 999),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint cart_exactly_one_product check (
    (product_id is not null and live_product_id is null)
    or (product_id is null and live_product_id is not null))
);
create unique index cart_customer_product_idx on public.cart (customer_id, product_id)
  where product_id is not null;
create unique index cart_customer_live_product_idx on public.cart (customer_id, live_product_id)
  where live_product_id is not null;
create index cart_product_id_idx on public.cart (product_id);
create index cart_live_product_id_idx on public.cart (live_product_id);

create table public.orders (
  id                uuid primary key default gen_random_uuid(),
  order_number      text not null unique,
  customer_id       uuid not null references public.customers (id) on delete restrict,
  status            public.order_status not null default 'pending',
  payment_status    public.payment_status not null default 'pending',
  payment_reference text,
  currency          char(3) not null default 'USD',
  subtotal          numeric(14, 2) not null check (subtotal >= 0),
  discount_amount   numeric(14, 2) not null default 0 check (discount_amount >= 0),
  tax_amount        numeric(14, 2) not null default 0 check (tax_amount >= 0),
  shipping_amount   numeric(14, 2) not null default 0 check (shipping_amount >= 0),
  total_amount      numeric(14, 2) not null check (total_amount >= 0),
  -- Personal data: readable by the customer and admins only (orders are not readable by hosts).
  shipping_address  jsonb check (shipping_address is null or jsonb_typeof(shipping_address) = 'object'),
  contact_email     text,
  notes             text check (char_length(notes) <= 1000),
  placed_at         timestamptz not null default now(),
  paid_at           timestamptz,
  refunded_at       timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  check (total_amount = subtotal - discount_amount + tax_amount + shipping_amount)
);
create index orders_customer_placed_idx on public.orders (customer_id, placed_at desc);
create index orders_status_idx on public.orders (status);

create table public.order_items (
  id                uuid primary key default gen_random_uuid(),
  order_id          uuid not null references public.orders (id) on delete cascade,
  -- Sold products keep their history: they are discontinued or hidden, never deleted.
  product_id        uuid references public.products (id) on delete restrict,
  live_product_id   uuid references public.live_products (id) on delete restrict,
  -- Denormalised at checkout so hosts' and wholesalers' reads never touch orders (personal data).
  session_id        uuid references public.live_stream_sessions (id) on delete set null,
  influencer_id     uuid references public.influencers (id) on delete set null,
  wholesaler_id     uuid references public.wholesalers (id) on delete set null,
  product_name      text not null,
  sku               text,
  list_unit_price   numeric(12, 2) not null check (list_unit_price >= 0),
  unit_price        numeric(12, 2) not null check (unit_price >= 0),
  is_flash_price    boolean not null default false,
  quantity          integer not null check (quantity > 0),
  line_total        numeric(14, 2) not null check (line_total >= 0),
  commission_rate   numeric(5, 4) not null default 0 check (commission_rate between 0 and 1),
  commission_amount numeric(14, 2) not null default 0 check (commission_amount >= 0),
  is_refunded       boolean not null default false,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint order_items_exactly_one_product check (
    (product_id is not null and live_product_id is null)
    or (product_id is null and live_product_id is not null)),
  check (unit_price <= list_unit_price),
  check (line_total = unit_price * quantity)
);
create index order_items_order_id_idx on public.order_items (order_id);
create index order_items_product_id_idx on public.order_items (product_id);
create index order_items_live_product_id_idx on public.order_items (live_product_id);
create index order_items_session_created_idx on public.order_items (session_id, created_at);
create index order_items_influencer_created_idx on public.order_items (influencer_id, created_at);
create index order_items_wholesaler_created_idx on public.order_items (wholesaler_id, created_at);

create table public.queries (
  id                uuid primary key default gen_random_uuid(),
  customer_id       uuid not null references public.customers (id) on delete cascade,
  order_id          uuid references public.orders (id) on delete set null,
  subject           text not null check (char_length(subject) between 1 and 200),
  message           text not null check (char_length(message) between 1 and 5000),
  status            public.query_status not null default 'open',
  priority          public.query_priority not null default 'normal',
  assigned_admin_id uuid references public.admin_users (id) on delete set null,
  response          text,
  responded_at      timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);
create index queries_customer_created_idx on public.queries (customer_id, created_at desc);
create index queries_order_id_idx on public.queries (order_id);
create index queries_assigned_admin_id_idx on public.queries (assigned_admin_id);
create index queries_status_idx on public.queries (status, priority);

-- ---------------------------------------------------------------------------------------------
-- Influencer dashboard
-- ---------------------------------------------------------------------------------------------
create table public.influencer_achievements (
  id              uuid primary key default gen_random_uuid(),
  influencer_id   uuid not null references public.influencers (id) on delete cascade,
  achievement_key text not null check (achievement_key ~ '^[a-z0-9_]{2,60}$'),
  title           text not null,
  description     text,
  progress        numeric(14, 2) not null default 0 check (progress >= 0),
  target          numeric(14, 2) not null check (target > 0),
  unlocked_at     timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (influencer_id, achievement_key)
);

create table public.influencer_goals (
  id            uuid primary key default gen_random_uuid(),
  influencer_id uuid not null references public.influencers (id) on delete cascade,
  title         text not null check (char_length(title) between 1 and 120),
  goal_type     public.goal_type not null,
  period        public.goal_period not null,
  period_start  date not null,
  period_end    date not null,
  target_value  numeric(14, 2) not null check (target_value > 0),
  -- Maintained by the database from orders, viewers and shows; clients cannot write it.
  current_value numeric(14, 2) not null default 0 check (current_value >= 0),
  status        public.goal_status not null default 'active',
  achieved_at   timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check (period_end >= period_start),
  unique (influencer_id, goal_type, period, period_start)
);
create index influencer_goals_influencer_period_idx
  on public.influencer_goals (influencer_id, period_start, period_end);

create table public.influencer_earnings (
  id              uuid primary key default gen_random_uuid(),
  influencer_id   uuid not null references public.influencers (id) on delete cascade,
  order_id        uuid not null references public.orders (id) on delete cascade,
  order_item_id   uuid not null unique references public.order_items (id) on delete cascade,
  session_id      uuid references public.live_stream_sessions (id) on delete set null,
  gross_amount    numeric(14, 2) not null check (gross_amount >= 0),
  commission_rate numeric(5, 4) not null check (commission_rate between 0 and 1),
  amount          numeric(14, 2) not null check (amount >= 0),
  status          public.earning_status not null default 'pending',
  earned_at       timestamptz not null default now(),
  available_at    timestamptz,
  paid_out_at     timestamptz,
  reversed_at     timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now()
);
create index influencer_earnings_influencer_earned_idx
  on public.influencer_earnings (influencer_id, earned_at);
create index influencer_earnings_order_id_idx on public.influencer_earnings (order_id);
create index influencer_earnings_session_id_idx on public.influencer_earnings (session_id);

create table public.influencer_notifications (
  id            uuid primary key default gen_random_uuid(),
  influencer_id uuid not null references public.influencers (id) on delete cascade,
  type          public.notification_type not null,
  title         text not null,
  body          text,
  data          jsonb not null default '{}'::jsonb check (jsonb_typeof(data) = 'object'),
  is_read       boolean not null default false,
  read_at       timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index influencer_notifications_influencer_created_idx
  on public.influencer_notifications (influencer_id, created_at desc);

-- ---------------------------------------------------------------------------------------------
-- Private supporting tables
-- ---------------------------------------------------------------------------------------------
-- Every price change of a live product: who, when, from what to what, and why.
create table private.price_changes (
  id              bigint generated always as identity primary key,
  live_product_id uuid not null references public.live_products (id) on delete cascade,
  changed_by      uuid,
  change_kind     text not null check (change_kind in
                    ('live_price', 'compare_at_price', 'flash_start', 'flash_cancel', 'flash_update')),
  old_price       numeric(12, 2),
  new_price       numeric(12, 2),
  flash_starts_at timestamptz,
  flash_ends_at   timestamptz,
  changed_at      timestamptz not null default now()
);
create index price_changes_live_product_idx on private.price_changes (live_product_id, changed_at);

-- Client-supplied idempotency keys of checkouts: the same key returns the same order.
create table private.checkout_requests (
  customer_id     uuid not null references public.customers (id) on delete cascade,
  idempotency_key uuid not null,
  order_id        uuid references public.orders (id) on delete cascade,
  created_at      timestamptz not null default now(),
  primary key (customer_id, idempotency_key)
);
create index checkout_requests_order_id_idx on private.checkout_requests (order_id);

-- Commerce settings used by checkout (one row).
create table private.commerce_settings (
  id                      boolean primary key default true check (id),
  tax_rate                numeric(5, 4) not null default 0.0800 check (tax_rate between 0 and 1),
  flat_shipping           numeric(12, 2) not null default 5.99 check (flat_shipping >= 0),
  free_shipping_threshold numeric(12, 2) not null default 50.00 check (free_shipping_threshold >= 0),
  min_flash_seconds       integer not null default 10 check (min_flash_seconds > 0),
  max_flash_seconds       integer not null default 3600 check (max_flash_seconds >= min_flash_seconds)
);
insert into private.commerce_settings default values;

-- Human-readable order numbers come from a sequence: unique under any concurrency.
create sequence private.order_number_seq;
