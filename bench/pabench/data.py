"""Synthetic CSV inputs, generated once into a cache directory and reused between runs.

Rows look like the demo model's ``Sales.csv`` (``Product,Region,Units,Price,Comment``) so that the
uploaded bytes compress like real CSV (about 3x at gzip level 1 and 3.7x at level 9), rather
than like zeros or random bytes, which would flatter or punish compression.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path

SALES_HEADER = b"Product,Region,Units,Price,Comment\n"
_WORDS = (
    "promo",
    "restock",
    "discount",
    "backorder",
    "seasonal",
    "clearance",
    "bundle",
    "online",
    "retail",
    "wholesale",
    "priority",
    "delayed",
    "returned",
    "partner",
    "channel",
    "forecast",
    "adjusted",
    "manual",
    "review",
    "export",
)
_BLOCK_ROWS = 100_000
_POOL_ROWS = 50_000


def _field(value: str) -> str:
    """Quote a CSV field only when it needs it (item names may hold commas or quotes)."""
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _row_pool(rng: random.Random, products: Sequence[str], regions: Sequence[str]) -> list[str]:
    """Distinct rows to sample from: sampling a pool is ~20x faster than formatting every row."""
    products = [_field(p) for p in products]
    regions = [_field(r) for r in regions]
    pool = []
    for _ in range(_POOL_ROWS):
        comment = "" if rng.random() < 0.6 else " ".join(rng.choices(_WORDS, k=rng.randint(1, 4)))
        units = rng.randint(1, 5000)
        price = rng.randint(100, 99_999) / 100
        pool.append(f"{rng.choice(products)},{rng.choice(regions)},{units},{price:.2f},{comment}\n")
    return pool


def _write_atomically(path: Path, blocks) -> Path:
    """Write to a temporary name, then rename, so an interrupted run never leaves a short file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as out:
        for block in blocks:
            out.write(block)
    os.replace(tmp, path)
    return path


def sales_csv(
    cache_dir: Path,
    size_bytes: int,
    *,
    products: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> Path:
    """Return a cached Sales-shaped CSV of exactly ``size_bytes`` bytes (cut at a row end).

    Args:
        cache_dir: Directory holding generated inputs; created when missing.
        size_bytes: Wanted file size in bytes; the file is at most this long and ends in a newline.
        products: Product names to use (default: synthetic names).
        regions: Region names to use (default: synthetic names).

    Returns:
        The path of the file.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"sales-{size_bytes}.csv"
    if path.exists() and path.stat().st_size > 0:
        return path
    rng = random.Random(size_bytes)
    pool = _row_pool(
        rng,
        products or [f"Product {i:03d}" for i in range(200)],
        regions or ["North", "South", "East", "West", "Central", "EMEA", "APAC", "LATAM"],
    )

    def blocks():
        remaining = size_bytes - len(SALES_HEADER)
        yield SALES_HEADER
        while remaining > 0:
            block = "".join(rng.choices(pool, k=_BLOCK_ROWS)).encode()
            if len(block) > remaining:
                block = block[: block.rfind(b"\n", 0, remaining) + 1]
                if not block:
                    return
            remaining -= len(block)
            yield block

    return _write_atomically(path, blocks())


def list_csv(cache_dir: Path, rows: int) -> Path:
    """Return a cached ``Name,Code`` CSV with ``rows`` distinct items (for a list import).

    Args:
        cache_dir: Directory holding generated inputs.
        rows: Number of data rows.

    Returns:
        The path of the file.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"list-{rows}.csv"
    if path.exists():
        return path

    def blocks():
        yield b"Name,Code\n"
        for start in range(0, rows, _BLOCK_ROWS):
            stop = min(rows, start + _BLOCK_ROWS)
            yield "".join(f"Item {i:08d},I{i:08d}\n" for i in range(start, stop)).encode()

    return _write_atomically(path, blocks())


def module_csv(
    cache_dir: Path, rows: int, *, products: Sequence[str], regions: Sequence[str]
) -> Path:
    """Return a cached Sales CSV with ``rows`` rows whose items all exist in the model.

    Args:
        cache_dir: Directory holding generated inputs.
        rows: Number of data rows.
        products: Existing product item names.
        regions: Existing region item names.

    Returns:
        The path of the file.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"module-{rows}-{len(products)}x{len(regions)}.csv"
    if path.exists():
        return path
    rng = random.Random(rows)
    pool = _row_pool(rng, products, regions)

    def blocks():
        yield SALES_HEADER
        for start in range(0, rows, _BLOCK_ROWS):
            yield "".join(rng.choices(pool, k=min(_BLOCK_ROWS, rows - start))).encode()

    return _write_atomically(path, blocks())


def orders_csv(cache_dir: Path, rows: int) -> Path:
    """Return a cached ``Name,Code`` CSV of ``rows`` orders (the tables suite's list)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"orders-{rows}.csv"
    if path.exists():
        return path

    def blocks():
        yield b"Name,Code\n"
        for start in range(0, rows, _BLOCK_ROWS):
            stop = min(rows, start + _BLOCK_ROWS)
            yield "".join(f"Order {i:08d},O{i:08d}\n" for i in range(start, stop)).encode()

    return _write_atomically(path, blocks())


def order_lines_parquet(cache_dir: Path, rows: int) -> Path:
    """Return a cached Parquet table of ``rows`` order lines, one per order of `orders_csv`:
    ``Order`` (text), ``Units`` (int64), ``Price`` (float64), ``Shipped`` (date), ``Rush``
    (bool), ``Note`` (text, 60 % empty). The tables suite uploads it from Arrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"order-lines-{rows}.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(rows)
    words = random.Random(rows)
    notes = [""] * 600 + [
        " ".join(words.choices(_WORDS, k=words.randint(1, 4))) for _ in range(400)
    ]
    tmp = path.with_suffix(".parquet.tmp")
    schema = None
    writer = None
    try:
        for start in range(0, rows, 1_000_000):
            stop = min(rows, start + 1_000_000)
            n = stop - start
            orders = pa.array([f"Order {i:08d}" for i in range(start, stop)], pa.string())
            batch = pa.record_batch(
                {
                    "Order": orders,
                    "Units": pa.array(rng.integers(1, 5000, n), pa.int64()),
                    "Price": pa.array(rng.integers(100, 99_999, n) / 100, pa.float64()),
                    "Shipped": pa.array(
                        np.datetime64("2020-01-01")
                        + rng.integers(0, 2000, n).astype("timedelta64[D]"),
                        pa.date32(),
                    ),
                    "Rush": pa.array(rng.random(n) < 0.1, pa.bool_()),
                    "Note": pa.array(notes, pa.string()).take(pa.array(rng.integers(0, 1000, n))),
                }
            )
            if writer is None:
                schema = batch.schema
                writer = pq.ParquetWriter(tmp, schema)
            writer.write_batch(batch)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return path
