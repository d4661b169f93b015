"""Cache schema version 2, frozen as shipped: catalog search.

Products get a stable integer rowid (`pk`) for the FTS5 index to point at (an implicit rowid
may be renumbered by VACUUM), so the table is rebuilt with its rows kept; then an
external-content FTS5 index over name, brand, tags and description is built and kept in step
by triggers. The update trigger only touches the index when an indexed column changed, so stock
and price updates during incremental sync cost no FTS work. A two-letter prefix index serves
type-ahead (longer prefixes expand quickly without one; a 2-3 index doubled the build time).
"""

from __future__ import annotations

V2_SCHEMA = """
CREATE TABLE products_v2 (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
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
INSERT INTO products_v2 (
  id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity, status,
  is_live_eligible, weight_grams, created_at, updated_at)
SELECT
  id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity, status,
  is_live_eligible, weight_grams, created_at, updated_at
FROM products ORDER BY rowid;
DROP TABLE products;
ALTER TABLE products_v2 RENAME TO products;
CREATE INDEX products_category_id_idx ON products (category_id);
CREATE INDEX products_wholesaler_id_idx ON products (wholesaler_id);
CREATE INDEX products_name_idx ON products (name COLLATE NOCASE);
CREATE INDEX products_wholesale_price_idx ON products (wholesale_price_cents);
CREATE INDEX products_stock_idx ON products (stock_quantity);
CREATE INDEX products_created_at_idx ON products (created_at);

CREATE VIRTUAL TABLE products_fts USING fts5(
  name, brand, tags, description,
  content='products', content_rowid='pk',
  tokenize='unicode61 remove_diacritics 2',
  prefix='2'
);
-- Matches in the name weigh most, then brand, tags, description.
INSERT INTO products_fts (products_fts, rank) VALUES ('rank', 'bm25(10.0, 6.0, 4.0, 1.0)');
INSERT INTO products_fts (products_fts) VALUES ('rebuild');

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
