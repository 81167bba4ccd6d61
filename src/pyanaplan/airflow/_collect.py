"""Collect an Anaplan task that has ended (or wait for it in the worker): the result as XCom,
the failure dumps saved where the DAG asked, and a failed outcome turned into a failed task.

Shared by the task operators and the sensor. The outcome itself is decided by the library
(`Client.wait_task`, the same rules and options as `Client.run_import`); this module only
places files and reports.
"""

from __future__ import annotations

import logging
import re
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from pyanaplan import Client, Outcome, TaskFailedError, TaskResult, TaskTimeoutError
from pyanaplan.airflow import _storage
from pyanaplan.airflow._poll import TaskRef

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

__all__ = ["XCOM_RESULT_KEY", "AnaplanTaskFailedException", "collect_task"]

#: XCom key of a failed task's result (a successful one is the return value).
XCOM_RESULT_KEY = "anaplan_result"


class AnaplanTaskFailedException(AirflowFailException):
    """The Anaplan task ended and its outcome was not accepted (rejected rows, failed, cancelled).

    Fails the Airflow task without retrying: the task ran to its end, so running it again would
    repeat the same load. (Transient failures while starting or waiting are ordinary exceptions,
    which Airflow retries.) `result` is the task result as `TaskResult.to_dict()`.
    """

    def __init__(self, message: str, *, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def collect_task(
    client: Client,
    ref: TaskRef,
    context: Context,
    *,
    log: logging.Logger | Any,
    check: bool = True,
    accept_partial: bool = False,
    fail_on_ignored: bool = False,
    dump_dir: str | ObjectStoragePath | None = None,
    output: str | ObjectStoragePath | None = None,
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """Wait for the task if it is still running, then collect it with `Client.wait_task`.

    Args:
        client: The connection's client.
        ref: The task.
        context: The Airflow context (for XCom and the default dump directory).
        log: Where to report (the operator's logger).
        check, accept_partial, fail_on_ignored: The outcome policy (see `Client.run_import`).
        dump_dir: Local directory or object storage for failure dumps; None for
            `default_dump_dir`.
        output: For exports: where to save the output (local or object storage).
        timeout_s: Cancel the task and raise after waiting this long (non-deferred waits).

    Returns:
        `TaskResult.to_dict()`, with `dump_paths` (and `output_path`) naming where the files
        are now, local paths or object-storage URIs.

    Raises:
        AnaplanTaskFailedException: The outcome was not accepted and `check` is on; the same
            document was pushed to XCom as `anaplan_result` first.
        TaskTimeoutError: `timeout_s` passed; the task was cancelled.
        AnaplanError: Polling or a download failed (Airflow may retry; a retry adopts the task
            while it runs).
    """
    destination = _storage.location(dump_dir or default_dump_dir(context))
    output_place = _storage.location(output) if output is not None else None
    with ExitStack() as stack:
        local_dumps = destination
        if not _storage.is_local(destination):
            local_dumps = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dumps-")))
        local_output = (
            stack.enter_context(_storage.staged_target(output_place))
            if output_place is not None
            else None
        )
        try:
            result = client.wait_task(
                ref.kind, ref.object_id, ref.task_id,
                workspace=ref.workspace_id, model=ref.model_id, timeout_s=timeout_s,
                dump_dir=local_dumps, check=check, accept_partial=accept_partial,
                fail_on_ignored=fail_on_ignored, download_to=local_output,
            )  # fmt: skip
        except TaskTimeoutError:
            raise  # the task was cancelled; the next try may start it again
        except TaskFailedError as exc:
            document = _document(exc.result, destination, output_place)
            context["ti"].xcom_push(key=XCOM_RESULT_KEY, value=document)
            raise _failure(exc, document, log) from None
        document = _document(result, destination, output_place)
    _report(result, document, log)
    return document


def default_dump_dir(context: Context) -> Path:
    """`<temp dir>/anaplan-dumps/<dag id>/<run id>/<task id>[/<map index>]`."""
    ti = context["ti"]
    parts = [ti.dag_id, ti.run_id, ti.task_id]
    if getattr(ti, "map_index", -1) >= 0:
        parts.append(str(ti.map_index))
    safe = [re.sub(r"[^A-Za-z0-9._-]+", "_", str(p)) for p in parts]
    return Path(tempfile.gettempdir(), "anaplan-dumps", *safe)


def _document(result: TaskResult, destination: Any, output_place: Any) -> dict[str, Any]:
    document = result.to_dict()
    document["dump_paths"] = _storage.publish_files(result.dump_paths, destination)
    if result.output_path is not None and output_place is not None:
        document["output_path"] = str(output_place)
    return document


def _failure(exc: TaskFailedError, document: dict[str, Any], log: Any) -> Exception:
    # The library's message names the object, the counts and the dumps; dumps copied to object
    # storage are named where they now are.
    message = exc.message
    for local, placed in zip(exc.result.dump_paths, document["dump_paths"], strict=True):
        message = message.replace(str(local), placed)
    log.error("%s", message)
    if document["dump_paths"]:
        log.error("Failure dumps: %s", ", ".join(document["dump_paths"]))
    if exc.hint:
        log.error("Next step: %s", exc.hint)
    return AnaplanTaskFailedException(message, result=document)


def _report(result: TaskResult, document: dict[str, Any], log: Any) -> None:
    log.info("%s", result.describe(f"(task {result.task_id})"))
    if result.outcome.status is not Outcome.SUCCEEDED:
        log.warning("Passed although not clean: %s", result.outcome.summary or result.state)
    for note in result.outcome.notes:
        log.warning("Note: %s", note)
    if document["dump_paths"]:
        log.warning("Failure dumps: %s", ", ".join(document["dump_paths"]))
