"""Benchmark: first sync of 100,000 products into the cache vs a raw SQLite executemany.

Both runs use the same generated rows, the same file settings (WAL, synchronous=NORMAL) and the
same machine, in this process. The baseline inserts ready-made SQLite tuples into a bare table
of the same columns (no keys, no indexes, no FTS, no validation). The cache is given the rows as
PostgREST returns them (JSON-decoded dicts: ISO timestamps, JSON numbers, tag arrays) and
validates, converts, indexes and full-text-indexes them. Target: at least 0.5 of the baseline.

    python bench/first_sync_insert.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.sync.cache import CacheDatabase, CacheStore, CacheWriter
from studio.sync.cache.rows import convert_rows
from studio.sync.cache.tables import PRODUCTS

PAGE = 1_000  # PostgREST's usual max-rows: the page size of a real first sync

COLOURS = ("red blue green black white navy beige ivory charcoal olive teal coral mustard "
           "burgundy lavender sage rose sand slate amber").split()
MATERIALS = ("cotton linen silk wool cashmere leather suede denim bamboo ceramic porcelain "
             "glass steel brass copper oak walnut teak marble rattan jute velvet").split()
ADJECTIVES = ("classic vintage modern rustic organic handmade minimalist oversized slim "
              "portable wireless waterproof ergonomic compact premium eco deluxe soft "
              "lightweight reversible adjustable foldable insulated scented matte glossy").split()
NOUNS = ("dress shirt blouse jacket coat scarf hat beanie sneaker boot sandal bag backpack "
         "wallet belt watch necklace bracelet earring ring mug bowl plate vase candle lamp "
         "pillow blanket throw rug chair stool shelf planter teapot kettle skillet knife "
         "serum cream cleanser shampoo conditioner balm lipstick mascara perfume speaker "
         "headphones charger keyboard mouse tripod ring-light microphone notebook pen").split()
ACCENTED = ("Café", "Crème", "Müller", "Señora", "Fjällräv", "Żabka", "Çelik", "Lumière",
            "Brûlée", "Øster")
SYLLABLES = "ka lo mi na ve ro sa ti ul an de or bi zu fe la no ri".split()
TAGS = tuple(sorted({*COLOURS, *MATERIALS, *ADJECTIVES[:12], "gift", "bestseller", "new",
                     "sale", "limited", "summer", "winter", "crème", "café", "fair-trade"}))
FILLER = ("the a with for and of in to your every day made from soft durable finish "
          "perfect gift home travel office comfort style quality design crafted lasting "
          "easy care wash fit size colour available pack set includes features ideal").split()


def _word_pool(rng: random.Random) -> list[str]:
    """About 4,000 invented words, so descriptions have a realistic vocabulary."""
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            for _ in range(4_000)]


def generate_categories(seed: int = 7) -> list[dict[str, Any]]:
    """A three-level category tree (10 x 5 x 4), server-shaped."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []

    def add(name: str, parent: str | None) -> str:
        cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        rows.append({"id": cid, "parent_id": parent, "name": name,
                     "slug": f"{name.lower()}-{len(rows)}", "description": None,
                     "sort_order": len(rows), "is_active": True,
                     "created_at": "2025-01-01T00:00:00+00:00",
                     "updated_at": "2025-01-01T00:00:00+00:00"})
        return cid

    for top in range(10):
        top_id = add(f"Department{top}", None)
        for mid in range(5):
            mid_id = add(f"Aisle{top}x{mid}", top_id)
            for leaf in range(4):
                add(f"Shelf{top}x{mid}x{leaf}", mid_id)
    return rows


def generate_products(count: int, seed: int = 42) -> list[dict[str, Any]]:
    """`count` products as PostgREST returns them (the JSON text is parsed, like a response)."""
    rng = random.Random(seed)
    words = _word_pool(rng)
    leaves = [c["id"] for c in generate_categories() if c["name"].startswith("Shelf")]
    wholesalers = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(300)]
    brands = [("".join(rng.choice(SYLLABLES) for _ in range(3))).title() for _ in range(590)]
    brands += [f"{a} {b}" for a, b in zip(ACCENTED, reversed(ACCENTED), strict=True)]
    start = 1_700_000_000
    rows = []
    for n in range(count):
        wholesale = rng.randint(100, 50_000)
        created = start + rng.randint(0, 60_000_000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        # PostgreSQL prints microseconds with trailing zeros trimmed.
        fraction = f".{rng.randint(1, 999_999):06d}".rstrip("0")
        description = " ".join(
            rng.choice(FILLER) if rng.random() < 0.5 else rng.choice(words)
            for _ in range(rng.randint(15, 45)))
        rows.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "wholesaler_id": rng.choice(wholesalers),
            "category_id": rng.choice(leaves),
            "sku": f"SKU-{n:06d}",
            "name": f"{rng.choice(ADJECTIVES).title()} {rng.choice(COLOURS)} "
                    f"{rng.choice(MATERIALS)} {rng.choice(NOUNS)} {rng.choice(words)}",
            "description": description,
            "brand": rng.choice(brands),
            "tags": rng.sample(TAGS, rng.randint(2, 5)),
            "image_url": f"https://cdn.example.test/p/{n}.jpg",
            "wholesale_price": wholesale / 100,
            "retail_price": round(wholesale * rng.uniform(1.4, 3.0)) / 100,
            "stock_quantity": 0 if rng.random() < 0.1 else rng.randint(1, 1_000),
            "min_order_quantity": rng.choice((1, 1, 1, 5, 10)),
            "status": "active" if rng.random() < 0.95 else "inactive",
            "is_live_eligible": rng.random() < 0.85,
            "weight_grams": rng.randint(20, 5_000),
            "created_at": f"{stamp}{fraction}+00:00",
            "updated_at": f"{stamp}{fraction}+00:00",
            "row_version": 1,
        })
    return json.loads(json.dumps(rows))


# Databases of this run live here and are removed at exit (each also right after its run).
_SCRATCH = tempfile.TemporaryDirectory(prefix="shopstream-bench-")


def scratch_file(name: str) -> Path:
    """A database path in a fresh directory of this run's scratch area."""
    return Path(tempfile.mkdtemp(dir=_SCRATCH.name)) / name


def discard(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def raw_executemany(rows: list[dict[str, Any]]) -> float:
    """Seconds to insert the rows, already SQLite tuples, into a bare table."""
    tuples = convert_rows(PRODUCTS, rows)  # conversion is not timed: the baseline is raw insert
    path = scratch_file("raw.sqlite3")
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -64000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"CREATE TABLE products ({', '.join(PRODUCTS.column_names)})")
    marks = ", ".join("?" * len(PRODUCTS.column_names))
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO products VALUES ({marks})", tuples)  # noqa: S608
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    discard(path)
    return elapsed


def raw_with_search_index(rows: list[dict[str, Any]]) -> float:
    """Seconds for the raw executemany into the cache's own schema (same indexes and FTS
    index, built after the load): what any cache with this search index has to pay, without
    validation, conversion, upserts or pages."""
    tuples = convert_rows(PRODUCTS, rows)
    path = scratch_file("schema.sqlite3")
    CacheDatabase.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA cache_size = -64000")
    objects = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name ="
                           " 'products' AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                           ).fetchall()
    for kind, name, _ in objects:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    columns = ", ".join(PRODUCTS.column_names)
    marks = ", ".join("?" * len(PRODUCTS.column_names))
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO products ({columns}) VALUES ({marks})", tuples)  # noqa: S608
    for _, _, sql in objects:
        conn.execute(sql)
    conn.execute("INSERT INTO products_fts (products_fts, rank) VALUES ('hashsize', 33554432)")
    conn.execute("INSERT INTO products_fts (products_fts) VALUES ('rebuild')")
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    discard(path)
    return elapsed


def cache_first_sync(rows: list[dict[str, Any]], *, mode: str) -> tuple[float, float]:
    """Seconds for a first sync through the cache writer, in pages like the sync engine, and
    the part of it spent finishing a bulk load (indexes and FTS index built once)."""
    db = CacheDatabase.open(scratch_file("cache.sqlite3"))
    writer = CacheWriter(db)
    pages = [rows[i:i + PAGE] for i in range(0, len(rows), PAGE)]
    started = time.perf_counter()
    if mode == "bulk":
        writer.call(CacheStore.begin_bulk_load, "products")
    if mode == "one_call":
        writer.call(CacheStore.upsert_rows, "products", rows)
    else:
        for page in pages:
            writer.call(CacheStore.upsert_rows, "products", page)
    finishing = time.perf_counter()
    if mode == "bulk":
        writer.call(CacheStore.finish_bulk_load, "products")
    ended = time.perf_counter()
    writer.close()
    db.close()
    discard(db.path)
    return ended - started, ended - finishing


def _median(run: Callable[[], float], repeat: int) -> float:
    return statistics.median(run() for _ in range(repeat))


def _convert_seconds(rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    convert_rows(PRODUCTS, rows)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = generate_products(args.rows)
    baseline = _median(lambda: raw_executemany(rows), args.repeat)
    runs = [
        ("cache: pages of 1000, FTS + indexes per row (no bulk mode)", "per_row", 1),
        ("cache: pages of 1000 inside begin/finish_bulk_load", "bulk", args.repeat),
        ("cache: one upsert_rows call (automatic bulk path)", "one_call", args.repeat),
    ]
    print(f"first sync of {args.rows:,} products (median of {args.repeat} runs where shown)")
    print(f"{'path':62} {'seconds':>8} {'rows/s':>10} {'ratio':>6}")
    print(f"{'raw sqlite3 executemany, bare table (baseline)':62} {baseline:8.3f} "
          f"{args.rows / baseline:10,.0f} {1.0:6.2f}")
    finish = 0.0
    for label, mode, repeat in runs:
        timings = sorted(cache_first_sync(rows, mode=mode) for _ in range(repeat))
        seconds, finished = timings[len(timings) // 2]
        if mode == "bulk":
            finish = finished
        print(f"{label:62} {seconds:8.3f} {args.rows / seconds:10,.0f} "
              f"{baseline / seconds:6.2f}")
    floor = _median(lambda: raw_with_search_index(rows), args.repeat)
    print(f"{'for reference: raw executemany into the cache schema + FTS':62} {floor:8.3f} "
          f"{args.rows / floor:10,.0f} {baseline / floor:6.2f}")
    convert = _median(lambda: _convert_seconds(rows), args.repeat)
    print(f"bulk mode breakdown: validating and converting rows {convert:.3f} s, building "
          f"indexes and the FTS index once {finish:.3f} s, inserting the rest")
    print("target: ratio >= 0.50 for the first sync path (bulk mode)")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
