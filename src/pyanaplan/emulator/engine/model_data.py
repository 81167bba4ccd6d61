"""Each model's data: its store, seeded from the spec when first created and on reset.

The task worker runs imports, exports and actions in a store transaction (tasks.py); routes that
show data without running a task (an export's ``rowCount``) ask this service. Features that read
or change model data directly, outside tasks, get a service of their own that takes this one
and works in ``store(model_id).transaction()`` or ``.reader()``.
"""

from __future__ import annotations

from typing import Any

from pyanaplan.emulator.engine import catalog
from pyanaplan.emulator.engine.directory import Directory
from pyanaplan.emulator.engine.runner import seed_model
from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage.model_store import ModelStore, ModelStores


class ModelDataService:
    """Opens and seeds model stores.

    Args:
        stores: one database per model.
        directory: spec access (what to seed).
    """

    def __init__(self, stores: ModelStores, directory: Directory) -> None:
        self._stores = stores
        self.directory = directory

    def store(self, model_id: str) -> ModelStore:
        """The model's store, seeded from the spec the first time its database is created."""
        store, fresh = self._stores.get(model_id)
        if fresh:
            self._seed(store)
        return store

    def reseed(self, model_id: str) -> None:
        """Back to the spec's data (reset)."""
        store, _ = self._stores.get(model_id)
        self._seed(store)

    def _seed(self, store: ModelStore) -> None:
        store.clear()
        with store.transaction() as data:
            seed_model(data, self.directory.model_spec(store.model_id))

    def export_metadata(self, model: ModelSpec, export_id: str) -> dict[str, Any] | None:
        """``exportMetadata`` content with ``rowCount`` from the current data; None if unknown."""
        return catalog.export_metadata(model, export_id, self.store(model.id).reader())

    def close(self) -> None:
        """Close every model database (shutdown)."""
        self._stores.close()
