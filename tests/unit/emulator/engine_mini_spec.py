"""A small spec that exercises every line-item format, list exports and mapping parameters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from engine_harness import EngineHarness, make_harness

from pyanaplan.emulator.spec import parse_spec

MINI_MODEL = "ABCDEF0123456789ABCDEF0123456789"

MINI_SPEC = """
customer_id: "0123456789abcdef0123456789abcdef"
users:
  - {id: "0123456789abcdef0123456789abcde0", email: a@example.com, password: pw}
workspaces:
  - {id: "0123456789abcdef0123456789abcde1", name: W, members: [a@example.com]}
models:
  - id: "ABCDEF0123456789ABCDEF0123456789"
    name: Mini
    workspace: "0123456789abcdef0123456789abcde1"
    lists:
      - id: "101000000001"
        name: Regions
        items: [{name: East, code: E}, {name: West, code: W}]
      - id: "101000000002"
        name: Channels
        items: [{name: Online, code: ONL}, {name: Retail, code: RTL}]
    modules:
      - id: "102000000001"
        name: Orders
        dimensions: [Regions, Channels]
        line_items:
          - {id: "206000000001", name: Qty, format: number}
          - {id: "206000000002", name: Ship Date, format: date}
          - {id: "206000000003", name: Rush, format: boolean}
          - {id: "206000000004", name: Via, format: list, list: Channels}
          - {id: "206000000005", name: Note, format: text}
          - {id: "206000000006", name: Double, format: number, formula: "Qty * 2"}
          - {id: "206000000007", name: Half, format: number, formula: "-Qty / 2 + 'Qty' * 0"}
    files:
      - {id: "113000000001", name: orders.csv, separator: ";", encoding: ISO-8859-1}
      - {id: "113000000002", name: online.csv}
      - {id: "113000000003", name: regions.tsv, separator: "\\t", delimiter: ""}
    imports:
      - id: "112000000001"
        name: Orders from orders.csv
        source: "113000000001"
        target: {module: Orders}
        mapping: {Region: Regions, Channel: Channels, Qty: Qty, Ship: Ship Date, Rush: Rush,
                  Via: Via, Note: Note}
      - id: "112000000002"
        name: Orders from online.csv
        source: "113000000002"
        target: {module: Orders}
        mapping: {Channel: Channels, Qty: Qty}
      - id: "112000000003"
        name: Regions from regions.tsv
        source: "113000000003"
        target: {list: Regions}
        mapping: {Name: name, Code: code}
    exports:
      - {id: "116000000001", name: Orders.csv, source: {module: Orders}}
      - {id: "116000000002", name: Regions.txt, source: {list: Regions}, separator: "\\t"}
    actions:
      - id: "117000000001"
        name: Delete West
        list: Regions
        where: {property: code, equals: W}
    processes:
      - id: "118000000001"
        name: Load then export
        actions: ["112000000002", "112000000001", "116000000001"]
"""


def mini_harness(tmp_path: Path) -> Iterator[EngineHarness]:
    spec = parse_spec(MINI_SPEC, base_dir=tmp_path)
    model = spec.model(MINI_MODEL)
    assert model is not None
    yield from make_harness(tmp_path, model)
