"""Cache schema version 4, frozen as shipped: a product's id is unique through a named index.

In version 3 the uniqueness of `products.id` was a column constraint, whose index cannot be
dropped: every row of a first sync paid for it as it arrived. As a named unique index it is
dropped with the other indexes for a bulk load and built once at its end (rows of a bulk load
are appended; a row read twice keeps its last version). The table is rebuilt with its rows
and their `pk` kept, so the full-text index still points at the same rows; the indexes and
the triggers that keep that index in step are created again as they were.
"""

from __future__ import annotations

V4_SCHEMA = """
CREATE TABLE products_v4 (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
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
  updated_at TEXT NOT NULL,
  row_version INTEGER NOT NULL DEFAULT 1
) STRICT;
INSERT INTO products_v4 (
  pk, id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity, status,
  is_live_eligible, weight_grams, created_at, updated_at, row_version)
SELECT
  pk, id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity, status,
  is_live_eligible, weight_grams, created_at, updated_at, row_version
FROM products ORDER BY pk;
DROP TABLE products;
ALTER TABLE products_v4 RENAME TO products;
CREATE UNIQUE INDEX products_id_key ON products (id);
CREATE INDEX products_category_id_idx ON products (category_id);
CREATE INDEX products_wholesaler_id_idx ON products (wholesaler_id);
CREATE INDEX products_name_idx ON products (name COLLATE NOCASE);
CREATE INDEX products_wholesale_price_idx ON products (wholesale_price_cents);
CREATE INDEX products_stock_idx ON products (stock_quantity);
CREATE INDEX products_created_at_idx ON products (created_at);

CREATE TRIGGER products_fts_after_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_fts (rowid, name, brand, tags, description)
  VALUES (new.pk, new.name, new.brand, new.tags, new.description);
END;
CREATE TRIGGER products_fts_after_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, brand, tags, description)
  VALUES ('delete', old.pk, old.name, old.brand, old.tags, old.description);
END;
CREATE TRIGGER products_fts_after_update AFTER UPDATE OF name, brand, tags, description
ON products
WHEN old.name IS NOT new.name OR old.brand IS NOT new.brand OR old.tags IS NOT new.tags
  OR old.description IS NOT new.description
BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, brand, tags, description)
  VALUES ('delete', old.pk, old.name, old.brand, old.tags, old.description);
  INSERT INTO products_fts (rowid, name, brand, tags, description)
  VALUES (new.pk, new.name, new.brand, new.tags, new.description);
END;
"""
