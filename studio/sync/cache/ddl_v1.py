"""Cache schema version 1, frozen as shipped: the mirrored tables, the outbox and sync cursors.

Never edit this text: caches in the field were created from it. Change the schema with a new
migration step instead.
"""

from __future__ import annotations

V1_SCHEMA = """
CREATE TABLE categories (
  id TEXT NOT NULL PRIMARY KEY,
  parent_id TEXT,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  description TEXT,
  sort_order INTEGER NOT NULL,
  is_active INTEGER NOT NULL CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE wholesalers (
  id TEXT NOT NULL PRIMARY KEY,
  business_name TEXT NOT NULL,
  description TEXT,
  website TEXT,
  logo_url TEXT,
  verification_status TEXT NOT NULL
    CHECK (verification_status IN ('pending', 'verified', 'rejected', 'suspended')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE influencers (
  id TEXT NOT NULL PRIMARY KEY,
  display_name TEXT NOT NULL,
  handle TEXT NOT NULL,
  bio TEXT,
  avatar_url TEXT,
  follower_count INTEGER NOT NULL,
  verification_status TEXT NOT NULL
    CHECK (verification_status IN ('pending', 'verified', 'rejected', 'suspended')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE products (
  id TEXT NOT NULL PRIMARY KEY,
  wholesaler_id TEXT NOT NULL,
  category_id TEXT,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  brand TEXT,
  tags TEXT NOT NULL,
  image_url TEXT,
  wholesale_price_cents INTEGER NOT NULL,
  retail_price_cents INTEGER NOT NULL,
  stock_quantity INTEGER NOT NULL,
  min_order_quantity INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'inactive', 'discontinued')),
  is_live_eligible INTEGER NOT NULL CHECK (is_live_eligible IN (0, 1)),
  weight_grams INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE live_stream_sessions (
  id TEXT NOT NULL PRIMARY KEY,
  influencer_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  thumbnail_url TEXT,
  session_code TEXT,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
  scheduled_start TEXT NOT NULL,
  scheduled_end TEXT,
  actual_start TEXT,
  actual_end TEXT,
  is_rehearsal INTEGER NOT NULL CHECK (is_rehearsal IN (0, 1)),
  chat_enabled INTEGER NOT NULL CHECK (chat_enabled IN (0, 1)),
  featured_live_product_id TEXT,
  current_viewers INTEGER NOT NULL,
  peak_viewers INTEGER NOT NULL,
  unique_viewers INTEGER NOT NULL,
  total_orders INTEGER NOT NULL,
  total_units INTEGER NOT NULL,
  total_revenue_cents INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE live_products (
  id TEXT NOT NULL PRIMARY KEY,
  session_id TEXT NOT NULL,
  influencer_id TEXT NOT NULL,
  product_id TEXT,
  name TEXT NOT NULL,
  description TEXT,
  image_url TEXT,
  position INTEGER NOT NULL,
  live_price_cents INTEGER NOT NULL,
  compare_at_price_cents INTEGER,
  flash_price_cents INTEGER,
  flash_starts_at TEXT,
  flash_ends_at TEXT,
  allocated_quantity INTEGER NOT NULL,
  sold_quantity INTEGER NOT NULL,
  revenue_cents INTEGER NOT NULL,
  max_per_buyer INTEGER,
  status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'sold_out', 'hidden')),
  featured_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE live_stream_viewers (
  id TEXT NOT NULL PRIMARY KEY,
  session_id TEXT NOT NULL,
  joined_at TEXT NOT NULL,
  left_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE live_stream_chat (
  id TEXT NOT NULL PRIMARY KEY,
  session_id TEXT NOT NULL,
  user_id TEXT,
  display_name TEXT NOT NULL,
  message TEXT NOT NULL,
  message_type TEXT NOT NULL
    CHECK (message_type IN ('message', 'question', 'purchase', 'system')),
  is_pinned INTEGER NOT NULL CHECK (is_pinned IN (0, 1)),
  is_hidden INTEGER NOT NULL CHECK (is_hidden IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE order_items (
  id TEXT NOT NULL PRIMARY KEY,
  order_id TEXT NOT NULL,
  product_id TEXT,
  live_product_id TEXT,
  session_id TEXT,
  influencer_id TEXT,
  wholesaler_id TEXT,
  product_name TEXT NOT NULL,
  sku TEXT,
  list_unit_price_cents INTEGER NOT NULL,
  unit_price_cents INTEGER NOT NULL,
  is_flash_price INTEGER NOT NULL CHECK (is_flash_price IN (0, 1)),
  quantity INTEGER NOT NULL,
  line_total_cents INTEGER NOT NULL,
  commission_rate TEXT NOT NULL,
  commission_amount_cents INTEGER NOT NULL,
  is_refunded INTEGER NOT NULL CHECK (is_refunded IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE influencer_goals (
  id TEXT NOT NULL PRIMARY KEY,
  influencer_id TEXT NOT NULL,
  title TEXT NOT NULL,
  goal_type TEXT NOT NULL
    CHECK (goal_type IN ('revenue', 'orders', 'units', 'viewers', 'shows')),
  period TEXT NOT NULL CHECK (period IN ('weekly', 'monthly', 'quarterly')),
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  target_value TEXT NOT NULL,
  current_value TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'achieved', 'missed')),
  achieved_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE influencer_earnings (
  id TEXT NOT NULL PRIMARY KEY,
  influencer_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  order_item_id TEXT NOT NULL,
  session_id TEXT,
  gross_amount_cents INTEGER NOT NULL,
  commission_rate TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'available', 'paid_out', 'reversed')),
  earned_at TEXT NOT NULL,
  available_at TEXT,
  paid_out_at TEXT,
  reversed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE influencer_achievements (
  id TEXT NOT NULL PRIMARY KEY,
  influencer_id TEXT NOT NULL,
  achievement_key TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  progress TEXT NOT NULL,
  target TEXT NOT NULL,
  unlocked_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE influencer_notifications (
  id TEXT NOT NULL PRIMARY KEY,
  influencer_id TEXT NOT NULL,
  type TEXT NOT NULL
    CHECK (type IN ('order', 'sold_out', 'goal_reached', 'achievement', 'show', 'system')),
  title TEXT NOT NULL,
  body TEXT,
  data TEXT NOT NULL,
  is_read INTEGER NOT NULL CHECK (is_read IN (0, 1)),
  read_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;


-- Writes waiting to reach the server, in order. op_id is the idempotency key sent with the
-- request; undo holds {"row": <row before the op, or null>} so a refused op can be reverted.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upsert', 'delete', 'rpc')),
  target TEXT NOT NULL,
  row_id TEXT,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'in_flight', 'failed', 'done')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  sqlstate TEXT,
  undo TEXT,
  undone_at TEXT,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_status_id_idx ON outbox (status, id);
CREATE INDEX outbox_target_row_idx ON outbox (target, row_id);

-- How far each table (optionally one scope of it, such as one show's chat) has been pulled.
CREATE TABLE sync_cursors (
  table_name TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  last_updated_at TEXT,
  last_id TEXT,
  last_full_sync_at TEXT,
  PRIMARY KEY (table_name, scope)
) STRICT;

CREATE TABLE cache_meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE INDEX categories_parent_id_idx ON categories (parent_id);
CREATE INDEX products_category_id_idx ON products (category_id);
CREATE INDEX products_wholesaler_id_idx ON products (wholesaler_id);
CREATE INDEX products_name_idx ON products (name COLLATE NOCASE);
CREATE INDEX live_stream_sessions_influencer_start_idx
  ON live_stream_sessions (influencer_id, scheduled_start);
CREATE INDEX live_products_session_position_idx ON live_products (session_id, position);
CREATE INDEX live_products_product_id_idx ON live_products (product_id);
CREATE INDEX live_stream_viewers_session_joined_idx ON live_stream_viewers (session_id, joined_at);
CREATE INDEX live_stream_chat_session_created_idx ON live_stream_chat (session_id, created_at);
CREATE INDEX order_items_session_created_idx ON order_items (session_id, created_at);
CREATE INDEX order_items_live_product_id_idx ON order_items (live_product_id);
CREATE INDEX influencer_goals_influencer_period_idx
  ON influencer_goals (influencer_id, period_start);
CREATE INDEX influencer_earnings_influencer_earned_idx
  ON influencer_earnings (influencer_id, earned_at);
CREATE INDEX influencer_achievements_influencer_id_idx ON influencer_achievements (influencer_id);
CREATE INDEX influencer_notifications_influencer_created_idx
  ON influencer_notifications (influencer_id, created_at);
"""
