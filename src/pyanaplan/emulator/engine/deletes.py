"""Delete-by-selection actions: remove the list items a selection picks (api-notes §4.6.1).

The selection is the spec's ``where: {property, equals}`` (a list property, or ``name``/``code``).
The items' cells in every module are removed with them, and items of other lists that had one of
them as parent lose that parent. Deletion actions never produce dumps (api-notes §4.7.2).
"""

from __future__ import annotations

from pyanaplan.emulator.engine.run_context import ActionOutcome, RunContext, detail
from pyanaplan.emulator.spec import ActionSpec


def run_delete(ctx: RunContext, action: ActionSpec) -> ActionOutcome:
    """Run a DELETE_BY_SELECTION action.

    Args:
        ctx: The task's context.
        action: The action to run.

    Returns:
        A successful outcome with an ``itemsDeleted`` detail carrying the count.

    Raises:
        TaskCancelled: When the task was cancelled before the delete ran.
    """
    ctx.check_cancelled()
    lst = ctx.model.list_named(action.list)
    deleted = 0
    if lst is not None:
        deleted = ctx.data.list_items(lst.id).delete_where(
            field=action.where_property, equals=action.where_equals
        )
    message = f"{action.list}: {deleted} items deleted"
    values = ["listName", action.list, "deletedCount", str(deleted)]
    return ActionOutcome(
        object_id=action.id,
        object_name=action.name,
        successful=True,
        failure_dump_available=False,
        details=[detail(message, "itemsDeleted", values)],
    )
