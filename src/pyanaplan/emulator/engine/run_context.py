"""The runner contract's data types (docs/architecture.md §3.2), re-exported by `runner.py`.

They live here so that imports, exports, deletes and processes can use them without importing the
runner that dispatches to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage.model_store import ModelWriter

COMPLETE_STEP = "Complete."
FAILED_STEP = "Failed."
PROCESSING_STEP = "Processing ..."
# How many rows pass between cancellation checks and progress reports.
CHECK_EVERY_ROWS = 10_000
# A task body's ``mappingParameters``: ``[{"entityType": dimension, "entityName": item}]``, as the
# client sent them (entries are checked where they are used).
MappingParameters = list[dict[str, Any]]


class TaskCancelled(Exception):
    """Raised by the engine when `RunContext.cancelled()` turns true; the caller rolls back."""


@dataclass
class RunContext:
    """What the task worker gives the engine for one task.

    Attributes:
        data: The model's data, inside the transaction the task worker opened for this task.
        model: The model's spec.
        model_id: The model's ID.
        user_id: The user who started the task (whose file content is read).
        task_id: The task's ID.
        open_source: file_id -> the user's content (or default content); None when empty.
            The engine reads it once, front to back, and closes it. A stream that cannot seek
            may carry an int ``total_bytes`` attribute (on itself or its ``raw``) for progress.
        write_export: (export_id, byte chunks) -> stores the output file; returns its size.
        write_dump: (object_id, byte chunks) -> stores this task's failure dump CSV.
        progress: (0..1, current_step) -> reports progress.
        cancelled: True once the task should stop; the engine then raises `TaskCancelled`.
        rejected_rows_successful: ``successful`` of an import that rejected some rows (spec
            ``settings.rejected_rows_successful``; the real service's answer is not documented).
    """

    data: ModelWriter
    model: ModelSpec
    model_id: str
    user_id: str
    task_id: str
    open_source: Callable[[str], BinaryIO | None]
    write_export: Callable[[str, Iterable[bytes]], int]
    write_dump: Callable[[str, Iterable[bytes]], None]
    progress: Callable[[float, str], None]
    cancelled: Callable[[], bool]
    rejected_rows_successful: bool = False

    def check_cancelled(self) -> None:
        """Raise `TaskCancelled` if the task was cancelled."""
        if self.cancelled():
            raise TaskCancelled(self.task_id)


@dataclass
class ActionOutcome:
    """The result of one import, export, action or process (the task's ``result``,
    api-notes §4.6.4).

    Attributes:
        object_id: The import/export/action/process ID.
        object_name: Its name.
        successful: False when the action failed outright, or when any row failed (unless
            ``RunContext.rejected_rows_successful``).
        failure_dump_available: A dump was written (for a process: any nested one was).
        details: ``[{type, localMessageText, occurrences, values}]``.
        nested: Per-action outcomes (processes only), in run order.
        current_step: ``"Complete."`` or ``"Failed."`` (a hard failure: nothing applied).
    """

    object_id: str
    object_name: str
    successful: bool
    failure_dump_available: bool
    details: list[dict[str, Any]] = field(default_factory=list)
    nested: list[ActionOutcome] = field(default_factory=list)
    current_step: str = COMPLETE_STEP

    def result_dict(self, *, nested: bool = False) -> dict[str, Any]:
        """Render as the task status ``result`` object (api-notes §4.6.4).

        Args:
            nested: True for an entry of ``nestedResults`` (same shape, recursive).

        Returns:
            ``{details, failureDumpAvailable, objectId, objectName, successful[, nestedResults]}``.
        """
        result: dict[str, Any] = {
            "details": list(self.details),
            "failureDumpAvailable": self.failure_dump_available,
            "objectId": self.object_id,
            "objectName": self.object_name,
            "successful": self.successful,
        }
        if self.nested or (not nested and self.object_id.startswith("118")):
            result["nestedResults"] = [n.result_dict(nested=True) for n in self.nested]
        return result


def detail(message: str, detail_type: str, values: list[str] | None = None) -> dict[str, Any]:
    """Build one ``details[]`` entry (api-notes §4.6.4): values are flat key, value,
    key, value … strings."""
    return {
        "localMessageText": message,
        "occurrences": 0,
        "type": detail_type,
        "values": list(values or []),
    }


def failed_outcome(object_id: str, object_name: str, message: str) -> ActionOutcome:
    """An outcome for an action that failed outright (nothing applied, no dump)."""
    return ActionOutcome(
        object_id=object_id,
        object_name=object_name,
        successful=False,
        failure_dump_available=False,
        details=[detail(message, "actionFailed")],
        current_step=FAILED_STEP,
    )
