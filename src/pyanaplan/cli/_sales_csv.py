"""A fast generator of the demo's sales CSV (Product,Region,Units,Price,Comment) with bad rows.

The demo needs tens of megabytes quickly and a known number of rows the Sales import must reject,
so it can check the import's counts. Rows are drawn from a pool of pre-formatted lines (random but
seeded, so the same arguments give the same bytes) and a few deliberately broken rows are placed
evenly through the file.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = ("Product", "Region", "Units", "Price", "Comment")

_COMMENTS = (
    "",
    "",
    "Restock",
    "Spring promo, north",
    'Bulk order "VIP"',
    "Back-order",
    "Seasonal",
    "Price match",
)
_POOL_SIZE = 4096
_BLOCK_ROWS = 50_000


@dataclass(frozen=True)
class SalesCsv:
    """What was written: the file, its size and how many rows must fail to import."""

    path: Path
    size_bytes: int
    rows: int
    bad_rows: int

    @property
    def good_rows(self) -> int:
        """Rows the Sales import should accept."""
        return self.rows - self.bad_rows


def bad_row_values(products: Sequence[str], regions: Sequence[str], count: int) -> list[list[str]]:
    """Rows the Sales import must reject: unknown items and values that are not numbers."""
    kinds = [
        ["No Such Product", regions[0], "10", "9.99", "bad row: unknown product"],
        [products[0], "Atlantis", "10", "9.99", "bad row: unknown region"],
        [products[-1], regions[-1], "twelve", "9.99", "bad row: units not a number"],
        [products[0], regions[-1], "5", "cheap", "bad row: price not a number"],
    ]
    return [kinds[i % len(kinds)] for i in range(count)]


def write_sales_csv(
    path: Path,
    *,
    size_bytes: int,
    products: Sequence[str],
    regions: Sequence[str],
    bad_rows: int = 5,
    seed: int = 2024,
) -> SalesCsv:
    """Write a sales CSV of about `size_bytes` bytes.

    Args:
        path: Where to write (parent directories are created).
        size_bytes: Target size; the file ends within one row of it (at least bad_rows + 1 rows).
        products: Product names that exist in the model (leaf items of Products).
        regions: Region names that exist in the model.
        bad_rows: How many rows must fail to import.
        seed: Seed for the row values, so runs are reproducible.

    Returns:
        The path, actual size, row count and bad-row count.
    """
    if not products or not regions:
        raise ValueError("products and regions must not be empty")
    rng = random.Random(seed)
    pool = [
        _format_row(
            [
                rng.choice(products),
                rng.choice(regions),
                str(rng.randint(1, 500)),
                f"{rng.uniform(1, 999):.2f}",
                rng.choice(_COMMENTS),
            ]
        )
        for _ in range(_POOL_SIZE)
    ]
    header = _format_row(list(HEADER))
    average = sum(len(line.encode()) for line in pool) / len(pool)
    rows = max(bad_rows + 1, int((size_bytes - len(header)) / average))
    bad_lines = [_format_row(values) for values in bad_row_values(products, regions, bad_rows)]
    # Spread the bad rows evenly so they land in different upload chunks.
    positions = {int((i + 0.5) * rows / bad_rows): line for i, line in enumerate(bad_lines)}

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        start = 0
        while start < rows:
            count = min(_BLOCK_ROWS, rows - start)
            lines = rng.choices(pool, k=count)
            for pos, line in positions.items():
                if start <= pos < start + count:
                    lines[pos - start] = line
            fh.write("".join(lines))
            start += count
    return SalesCsv(path=path, size_bytes=path.stat().st_size, rows=rows, bad_rows=len(positions))


def _format_row(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()
