"""Processes: run their actions in order and nest the outcomes (api-notes §4.6.4, §4.7.2).

Choices (Anaplan's public documentation does not pin them down):

* An import whose rows partly fail does not stop the process; the next action runs, as Anaplan
  does for row-level failures. An action that fails outright (``current_step == "Failed."``,
  e.g. an import whose source file has no content) stops the process; later actions do not run
  and are not listed.
* ``successful`` is the AND of the nested results; ``failureDumpAvailable`` is their OR
  (api-notes §9.36). Each failing import's dump is stored under the import's ID by
  ``ctx.write_dump``, which is how ``…/processes/{id}/tasks/{taskId}/dumps/{objectId}`` finds it.
* Progress is reported per action: action k of n maps into the slice [k/n, (k+1)/n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pyanaplan.emulator.engine.run_context import (
    COMPLETE_STEP,
    FAILED_STEP,
    ActionOutcome,
    MappingParameters,
    RunContext,
)
from pyanaplan.emulator.spec import ProcessSpec

RunOne = Callable[[RunContext, str, MappingParameters | None], ActionOutcome]


def run_process(
    ctx: RunContext,
    process: ProcessSpec,
    *,
    mapping: MappingParameters | None,
    run_one: RunOne,
) -> ActionOutcome:
    """Run a process's actions in order.

    Args:
        ctx: The task's context.
        process: The process to run.
        mapping: Mapping parameters, passed to every nested action.
        run_one: Runs one nested action (the runner's dispatcher).

    Returns:
        The process outcome with one nested outcome per action that ran.

    Raises:
        TaskCancelled: When the task is cancelled during any action.
    """
    count = len(process.actions)
    nested: list[ActionOutcome] = []
    for index, action_id in enumerate(process.actions):
        ctx.check_cancelled()

        def scaled(fraction: float, step: str, _index: int = index) -> None:
            ctx.progress((_index + max(0.0, min(1.0, fraction))) / count, step)

        outcome = run_one(replace(ctx, progress=scaled), action_id, mapping)
        nested.append(outcome)
        if outcome.current_step == FAILED_STEP:
            break
    failed_hard = any(n.current_step == FAILED_STEP for n in nested)
    return ActionOutcome(
        object_id=process.id,
        object_name=process.name,
        successful=all(n.successful for n in nested),
        failure_dump_available=any(n.failure_dump_available for n in nested),
        details=[],
        nested=nested,
        current_step=FAILED_STEP if failed_hard else COMPLETE_STEP,
    )
