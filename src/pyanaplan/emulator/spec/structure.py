"""A model's structure: lists (its dimensions) and modules (dimensions × line items, seeded cells).

Each model checks what it can see by itself: a list's items against its own properties, a
module's formulas against its own line items. What needs a sibling (the list a module names, the
items its seeded cells name) is checked by `ModelSpec` (``checks.py``), once every object's own
fields are valid.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pyanaplan.emulator.formulas import FormulaError, compile_formula
from pyanaplan.emulator.spec.base import (
    LINE_ITEM_FORMATS,
    LineItemFormat,
    LineItemId,
    ListId,
    ModuleId,
    Problems,
    Scalar,
    SpecModel,
    one_of,
)

# What a list import can map a column to besides a property (so no property may be called so).
LIST_FIELDS = ("name", "code", "parent")
MAX_DIMENSIONS = 4


class ListItemSpec(SpecModel):
    """A list item as seeded at create and reset time.

    Attributes:
        name: The item's name, unique in its list.
        code: Its code, unique in its list when given.
        parent: The name of an item of the list's ``parent_list``.
        properties: Property name -> value, as text.
    """

    name: str
    code: str | None = None
    parent: str | None = None
    properties: dict[str, Scalar] = Field(default_factory=dict)


class ListSpec(SpecModel):
    """A list (a dimension): items with names, codes, a parent in ``parent_list``, properties."""

    id: ListId
    name: str
    parent_list: str | None = None
    properties: tuple[str, ...] = ()
    items: tuple[ListItemSpec, ...] = ()

    @model_validator(mode="after")
    def _check_items(self) -> ListSpec:
        found = Problems()
        for i, prop in enumerate(self.properties):
            if prop in LIST_FIELDS:
                found.add(("properties", i), f"{prop!r} is reserved")
        for i, item in enumerate(self.items):
            for key in item.properties:
                if key not in self.properties:
                    found.add(("items", i, "properties", key), "not a property of this list")
        if self.parent_list == self.name:
            found.add(("parent_list",), "a list cannot be its own parent list")
        found.unique(((("items", i, "name"), x.name) for i, x in enumerate(self.items)), "item")
        found.unique(((("items", i, "code"), x.code) for i, x in enumerate(self.items)), "code")
        if self.parent_list is None:
            for i, item in enumerate(self.items):
                if item.parent is not None:
                    found.add(("items", i, "parent"), "list has no parent_list")
        found.raise_any(type(self).__name__)
        return self

    def item_names(self) -> set[str]:
        """The names of the list's items."""
        return {item.name for item in self.items}


class LineItemSpec(SpecModel):
    """A module line item; ``list`` names the list of a ``format: list`` line item."""

    id: LineItemId
    name: str
    format: Annotated[LineItemFormat, one_of(LINE_ITEM_FORMATS)] = "number"
    formula: str | None = None
    list: str | None = None


class ModuleSpec(SpecModel):
    """A module: dimensions (by name, in order) × line items, plus seeded cells.

    ``cells`` holds seed rows: a mapping of dimension name -> item name and input line item
    name -> value (as text, parsed like an import would).
    """

    id: ModuleId
    name: str
    dimensions: tuple[str, ...] = ()
    line_items: tuple[LineItemSpec, ...] = ()
    cells: tuple[dict[str, Scalar], ...] = ()

    @model_validator(mode="after")
    def _check_line_items(self) -> ModuleSpec:
        found = Problems()
        if not self.dimensions:
            found.add(("dimensions",), "at least one dimension is required")
        if len(self.dimensions) > MAX_DIMENSIONS:
            found.add(("dimensions",), f"at most {MAX_DIMENSIONS} dimensions")
        if len(set(self.dimensions)) != len(self.dimensions):
            found.add(("dimensions",), "a list appears twice")
        found.unique(
            ((("line_items", i, "name"), x.name) for i, x in enumerate(self.line_items)),
            "line item",
        )
        for name in sorted(set(self.dimensions) & {li.name for li in self.line_items}):
            found.add(("line_items",), f"{name!r} is both a dimension and a line item")
        numbers = {li.name for li in self.number_inputs()}
        for i, li in enumerate(self.line_items):
            if li.formula is None:
                continue
            if li.format != "number":
                found.add(("line_items", i, "formula"), "only number line items")
                continue
            try:
                compile_formula(li.formula, numbers)
            except FormulaError as exc:
                found.add(("line_items", i, "formula"), str(exc))
        found.raise_any(type(self).__name__)
        return self

    def line_item(self, name: str) -> LineItemSpec | None:
        """Return the line item called ``name``, or None."""
        return next((li for li in self.line_items if li.name == name), None)

    def inputs(self) -> tuple[LineItemSpec, ...]:
        """The line items that hold data (no formula), in spec order."""
        return tuple(li for li in self.line_items if li.formula is None)

    def number_inputs(self) -> tuple[LineItemSpec, ...]:
        """The number line items that hold data: what a formula may read."""
        return tuple(li for li in self.inputs() if li.format == "number")
